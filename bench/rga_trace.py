"""Replay the automerge-paper editing trace on an :class:`~nervsync_cli.merge.rga.RGA` and time it.

The trace (259,778 single-character edits typed into the LaTeX source of a paper) is described in
``../shared/conformance/editing-traces/README.md``. Run ``python bench/rga_trace.py [TRACE]``.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

from nervsync_cli.merge.rga import RGA

DEFAULT_TRACE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "editing-traces" / "automerge-paper.json.gz"
)


def load_trace(path: Path) -> dict[str, Any]:
    """The decoded JSON of a gzipped editing trace."""
    with gzip.open(path, "rb") as stream:
        trace: dict[str, Any] = json.load(stream)
    return trace


def replay(trace: dict[str, Any]) -> RGA[str]:
    """Apply every patch of a sequential trace, in order, to a fresh single-writer RGA."""
    doc: RGA[str] = RGA("trace")
    for position, char in enumerate(trace["startContent"]):
        doc.insert(position, char)
    insert, delete = doc.insert, doc.delete  # bound once: this loop runs 259,778 times
    for txn in trace["txns"]:
        for position, deleted, text in txn["patches"]:
            for _ in range(deleted):
                delete(position)
            for offset, char in enumerate(text):
                insert(position + offset, char)
    return doc


def replay_list(trace: dict[str, Any]) -> str:
    """The floor to compare with: the same patches spliced into a plain Python list."""
    doc = list(trace["startContent"])
    for txn in trace["txns"]:
        for position, deleted, text in txn["patches"]:
            doc[position : position + deleted] = text
    return "".join(doc)


def replay_trace(path: Path | str = DEFAULT_TRACE) -> tuple[str, float]:
    """Replay a sequential trace file on an RGA.

    Args:
        path: A gzipped sequential editing trace.

    Returns:
        The final text and the seconds the replay took (loading and decompressing excluded).
    """
    trace = load_trace(Path(path))
    started = time.perf_counter()
    doc = replay(trace)
    seconds = time.perf_counter() - started
    return "".join(doc.to_sequence()), seconds


def main(argv: list[str]) -> int:
    """Print the replay time and whether the final text matches the trace's ``endContent``.

    Returns:
        0 if it matches, 1 if not, 2 if the trace is missing.
    """
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_TRACE
    if not path.exists():
        print(f"{path}: no such trace", file=sys.stderr)
        return 2
    text, seconds = replay_trace(path)
    trace = load_trace(path)
    started = time.perf_counter()
    floor_matches = replay_list(trace) == trace["endContent"]
    floor = time.perf_counter() - started
    matches = text == trace["endContent"] and floor_matches
    print(
        f"{path.name}: RGA replay {seconds:.3f} s, list splice {floor:.3f} s "
        f"(ratio {seconds / floor:.2f}), {len(text)} chars, endContent {'matches' if matches else 'DIFFERS'}"
    )
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
