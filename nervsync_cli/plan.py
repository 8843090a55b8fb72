"""Planning a sync: from a diff to the operations each side receives, and the conflicts.

A difference is handled as a *unit*: the changed path, except that anything inside a list without
identity is handled as that whole list (its items have no names to address them by). Each unit
is present on one side only, or on both with different values:

=====================  ==================  ==================  ==============================
unit                   source-to-target    target-to-source    bidirectional (no base)
=====================  ==================  ==================  ==============================
only in SOURCE         add to TARGET       remove from SOURCE  add to TARGET
only in TARGET         remove from TARGET  add to SOURCE       add to SOURCE
differs                set TARGET          set SOURCE          conflict, decided by strategy
=====================  ==================  ==================  ==============================

Without a common base a bidirectional sync cannot tell a deletion from a creation, so it never
deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .diff import diff_documents
from .locate import Locator
from .matching import MatchedPair
from .model import (
    MISSING,
    Conflict,
    Diff,
    Document,
    Op,
    OpKind,
    Side,
    SyncDirection,
    SyncOptions,
)
from .paths import Index, Match, Path
from .tree import get_at

Resolver = Callable[[list[Conflict]], None]
"""Decides conflicts in place: sets ``resolution`` (and ``value``) and ``reason``, or leaves them."""


@dataclass
class SyncPlan:
    """What a sync will do: operations per side and every conflict with its decision."""

    source_ops: list[Op] = field(default_factory=list)
    target_ops: list[Op] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    matched: list[MatchedPair] = field(default_factory=list)

    @property
    def unresolved(self) -> list[Conflict]:
        """Conflicts no strategy, resolver or resolutions file decided."""
        return [conflict for conflict in self.conflicts if not conflict.resolved]

    def ops(self, side: Side) -> list[Op]:
        """The operations for one side."""
        return self.source_ops if side is Side.SOURCE else self.target_ops

    @property
    def deletes(self) -> int:
        """How many items or keys the plan removes, on both sides."""
        return sum(op.kind is OpKind.REMOVE for op in (*self.source_ops, *self.target_ops))


def unit_of(path: Path) -> Path:
    """The addressable unit a change belongs to: the path, cut before its first positional index."""
    for i, segment in enumerate(path):
        if isinstance(segment, Index):
            return path[:i]
    return path


@dataclass(frozen=True)
class _Unit:
    path: Path
    source: Any
    target: Any


def _units(diff: Diff, source: Any, target: Any, roots: tuple[Path, Path], locator: Locator) -> list[_Unit]:
    """Differences as units, values taken relative to each side's root (found with ``locator``)."""
    seen: set[Path] = set()
    units: list[_Unit] = []
    base = len(roots[0])
    for change in diff.changes:
        path = unit_of(change.path[base:])
        if path in seen:
            continue
        seen.add(path)
        units.append(_Unit(path, locator.get_at(source, path), locator.get_at(target, path)))
    return units


