"""``tree.get_at`` for many paths into one tree: keyed list items found by index, not by scanning.

``tree.find_item`` walks a list until an item's key fields match, which is right for one lookup and
quadratic for a sync that looks up every changed record of a 100,000-record list. A
:class:`Locator` builds, per list and per tuple of key field names, a dict from key values to the
first matching position (the one ``find_item`` returns), once, and answers every later lookup from
it; the items' keys (:meth:`Locator.keys`) are kept the same way, since each pass over a large
list costs a cache miss per item. A caller that replaces an item in a list tells the locator
(:meth:`Locator.replaced`); a caller that rebuilds a list calls :meth:`Locator.forget`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import tree
from .identity import field_value, key_of, plain_index, plain_keys
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


class _List:
    """What a :class:`Locator` knows about one list, per tuple of key field names."""

    __slots__ = ("indexes", "items", "keys", "strings", "unique")

    def __init__(self, items: Sequence[Any]) -> None:
        self.items = items  # kept, so that a list that reuses a freed list's id is noticed
        self.strings: dict[_Names, list[str] | None] = {}
        # A one-field key is indexed by its value, a longer one by the tuple of values.
        self.indexes: dict[_Names, dict[Any, int]] = {}
        self.keys: dict[_Names, list[_Values | None]] = {}
        self.unique: dict[_Names, dict[str, int] | None] = {}

    def twin(self, items: Sequence[Any]) -> _List:
        """What is known here, for ``items``, a shallow copy of this list (each keeps its own
        tables: a change to one drops entries from its own only; the entries are never edited)."""
        twin = _List(items)
        twin.strings, twin.indexes = dict(self.strings), dict(self.indexes)
        twin.keys, twin.unique = dict(self.keys), dict(self.unique)
        return twin

    def plain(self, names: _Names) -> list[str] | None:
        """:func:`~nervsync_cli.identity.plain_keys` of a one-field key, computed once."""
        if len(names) != 1:
            return None
        if names not in self.strings:
            self.strings[names] = plain_keys(self.items, names[0])
        return self.strings[names]

    def drop(self, names: _Names) -> None:
        for known in (self.strings, self.indexes, self.keys, self.unique):
            known.pop(names, None)


class Locator:
    """Finds places in one tree by nervsync path, with an index per keyed list.

    Also hands out the keys of a list's items (:meth:`keys`, :meth:`plain_keys`, :meth:`plain_index`),
    computed once per list: one locator can serve a whole sync, from the diff to the apply.
    """

    def __init__(self) -> None:
        self._lists: dict[int, _List] = {}

    def _list(self, items: Sequence[Any]) -> _List:
        known = self._lists.get(id(items))
        if known is None or known.items is not items:
            known = _List(items)
            self._lists[id(items)] = known
        return known

    def _index(self, items: list[Any], names: _Names) -> dict[Any, int]:
        known = self._list(items)
        index = known.indexes.get(names)
        if index is None:
            unique = self.plain_index(items, names[0]) if len(names) == 1 else None
            # Where the keys are unique, their index is also the first position of each.
            index = unique if unique is not None else _first_positions(items, names, known.plain(names))
            known.indexes[names] = index
        return index

    def plain_keys(self, items: Sequence[Any], field: str) -> list[str] | None:
        """:func:`~nervsync_cli.identity.plain_keys`, computed once per list."""
        return self._list(items).plain((field,))

    def plain_index(self, items: Sequence[Any], field: str) -> dict[str, int] | None:
        """:func:`~nervsync_cli.identity.plain_index` (``None`` unless unique), computed once per list."""
        known = self._list(items)
        names = (field,)
        if names not in known.unique:
            known.unique[names] = plain_index(items, field, known.plain(names))
        return known.unique[names]

    def keys(self, items: list[Any], names: _Names) -> list[_Values | None]:
        """``identity.key_of`` of every item, computed once per list (until replaced or forgotten)."""
        known = self._list(items)
        keys = known.keys.get(names)
        if keys is None:
            strings = known.plain(names)
            keys = list(zip(strings)) if strings is not None else [key_of(item, names) for item in items]
            known.keys[names] = keys
        return keys

    def find_item(self, items: list[Any], segment: Match) -> int | None:
        """``tree.find_item``: position of the first item whose key fields have the segment's values."""
        fields = segment.fields
        if len(fields) == 1:
            return self._index(items, (fields[0][0],)).get(fields[0][1])
        return self._index(items, tuple(name for name, _ in fields)).get(tuple(value for _, value in fields))

    def step(self, node: Any, segment: Segment) -> Any:
        """``tree.step``: the child of ``node`` that ``segment`` names, or ``MISSING``."""
        return tree.step(node, segment, self.find_item)

    def get_at(self, data: Any, path: Path) -> Any:
        """``tree.get_at``: the value at ``path``, or ``MISSING`` if any step does not exist."""
        return tree.get_at(data, path, self.find_item)

    def replaced(self, items: list[Any], position: int, old: Any) -> None:
        """``items[position]`` was ``old`` and holds a new item now: keep what is known right."""
        known = self._lists.get(id(items))
        if known is None or known.items is not items:
            return
        new = items[position]
        for names in {*known.strings, *known.indexes, *known.keys}:
            if _key(old, names) != _key(new, names) or key_of(old, names) != key_of(new, names):
                known.drop(names)

    def copied(self, items: list[Any], copy: list[Any]) -> None:
        """``copy`` is a shallow copy of ``items``: what is known of one holds for the other."""
        known = self._lists.get(id(items))
        if known is not None and known.items is items:
            self._lists[id(copy)] = known.twin(copy)

    def forget_all(self) -> None:
        """Drop what is known about every list."""
        self._lists.clear()

    def forget(self, items: list[Any]) -> None:
        """``items`` was rebuilt (items added, removed or moved): drop what is known about it."""
        known = self._lists.get(id(items))
        if known is not None and known.items is items:
            del self._lists[id(items)]


def _first_positions(items: list[Any], names: _Names, strings: list[str] | None) -> dict[Any, int]:
    """Key values (as ``tree._matches`` compares them) to the first position holding them.

    A one-field key is indexed by its value, a longer one by the tuple of values.
    """
    if strings is not None:
        # Inserted from the last item to the first, so the first position of a key stays.
        return dict(zip(reversed(strings), range(len(strings) - 1, -1, -1)))
    index: dict[Any, int] = {}
    if len(names) == 1 and "." not in names[0]:
        name = names[0]
        for position, item in enumerate(items):
            value = item.get(name, MISSING) if isinstance(item, dict) else MISSING
            if isinstance(value, _SCALARS):
                index.setdefault(value if type(value) is str else key_text(value), position)
        return index
    for position, item in enumerate(items):
        key = _key(item, names)
        if key is not None:
            index.setdefault(key if len(names) > 1 else key[0], position)
    return index
