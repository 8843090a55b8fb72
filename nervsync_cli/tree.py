"""Finding places in a JSON-like tree by nervsync path, for ``--path`` and for applying changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .identity import field_value
from .model import MISSING
from .paths import Field, Index, Match, Path, Segment, key_text


def find_item(items: list[Any], segment: Match) -> int | None:
    """Position of the list item whose key fields have the segment's values."""
    for position, item in enumerate(items):
        if _matches(item, segment):
            return position
    return None


def _matches(item: Any, segment: Match) -> bool:
    for name, wanted in segment.fields:
        value = field_value(item, name)
        if not isinstance(value, (str, int, float, bool, type(None))) or key_text(value) != wanted:
            return False
    return True


ItemFinder = Callable[[list[Any], Match], "int | None"]


def step(node: Any, segment: Segment, find: ItemFinder = find_item) -> Any:
    """The child of ``node`` that ``segment`` names, or ``MISSING``; ``find`` locates keyed items."""
    if isinstance(segment, Field):
        return node.get(segment.name, MISSING) if isinstance(node, dict) else MISSING
    if not isinstance(node, list):
        return MISSING
    if isinstance(segment, Index):
        return node[segment.index] if -len(node) <= segment.index < len(node) else MISSING
    position = find(node, segment)
    return MISSING if position is None else node[position]


def get_at(data: Any, path: Path, find: ItemFinder = find_item) -> Any:
    """The value at ``path``, or ``MISSING`` if any step does not exist."""
    node = data
    for segment in path:
        node = step(node, segment, find)
        if node is MISSING:
            return MISSING
    return node
