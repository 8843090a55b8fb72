"""Applying operations to a tree in memory. Writing the result is ``files``' and the formats' job."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from .errors import ApplyError
from .locate import Locator
from .model import MISSING, Op, OpKind
from .patch.jsonpatch import copy_json
from .paths import Field, Index, Match, Path, Segment, format_path
from .tree import find_item, get_at

_Key = tuple[tuple[str, ...], tuple[str, ...]]


def _match_key(segment: Match) -> _Key:
    return tuple(name for name, _ in segment.fields), tuple(value for _, value in segment.fields)


def _set(tree: Any, op: Op, locator: Locator | None = None) -> Any:
    if not op.path:
        return op.value
    parent = _parent(tree, op, locator)
    segment = op.path[-1]
    if isinstance(segment, Field):
        parent[segment.name] = op.value
    elif isinstance(segment, Index):
        parent[segment.index] = op.value
    else:
        position = find_item(parent, segment) if locator is None else locator.find_item(parent, segment)
        if position is None:
            raise ApplyError(f"set {format_path(op.path)}: no such item")
        old = parent[position]
        parent[position] = op.value
        if locator is not None:
            locator.replaced(parent, position, old)
    return tree


def _parent(tree: Any, op: Op, locator: Locator | None = None) -> Any:
    parent = get_at(tree, op.path[:-1]) if locator is None else locator.get_at(tree, op.path[:-1])
    if parent is MISSING:
        raise ApplyError(f"{op.kind.value} {format_path(op.path)}: parent does not exist")
    return parent


def _rebuild_list(items: list[Any], ops: list[Op], locator: Locator) -> list[Any]:
    """Remove and insert keyed items in one pass: a key index per list, no O(n) search per op.

    An item is dropped if any of its keys is removed; what is added after a key follows the first
    kept item with that key, or goes to the end if there is none.
    """
    removed: set[_Key] = set()
    after: defaultdict[_Key | None, list[Any]] = defaultdict(list)
    for op in ops:
        segment = op.path[-1]
        assert isinstance(segment, Match)
        if op.kind is OpKind.REMOVE:
            removed.add(_match_key(segment))
        else:
            anchor = op.after[-1] if op.after else None
            after[_match_key(anchor) if isinstance(anchor, Match) else None].append(op.value)
    field_sets = {fields for fields, _ in removed} | {key[0] for key in after if key is not None}
    indexes = _unique_indexes(items, field_sets, locator)
    inserts: defaultdict[int, list[Any]] = defaultdict(list)
    if indexes is not None:
        dropped = {indexes[fields][values[0]] for fields, values in removed if values[0] in indexes[fields]}
        for fields, index in indexes.items():
            for key in [key for key in after if key is not None and key[0] == fields]:
                position = index.get(key[1][0])
                if position is not None and position not in dropped:
                    inserts[position].extend(after.pop(key))
    else:
        keys = {fields: locator.keys(items, fields) for fields in field_sets}
        dropped = _dropped(keys, removed)
        for fields, item_keys in keys.items():
            anchors = {key[1] for key in after if key is not None and key[0] == fields}
            for position, values in enumerate(item_keys):
                if not anchors:
                    break
                if values in anchors and position not in dropped:
                    anchors.discard(values)
                    inserts[position].extend(after.pop((fields, values)))
    result: list[Any] = []
    start = 0
    for position in sorted(dropped | inserts.keys()):
        result.extend(items[start:position])
        if position not in dropped:
            result.append(items[position])
            result.extend(inserts[position])
        start = position + 1
    result.extend(items[start:])
    for rest in after.values():
        result.extend(rest)
    return result


def _unique_indexes(items: list[Any], field_sets: set[tuple[str, ...]],
                    locator: Locator) -> dict[tuple[str, ...], dict[str, int]] | None:
    """Each key's position, when every key is one field of unique plain strings (the locator has
    them from the diff): the rebuild then needs no pass over the items' keys."""
    indexes = {}
    for fields in field_sets:
        index = locator.plain_index(items, fields[0]) if len(fields) == 1 else None
        if index is None:
            return None
        indexes[fields] = index
    return indexes


def _dropped(keys: dict[tuple[str, ...], list[tuple[str, ...] | None]], removed: set[_Key]) -> set[int]:
    """Positions of the items one of whose keys is removed."""
    dropped: set[int] = set()
    for fields, item_keys in keys.items():
        gone = {values for names, values in removed if names == fields}
        if gone:
            dropped.update(position for position, values in enumerate(item_keys) if values in gone)
    return dropped


