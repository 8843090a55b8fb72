"""Identity of list items: which fields key a list, and the index from key to position.

A key is chosen per list: an explicit ``--key PATH=FIELDS`` rule for that list, else a global
``--key FIELDS`` when every item carries the fields, else the first of ``id``, ``key``, ``name``,
``uuid`` present in every item and unique on both sides (as dyff does for Kubernetes lists), else
Kubernetes identity (``kind`` and ``metadata.name``, for the items of a ``kind: List``).
The documents of a multi-document YAML stream are keyed by ``kind`` and ``metadata.name`` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .errors import DuplicateKeyError, InputError
from .model import DiffOptions, KeyRule
from .paths import Match, Path, format_path, key_text, matches

if TYPE_CHECKING:
    from .locate import Locator

_ABSENT = object()
_MANIFEST_KEYS: tuple[tuple[str, ...], ...] = (
    ("kind", "metadata.name"),
    ("kind", "metadata.namespace", "metadata.name"),
    ("apiVersion", "kind", "metadata.namespace", "metadata.name"),
)

KeyValue = tuple[str, ...]


def field_value(item: Any, field: str) -> Any:
    """The value of a (possibly dotted) key field in a mapping, or a private ABSENT marker."""
    value = item
    for part in field.split(".") if "." in field else (field,):
        if not isinstance(value, dict):
            return _ABSENT
        value = value.get(part, _ABSENT)
        if value is _ABSENT:
            return _ABSENT
    return value


def _usable(value: Any) -> bool:
    return value is not _ABSENT and not isinstance(value, (dict, list))


def key_of(item: Any, fields: tuple[str, ...]) -> KeyValue | None:
    """The key of one item, or ``None`` when it lacks a field or a field is not a scalar."""
    if len(fields) == 1:
        value = field_value(item, fields[0])
        return (key_text(value),) if _usable(value) else None
    values = [field_value(item, f) for f in fields]
    if not all(_usable(v) for v in values):
        return None
    return tuple(key_text(v) for v in values)


def match_segment(fields: tuple[str, ...], key: KeyValue) -> Match:
    """The path segment naming the item with this key."""
    return Match(tuple(zip(fields, key)))


@dataclass(frozen=True)
class Side:
    """One side's list, with what error messages need to name it."""

    items: Sequence[Any]
    file: str


class Identity:
    """Chooses keys for lists and indexes them; one instance per comparison."""

    def __init__(self, options: DiffOptions, stream: bool = False, locator: Locator | None = None) -> None:
        self.global_rules = [rule for rule in options.keys if rule.pattern is None]
        self.path_rules = [rule for rule in options.keys if rule.pattern is not None]
        self.auto_keys = options.auto_keys
        self.stream = stream
        # Plain key texts and their indexes, for keyed() to reuse: computed by the last choose(), or,
        # with a locator shared by the caller (a sync's planner and apply), kept for the whole run.
        self._shared = locator is not None
        self._keys = locator if locator is not None else _locator()

    def explicit_rule(self, path: Path) -> KeyRule | None:
        """The ``--key PATH=FIELDS`` rule naming this list, if any.

        In a multi-document stream a pattern may also be written relative to each document
        (``spec.template.spec.containers=name``), as it would be for a one-document file.
        """
        for rule in self.path_rules:
            assert rule.pattern is not None
            if matches(rule.pattern, path) or (self.stream and path and matches(rule.pattern, path[1:])):
                return rule
        return None

    def choose(self, path: Path, sides: Sequence[Side], documents: bool = False) -> tuple[str, ...] | None:
        """The key fields for the list at ``path``, or ``None`` if its items have no identity.

        Raises:
            InputError: an explicit key is missing from an item.
            DuplicateKeyError: an explicit key is not unique on one side.
        """
        if not self._shared:
            self._keys.forget_all()
        rule = self.explicit_rule(path)
        if rule is not None:
            self._require(rule.fields, path, sides)
            return rule.fields
        # (``type(...) is dict`` for all items is one C-level pass; subclasses take the long way.)
        if not all(_all_dicts(side.items) for side in sides):
            return None
        if not any(side.items for side in sides):
            return None
        for global_rule in self.global_rules:
            if all(key_of(item, global_rule.fields) is not None for side in sides for item in side.items):
                return global_rule.fields
        auto = tuple((name,) for name in self.auto_keys)
        # Kubernetes objects carry their name under metadata, so a ``kind: List``'s items and the
        # documents of a stream are matched by kind and metadata.name; plain id/name come first
        # inside documents, manifest keys first between them.
        candidates = (*_MANIFEST_KEYS, *auto) if documents else (*auto, *_MANIFEST_KEYS) if auto else ()
        for fields in candidates:
            if all(self._unique(side.items, fields) for side in sides):
                return fields
        return None

    def _unique(self, items: Sequence[Any], fields: tuple[str, ...]) -> bool:
        if len(fields) == 1 and self.plain_keys(items, fields[0]) is not None:
            return self._keys.plain_index(items, fields[0]) is not None
        return _unique_keys(items, fields)

    def plain_keys(self, items: Sequence[Any], field: str) -> list[str] | None:
        """:func:`plain_keys`, remembered from the last :meth:`choose` for the same list."""
        return self._keys.plain_keys(items, field)

    def plain_index(self, items: Sequence[Any], field: str) -> dict[str, int] | None:
        """:func:`plain_index`, remembered from the last :meth:`choose` for the same list."""
        return self._keys.plain_index(items, field)

    @staticmethod
    def _require(fields: tuple[str, ...], path: Path, sides: Sequence[Side]) -> None:
        for side in sides:
            for position, item in enumerate(side.items):
                if key_of(item, fields) is None:
                    raise InputError(
                        side.file,
                        f"item [{position}] of {format_path(path)} has no scalar key field "
                        f"{','.join(fields)!r}",
                    )


