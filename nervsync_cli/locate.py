"""``tree.get_at`` for many paths into one tree: keyed list items found by index, not by scanning.

``tree.find_item`` walks a list until an item's key fields match, which is right for one lookup and
quadratic for a sync that looks up every changed record of a 100,000-record list. A
:class:`Locator` builds, per list and per tuple of key field names, a dict from key values to the
first matching position (the one ``find_item`` returns), once, and answers every later lookup from
it. A caller that replaces an item in a list tells the locator (:meth:`Locator.replaced`); a caller
that rebuilds a list calls :meth:`Locator.forget`.
"""

from __future__ import annotations

from typing import Any

from . import tree
from .identity import field_value
from .model import MISSING
from .paths import Match, Path, Segment, key_text

_SCALARS = (str, int, float, bool, type(None))
_Names = tuple[str, ...]
_Values = tuple[str, ...]


def _key(item: Any, names: _Names) -> _Values | None:
    """The key values ``tree._matches`` compares for this item, or ``None`` if it can match nothing."""
    values = []
    for name in names:
        value = field_value(item, name)
        if not isinstance(value, _SCALARS):
            return None
        values.append(key_text(value))
    return tuple(values)


class Locator:
    """Finds places in one tree by nervsync path, with an index per keyed list."""

    def __init__(self) -> None:
        # id(list) -> (the list itself, so a reused id is noticed; names -> first position by key)
        self._indexes: dict[int, tuple[list[Any], dict[_Names, dict[_Values, int]]]] = {}

    def _index(self, items: list[Any], names: _Names) -> dict[_Values, int]:
        entry = self._indexes.get(id(items))
        if entry is None or entry[0] is not items:
            entry = (items, {})
            self._indexes[id(items)] = entry
        index = entry[1].get(names)
        if index is None:
            index = {}
            if len(names) == 1 and "." not in names[0]:
                name = names[0]
                first: dict[str, int] = {}
                for position, item in enumerate(items):
                    value = item.get(name, MISSING) if isinstance(item, dict) else MISSING
                    if isinstance(value, _SCALARS):
                        first.setdefault(value if type(value) is str else key_text(value), position)
                index = {(key,): position for key, position in first.items()}
            else:
                for position, item in enumerate(items):
                    key = _key(item, names)
                    if key is not None:
                        index.setdefault(key, position)
            entry[1][names] = index
        return index

    def find_item(self, items: list[Any], segment: Match) -> int | None:
        """``tree.find_item``: position of the first item whose key fields have the segment's values."""
        names = tuple(name for name, _ in segment.fields)
        return self._index(items, names).get(tuple(value for _, value in segment.fields))

    def step(self, node: Any, segment: Segment) -> Any:
        """``tree.step``: the child of ``node`` that ``segment`` names, or ``MISSING``."""
        return tree.step(node, segment, self.find_item)

    def get_at(self, data: Any, path: Path) -> Any:
        """``tree.get_at``: the value at ``path``, or ``MISSING`` if any step does not exist."""
        return tree.get_at(data, path, self.find_item)

    def replaced(self, items: list[Any], position: int, old: Any) -> None:
        """``items[position]`` was ``old`` and holds a new item now: keep the indexes right."""
        entry = self._indexes.get(id(items))
        if entry is None or entry[0] is not items:
            return
        new = items[position]
        for names in list(entry[1]):
            if _key(old, names) != _key(new, names):
                del entry[1][names]

    def forget(self, items: list[Any]) -> None:
        """``items`` was rebuilt (items added, removed or moved): drop its indexes."""
        entry = self._indexes.get(id(items))
        if entry is not None and entry[0] is items:
            del self._indexes[id(items)]
