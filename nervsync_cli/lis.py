"""Longest increasing subsequence: the part of a reordered sequence that can stay where it is.

Shared by the JSON writer (patience alignment of list items) and the patch generator (which
records need a ``move``).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence


def longest_increasing(values: Sequence[int]) -> list[int]:
    """Positions, ascending, of one longest strictly increasing subsequence (O(n log n))."""
    tails: list[int] = []  # tails[k]: the value ending the best run of length k + 1
    tail_at: list[int] = []  # ... and its position
    previous = [-1] * len(values)
    for position, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_at.append(position)
        else:
            tails[k] = value
            tail_at[k] = position
        previous[position] = tail_at[k - 1] if k else -1
    run: list[int] = []
    position = tail_at[-1] if tail_at else -1
    while position >= 0:
        run.append(position)
        position = previous[position]
    run.reverse()
    return run
