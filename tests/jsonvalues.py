"""Test helpers shared by the patch tests."""

from __future__ import annotations

from typing import Any


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality written here, independent of nervsync: numbers by value, booleans apart."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return bool(left == right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right))
    return type(left) is type(right) and bool(left == right)
