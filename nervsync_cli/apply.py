"""Applying operations to a tree in memory. Writing the result is ``files``' and the formats' job."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .errors import ApplyError
from .identity import key_of
from .locate import Locator
from .model import MISSING, Op, OpKind
from .paths import Field, Index, Match, Path, Segment, format_path
from .tree import find_item, get_at


def _match_key(segment: Match) -> tuple[tuple[str, ...], tuple[str, ...]]:
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


def _rebuild_list(items: list[Any], ops: list[Op]) -> list[Any]:
    """Remove and insert keyed items in one pass: a key index per list, no O(n) search per op."""
    removed: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    after: defaultdict[tuple[tuple[str, ...], tuple[str, ...]] | None, list[Any]] = defaultdict(list)
    for op in ops:
        segment = op.path[-1]
        assert isinstance(segment, Match)
        if op.kind is OpKind.REMOVE:
            removed.add(_match_key(segment))
        else:
            anchor = op.after[-1] if op.after else None
            after[_match_key(anchor) if isinstance(anchor, Match) else None].append(op.value)
    field_sets = {fields for fields, _ in removed} | {key[0] for key in after if key is not None}
    result: list[Any] = []
    for item in items:
        keys = [(fields, key_of(item, fields)) for fields in field_sets]
        if any(key in removed for key in keys):
            continue
        result.append(item)
        for key in keys:
            result.extend(after.pop(key, ()))  # type: ignore[arg-type]
    for rest in after.values():
        result.extend(rest)
    return result


def apply_ops(tree: Any, ops: Iterable[Op]) -> Any:
    """Apply operations to ``tree`` in place and return the (possibly new) root.

    Sets come first (they never shift positions); then adds and removes of keyed list items are
    done per list in one rebuild, and adds and removes of mapping keys directly.

    Raises:
        ApplyError: an operation's parent or item does not exist.
    """
    by_list: defaultdict[Path, list[Op]] = defaultdict(list)
    # Keyed items are found through a per-list index, not a scan per operation (O(ops + items)).
    locator = Locator()
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
        items[:] = _rebuild_list(items, list_ops)
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
