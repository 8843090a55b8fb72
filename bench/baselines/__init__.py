"""Peer tools diffing the generator's record sets, for ``bench/run.py``'s comparison columns."""