def apply_ops(tree: Any, ops: Iterable[Op]) -> Any:
    """Apply operations to ``tree`` in place and return the (possibly new) root.

    Sets come first (they never shift positions); then adds and removes of keyed list items are
    done per list in one rebuild, and adds and removes of mapping keys directly.

    Raises:
        ApplyError: an operation's parent or item does not exist.
    """
    # Keyed items are found through a per-list index, not a scan per operation (O(ops + items)).
    return _apply(tree, ops, Locator())


def _apply(tree: Any, ops: Iterable[Op], locator: Locator) -> Any:
    by_list: defaultdict[Path, list[Op]] = defaultdict(list)
    for op in ops:
        if op.kind is OpKind.SET:
            tree = _set(tree, op, locator)
        elif op.path and isinstance(op.path[-1], Match):
            by_list[op.path[:-1]].append(op)
        else:
            _edit_mapping(tree, op, locator)
    for list_path, list_ops in by_list.items():
        items = locator.get_at(tree, list_path)
        if not isinstance(items, list):
            raise ApplyError(f"{format_path(list_path)} is not a list")
        items[:] = _rebuild_list(items, list_ops, locator)
        locator.forget(items)
    return tree


def _edit_mapping(tree: Any, op: Op, locator: Locator | None = None) -> None:
    if op.kind is OpKind.ADD:
        # A --path (or --target-path) that does not exist yet on the receiving side: make the
        # mappings leading to it, as a mkdir -p would; list items cannot be made up this way.
        _make_mappings(tree, op.path[:-1])
    parent = _parent(tree, op, locator)
    segment: Segment = op.path[-1]
    if not isinstance(segment, Field) or not isinstance(parent, dict):
        raise ApplyError(f"{op.kind.value} {format_path(op.path)}: not a mapping key")
    if op.kind is OpKind.ADD:
        parent[segment.name] = op.value
    else:
        parent.pop(segment.name, None)


def _make_mappings(tree: Any, path: Path) -> None:
    node = tree
    for segment in path:
        if not isinstance(node, dict) or not isinstance(segment, Field):
            return
        if segment.name not in node:
            node[segment.name] = {}
        node = node[segment.name]


def applied_copy(tree: Any, ops: Sequence[Op], locator: Locator | None = None) -> Any:
    """:func:`apply_ops` on a copy of ``tree``, which is left as it was; returns the new root.

    Only the containers an operation edits, and those above them, are copied; the rest is shared
    with ``tree``, so the cost follows the number of operations, not the size of the tree. Each
    path gets its own copies: a YAML alias (one object at two paths) edited at one path does not
    change at the other. Op values are copied too, so the result never shares them with the tree
    they came from. ``locator``: one that knows ``tree``'s lists (the plan's), whose knowledge
    then serves their copies.

    Raises:
        ApplyError: as :func:`apply_ops`.
    """
    ops = [replace(op, value=copy_json(op.value)) for op in ops]
    locator = locator if locator is not None else Locator()
    root = _copy(tree, locator)
    made = {id(root)}
    for op in ops:
        node = root
        for segment in op.path[:-1]:
            position = _position(node, segment, locator)
            if position is None:
                break
            child = node[position]
            if not isinstance(child, (dict, list)):
                break
            if id(child) not in made:
                child = _copy(child, locator)
                node[position] = child
                made.add(id(child))
            node = child
    return _apply(root, ops, locator)  # (the copies keep their items' keys: the indexes hold)


def _copy(node: Any, locator: Locator) -> Any:
    """A shallow copy of a container (anything else as it is), known to ``locator`` as its original is."""
    if isinstance(node, dict):
        return dict(node)
    if isinstance(node, list):
        copy = list(node)
        locator.copied(node, copy)
        return copy
    return node


def _position(node: Any, segment: Segment, locator: Locator) -> Any:
    """Where ``segment`` is in ``node`` (a key or an index), or ``None`` if it is not there."""
    if isinstance(segment, Field):
        return segment.name if isinstance(node, dict) and segment.name in node else None
    if not isinstance(node, list):
        return None
    if isinstance(segment, Index):
        return segment.index if -len(node) <= segment.index < len(node) else None
    return locator.find_item(node, segment)
