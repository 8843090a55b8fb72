"""Equality of JSON-like values, as nervsync defines it everywhere.

Numbers compare by value (``1`` equals ``1.0``), booleans are not numbers (``true`` is not ``1``),
mapping key order never matters, list order does. Python's ``==`` gets the first right and the
second wrong, so whole values are compared by canonical bytes first (C speed via orjson), and only
values whose bytes differ are walked field by field.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Sequence
from itertools import compress
from typing import Any

import orjson

_CANON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def canonical(value: Any) -> bytes:
    """Bytes that are equal exactly when the values are equal with their exact types."""
    try:
        return orjson.dumps(value, option=_CANON_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        # Integers beyond 64 bits and other values orjson refuses; rare, so the slow path is fine.
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr).encode()


def identical(a: Any, b: Any) -> bool:
    """Fast, conservative test: ``True`` guarantees ``equal(a, b)``; ``False`` means look closer."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, (dict, list)):
        return a == b and (_same_bytes(a, b) or canonical(a) == canonical(b))
    return bool(a == b)


def _same_bytes(a: Any, b: Any) -> bool:
    """Plain (unsorted) orjson bytes are equal: with ``a == b``, the same values with the same types.

    Cheaper than :func:`canonical` (no key sorting); ``False`` only means "compare canonically".
    """
    try:
        return orjson.dumps(a) == orjson.dumps(b)
    except (orjson.JSONEncodeError, TypeError):
        return False


_CHUNK = 256


def identical_each(xs: Sequence[Any], ys: Sequence[Any]) -> list[bool]:
    """``[identical(x, y) for x, y in zip(xs, ys)]``, in bulk.

    Pairs of one shared object (records two trees share: :mod:`.split_load`) are identical
    outright. For the others, ``==`` per pair first (a C-level compare); the pairs found equal are
    then confirmed by one orjson dump of a whole chunk of them per side (``==`` calls ``True`` and
    ``1`` equal, their bytes do not). Only a chunk whose bytes differ is checked pair by pair.
    """
    same = list(map(operator.is_, xs, ys))
    if not any(same):
        return _equal_each(xs, ys)
    others = list(compress(range(len(same)), map(operator.not_, same)))
    found = _equal_each(list(map(xs.__getitem__, others)), list(map(ys.__getitem__, others)))
    for k, equal in zip(others, found):
        same[k] = equal
    return same


def _equal_each(xs: Sequence[Any], ys: Sequence[Any]) -> list[bool]:
    same = list(map(operator.eq, xs, ys))
    equal = list(compress(range(len(same)), same))
    for start in range(0, len(equal), _CHUNK):
        chunk = equal[start:start + _CHUNK]
        if _same_bytes(list(map(xs.__getitem__, chunk)), list(map(ys.__getitem__, chunk))):
            continue
        for k in chunk:
            same[k] = identical(xs[k], ys[k])
    return same


def scalars_equal(a: Any, b: Any, precision: int | None = None) -> bool:
    """Equality of two non-container values under nervsync's number rules."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a == b:
            return True
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return precision is not None and abs(a - b) < 10.0**-precision
    return type(a) is type(b) and bool(a == b)


def equal(a: Any, b: Any, precision: int | None = None) -> bool:
    """Deep equality under nervsync's rules (list order matters; see :func:`scalars_equal`)."""
    if identical(a, b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(v, b[k], precision) for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y, precision) for x, y in zip(a, b))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return scalars_equal(a, b, precision)


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    return value


def match_key(value: Any) -> bytes:
    """Bytes equal for values that :func:`equal` calls equal (without ``precision``).

    :func:`canonical` keeps ``1`` and ``1.0`` apart (their bytes differ), which is right for "is this
    byte-identical" but wrong for pairing list items: a YAML ``1.0`` and a JSON ``1`` are one value.
    """
    return canonical(_integral_floats_as_ints(value))
