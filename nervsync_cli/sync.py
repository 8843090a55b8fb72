"""Syncing in memory: plan, resolve, apply, and emit events. Writing files is :mod:`.write`'s job."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .apply import applied_copy
from .errors import RefusedError
from .events import EventRecorder
from .fieldmap import FieldMap
from .locate import Locator
from .matching import matched_pairs
from .model import MISSING, Conflict, Document, Op, OpKind, Side, SyncDirection, SyncOptions
from .paths import Path, format_path
from .plan import SyncPlan, plan_sync, plan_three_way
from .resolve import ConflictResolver, LastUpdateWins, strategy_resolver
from .tree import get_at

_ITEM_EVENT = {OpKind.ADD: "item.created", OpKind.SET: "item.updated", OpKind.REMOVE: "item.deleted"}


@dataclass
class SyncOutcome:
    """A planned (and, unless conflicts remain, applied) sync in memory.

    ``source`` and ``target`` hold the new trees; they equal the inputs when nothing was applied.
    """

    plan: SyncPlan
    source: Document
    target: Document
    applied: bool


def _records_lookup(source: Document, target: Any, options: SyncOptions) -> Any:
    """For a path in SOURCE's terms, the values at it on both sides (TARGET's root may differ).

    Paths above SOURCE's root (the record enclosing a ``--path`` inside it) map to TARGET's root
    shortened by as many segments.
    """
    source_root, target_root = options.roots

    def records(record: Path) -> tuple[Any, Any]:
        if len(record) >= len(source_root):
            target_path: Path = (*target_root, *record[len(source_root):])
        else:
            above = len(source_root) - len(record)
            if above > len(target_root):
                return get_at(source.data, record), MISSING
            target_path = target_root[:len(target_root) - above]
        return get_at(source.data, record), get_at(target, target_path)

    return records


def sync_documents(
    source: Document,
    target: Document,
    options: SyncOptions,
    *,
    custom_resolver: ConflictResolver | None = None,
    resolutions: dict[str, dict[str, Any]] | None = None,
    mtimes: tuple[float | None, float | None] = (None, None),
    field_map: FieldMap | None = None,
    events: EventRecorder | None = None,
    apply: bool = True,
    base: Any = MISSING,
) -> SyncOutcome:
    """Plan the sync of two documents and, when every conflict is decided, apply it.

    With a ``base`` (the reconciled state of the previous sync, in SOURCE's field names) a
    bidirectional sync is a three-way merge: only true conflicts reach the strategy.

    Conflicts are decided by ``resolutions`` (an edited ``--conflicts-out`` file) first, then by
    ``options.strategy``; ``custom_resolver`` serves ``MANUAL``; ``mtimes`` are the fallback of
    last-update-wins. The input documents are not modified. ``apply=False`` plans only.

    Raises:
        RefusedError: the plan deletes more than ``options.max_deletes`` items.
        InputError, DuplicateKeyError: from comparing (keys).
    """
    events = events or EventRecorder()
    events.publish("sync.started", source=source.name, target=target.name,
                   direction=options.direction.value, strategy=options.strategy.value)
    view = replace(target, data=field_map.target_as_source(target.data)) if field_map else target
    last_update = LastUpdateWins(_records_lookup(source, view.data, options), options.timestamp_field, mtimes)
    resolver = strategy_resolver(options.strategy, last_update=last_update, custom=custom_resolver,
                                 resolutions=resolutions, path_strategies=options.path_strategies)
    # The lists' keys, found by the diff, serve the planner and the apply too.
    locator = Locator()
    if base is not MISSING and options.direction is SyncDirection.BIDIRECTIONAL:
        plan = plan_three_way(source, view, base, options, resolver)
    else:
        plan = plan_sync(source, view, options, resolver, locator=locator)
    if field_map:
        plan.target_ops[:] = [field_map.op_to_target(op) for op in plan.target_ops]
    if options.match:
        source_root, target_root = options.roots
        plan.matched = matched_pairs(get_at(source.data, source_root), get_at(view.data, target_root),
                                     options.match)
    refused = options.max_deletes is not None and plan.deletes > options.max_deletes
    applying = apply and not refused and not plan.unresolved
    _publish_plan(events, plan, applying)
    if refused:
        events.publish("sync.failed", reason="max-deletes", deletes=plan.deletes)
        raise RefusedError(
            f"the sync would delete {plan.deletes} items, more than --max-deletes {options.max_deletes}; "
            "nothing was written"
        )
    if not applying:
        return SyncOutcome(plan, source, target, applied=False)
    new_source = _applied(source, plan.source_ops, locator)
    new_target = _applied(target, plan.target_ops, locator)
    return SyncOutcome(plan, new_source, new_target, applied=True)


def _applied(document: Document, ops: list[Op], locator: Locator) -> Document:
    if not ops:
        return document
    # Only the changed paths are copied: the new tree shares its untouched records with the input,
    # which the format-preserving writers use to skip them (see write.render).
    return document.with_data(applied_copy(document.data, ops, locator))


def _publish_plan(events: EventRecorder, plan: SyncPlan, applying: bool) -> None:
    """Publish conflict and item events, one per entry of the report.

    ``applied`` on item events tells a plan (dry run, refused, or blocked by conflicts) from changes
    actually made, so an audit log never mistakes one for the other.
    """
    for conflict in plan.conflicts:
        events.publish("conflict.detected", path=format_path(conflict.path))
        if conflict.resolved:
            events.publish("conflict.resolved", path=format_path(conflict.path),
                           resolution=conflict.resolution, reason=conflict.reason)
    for side in Side:
        for op in plan.ops(side):
            events.publish(_ITEM_EVENT[op.kind], side=side.value, path=format_path(op.path), applied=applying)


def finish_events(events: EventRecorder, outcome: SyncOutcome, written: list[str]) -> None:
    """Close the run's events: completed, or failed with the unresolved conflicts."""
    unresolved = outcome.plan.unresolved
    if unresolved:
        events.publish("sync.failed", reason="unresolved conflicts", conflicts=len(unresolved))
    else:
        events.publish("sync.completed", applied=outcome.applied, written=written,
                       source_ops=len(outcome.plan.source_ops), target_ops=len(outcome.plan.target_ops))


def conflict_dicts(conflicts: list[Conflict]) -> list[dict[str, Any]]:
    """Conflicts in their JSON form."""
    return [conflict.to_dict() for conflict in conflicts]