class _Anchors:
    """Finds, for an item new to one side, the neighbour it should follow there."""

    def __init__(self, origin: Any, dest: Any, locator: Locator) -> None:
        self.origin = origin
        self.dest = dest
        self.locator = locator
        self.dest_keys: dict[tuple[Path, tuple[str, ...]], set[tuple[str, ...] | None]] = {}
        self.origin_keys: dict[tuple[Path, tuple[str, ...]], list[tuple[str, ...] | None]] = {}
        self.origin_positions: dict[tuple[Path, tuple[str, ...]], dict[tuple[str, ...] | None, int]] = {}

    def after(self, path: Path) -> Path | None:
        # The empty path is the synced root itself (missing on one side): it has no siblings.
        if not path:
            return None
        segment = path[-1]
        if not isinstance(segment, Match):
            return None
        parent = path[:-1]
        fields = tuple(name for name, _ in segment.fields)
        origin_items = self.locator.get_at(self.origin, parent)
        dest_items = self.locator.get_at(self.dest, parent)
        if not isinstance(origin_items, list) or not isinstance(dest_items, list):
            return None
        if len(fields) == 1:
            plain = self._plain(origin_items, dest_items, fields[0])
            if plain is not None:
                return _after_plain(parent, fields[0], segment.fields[0][1], *plain)
        cache_key = (parent, fields)
        if cache_key not in self.dest_keys:
            self.dest_keys[cache_key] = set(self.locator.keys(dest_items, fields))
            origin_keys = self.locator.keys(origin_items, fields)
            self.origin_keys[cache_key] = origin_keys
            self.origin_positions[cache_key] = dict(zip(origin_keys, range(len(origin_keys))))
        origin_keys = self.origin_keys[cache_key]
        position = self.origin_positions[cache_key].get(tuple(value for _, value in segment.fields))
        present = self.dest_keys[cache_key]
        for previous in range(position - 1 if position is not None else -1, -1, -1):
            key = origin_keys[previous]
            if key in present and key is not None:
                return (*parent, Match(tuple(zip(fields, key))))
        return None

    def _plain(self, origin_items: list[Any], dest_items: list[Any],
               field: str) -> tuple[list[str], dict[str, int], dict[str, int]] | None:
        """A one-field key of unique plain strings on both sides: the origin's keys and both sides'
        indexes, which the diff already had the locator build (no new pass over either list)."""
        positions = self.locator.plain_index(origin_items, field)
        present = self.locator.plain_index(dest_items, field)
        keys = self.locator.plain_keys(origin_items, field)
        if positions is None or present is None or keys is None:
            return None
        return keys, positions, present


def _after_plain(parent: Path, field: str, value: str, keys: list[str], positions: dict[str, int],
                 present: dict[str, int]) -> Path | None:
    """:meth:`_Anchors.after` for a one-field key of plain strings (see :meth:`_Anchors._plain`)."""
    position = positions.get(value)
    for previous in range(position - 1 if position is not None else -1, -1, -1):
        if keys[previous] in present:
            return (*parent, Match(((field, keys[previous]),)))
    return None


def _rooted(root: Path, path: Path) -> Path:
    return (*root, *path)


class _Planner:
    def __init__(self, source: Any, target: Any, options: SyncOptions, locator: Locator) -> None:
        self.source = source
        self.target = target
        self.options = options
        self.roots = options.roots
        self.plan = SyncPlan()
        # One index per keyed list, shared by every lookup: a scan of the list per change made big
        # syncs quadratic.
        self.locator = locator
        self.anchors = {Side.SOURCE: _Anchors(target, source, locator),
                        Side.TARGET: _Anchors(source, target, locator)}

    def copy(self, unit: _Unit, to: Side) -> None:
        """Make ``to`` hold the other side's value of the unit (add, set or remove)."""
        value = unit.source if to is Side.TARGET else unit.target
        current = unit.target if to is Side.TARGET else unit.source
        root = self.roots[1] if to is Side.TARGET else self.roots[0]
        path = _rooted(root, unit.path)
        if value is MISSING:
            if self.options.no_delete:
                return
            op = Op(OpKind.REMOVE, path, old=current)
        elif current is MISSING:
            if self.options.no_create:
                return
            after = self.anchors[to].after(unit.path)
            op = Op(OpKind.ADD, path, value=value, after=_rooted(root, after) if after else None)
        else:
            op = Op(OpKind.SET, path, value=value, old=current)
        self.plan.ops(to).append(op)

    def unit(self, unit: _Unit) -> None:
        direction = self.options.direction
        if direction is SyncDirection.SOURCE_TO_TARGET:
            self.copy(unit, Side.TARGET)
        elif direction is SyncDirection.TARGET_TO_SOURCE:
            self.copy(unit, Side.SOURCE)
        elif unit.target is MISSING:
            self.copy(unit, Side.TARGET)
        elif unit.source is MISSING:
            self.copy(unit, Side.SOURCE)
        else:
            self.plan.conflicts.append(Conflict(_rooted(self.roots[0], unit.path), unit.source, unit.target))

    def settle(self) -> None:
        """Turn resolved conflicts into operations on the side(s) that lose."""
        for conflict in self.plan.conflicts:
            if not conflict.resolved:
                continue
            relative = conflict.path[len(self.roots[0]):]
            chosen = conflict.chosen()
            if not _same_value(chosen, conflict.target):
                self.copy(_Unit(relative, chosen, conflict.target), Side.TARGET)
            if not _same_value(chosen, conflict.source):
                self.copy(_Unit(relative, conflict.source, chosen), Side.SOURCE)