def _locator() -> Locator:
    from .locate import Locator  # (locate builds on this module)

    return Locator()


def _all_dicts(items: Sequence[Any]) -> bool:
    types = set(map(type, items))
    return types <= {dict} or all(isinstance(item, dict) for item in items)


def plain_keys(items: Sequence[Any], field: str) -> list[str] | None:
    """``key_text(item[field])`` for every item, when every item is a dict holding a ``str`` there.

    The common case (``id``, ``name`` columns) in C-level passes: no Python call per item. ``None``
    when it does not apply (an item lacks the field, is not a plain dict, or holds another type);
    callers then take the general path, which also produces the right errors.
    """
    if not items:
        return []
    if "." in field or set(map(type, items)) != {dict}:
        return None
    try:
        keys = list(map(itemgetter(field), items))
    except KeyError:
        return None
    return keys if set(map(type, keys)) == {str} else None


def _unique_keys(items: Sequence[Any], fields: tuple[str, ...]) -> bool:
    if len(fields) == 1:
        plain = plain_keys(items, fields[0])
        if plain is not None:
            return len(set(plain)) == len(plain)
    keys = set()
    for item in items:
        key = key_of(item, fields)
        if key is None or key in keys:
            return False
        keys.add(key)
    return True


def index_items(items: Sequence[Any], fields: tuple[str, ...], file: str, path: Path) -> dict[KeyValue, int]:
    """Map each item's key to its position.

    Raises:
        DuplicateKeyError: two items share a key; names the value and both positions.
    """
    if len(fields) == 1:
        plain = plain_index(items, fields[0])
        if plain is not None:
            return {(k,): i for k, i in plain.items()}
    index_multi: dict[KeyValue, int] = {}
    for position, item in enumerate(items):
        key = key_of(item, fields)
        assert key is not None  # choose() checked every item has the fields
        first = index_multi.setdefault(key, position)
        if first != position:
            shown = ",".join(f"{f}={v}" for f, v in zip(fields, key))
            raise DuplicateKeyError(
                file, f"duplicate key {shown} in {format_path(path) if path else 'the top-level list'}: "
                f"items [{first}] and [{position}]"
            )
    return index_multi


def plain_index(items: Sequence[Any], field: str, keys: list[str] | None = None) -> dict[str, int] | None:
    """Key text to position for a one-field key of plain string values, unique; else ``None``.

    ``None`` also when a key repeats: :func:`index_items` then raises the error naming both items.
    ``keys``: :func:`plain_keys` of the items, if already known.
    """
    if keys is None:
        keys = plain_keys(items, field)
    if keys is None:
        return None
    index = dict(zip(keys, range(len(keys))))
    return index if len(index) == len(keys) else None


def parse_key_option(text: str) -> KeyRule:
    """Parse ``--key``: ``FIELD``, ``a,b`` (every list carrying them) or ``PATH=FIELD[,FIELD]``.

    Raises:
        UsageError: empty fields or a bad path.
    """
    from .errors import UsageError
    from .paths import parse_pattern

    pattern_text, eq, fields_text = text.rpartition("=")
    if not eq:
        fields_text = text
    fields = tuple(field.strip() for field in fields_text.split(","))
    if not all(fields):
        raise UsageError(f"--key {text!r}: empty field name")
    return KeyRule(fields, parse_pattern(pattern_text) if eq else None)