def _same_value(a: Any, b: Any) -> bool:
    from .values import equal

    return equal(a, b)


def plan_sync(source: Document, target: Document, options: SyncOptions, resolver: Resolver | None = None, *,
              locator: Locator | None = None) -> SyncPlan:
    """Plan a sync of ``source`` and ``target``; conflicts go to ``resolver`` before settling.

    ``locator`` keeps the keys and indexes of both trees' lists, from the diff on, for a caller
    that applies the plan with it (:func:`..apply.applied_copy`).

    Raises:
        InputError, DuplicateKeyError: from the diff (keys).
    """
    source_root, target_root = options.roots
    locator = locator if locator is not None else Locator()
    diff = diff_documents(source, target, options.diff, source_root, target_root, locator=locator)
    s_tree = get_at(source.data, source_root)
    t_tree = get_at(target.data, target_root)
    planner = _Planner(s_tree if s_tree is not MISSING else None, t_tree if t_tree is not MISSING else None, options,
                       locator)
    planner.plan.warnings.extend(diff.warnings)
    for unit in _units(diff, s_tree, t_tree, (source_root, target_root), locator):
        planner.unit(unit)
    if planner.plan.conflicts and resolver is not None:
        resolver(planner.plan.conflicts)
    planner.settle()
    return planner.plan


def _rooted_op(root: Path, op: Op) -> Op:
    from dataclasses import replace

    return replace(op, path=(*root, *op.path), after=(*root, *op.after) if op.after else None)


def _ops_to_reach(current: Any, merged: Any, options: SyncOptions, root: Path) -> list[Op]:
    """The operations that turn ``current`` (a side's subtree) into ``merged``."""
    one_way = SyncOptions(diff=options.diff, direction=SyncDirection.SOURCE_TO_TARGET)
    plan = plan_sync(Document(merged, "merged", "json"), Document(current, "side", "json"), one_way)
    return [_rooted_op(root, op) for op in plan.target_ops]


def plan_three_way(source: Document, target: Document, base: Any, options: SyncOptions,
                   resolver: Resolver | None = None) -> SyncPlan:
    """Plan a bidirectional sync against the common ``base`` of the two sides' subtrees.

    One-sided changes (deletions too) go to the other side, identical changes are no conflict,
    and only fields changed differently on both sides reach the strategy (:mod:`.threeway`).

    Raises:
        InputError, DuplicateKeyError: from keys on any side.
    """
    from .threeway import merge_trees

    source_root, target_root = options.roots
    s_tree = get_at(source.data, source_root)
    t_tree = get_at(target.data, target_root)
    decide = (lambda conflict: resolver([conflict])) if resolver is not None else None
    result = merge_trees(base, s_tree, t_tree, options.diff, decide=decide,
                         names=("base", source.name, target.name), path=source_root)
    plan = SyncPlan(conflicts=result.conflicts)
    if result.unresolved or result.merged is MISSING:
        return plan
    plan.source_ops = _ops_to_reach(s_tree, result.merged, options, source_root)
    plan.target_ops = _ops_to_reach(t_tree, result.merged, options, target_root)
    return plan
