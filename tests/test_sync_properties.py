"""Properties of sync over generated documents: after every successful sync the two sides agree.

Everything here runs in memory through the library (``sync_documents`` and ``diff_documents`` on
``Document`` objects); the CLI and the file writers have their own tests.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nervsync_cli.diff import diff_documents
from nervsync_cli.model import Conflict as ConflictRecord
from nervsync_cli.model import (
    ConflictStrategy,
    Document,
    OpKind,
    Side,
    SyncDirection,
    SyncOptions,
)
from nervsync_cli.paths import Field, Path
from nervsync_cli.sync import SyncOutcome, sync_documents
from nervsync_cli.tree import get_at
from nervsync_cli.values import equal

# Small pools make the two sides share ids and field names often, so generated pairs exercise
# changed fields, records on one side only and conflicts, not just two unrelated documents.
_IDS = ["r1", "r2", "r3", "r4"]
_NAMES = ["a", "b", "c", "d"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["x", "y", "z", ""]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
unkeyed_lists = st.lists(scalars, max_size=3)
values = st.recursive(
    scalars | unkeyed_lists,
    lambda children: st.dictionaries(st.sampled_from(_NAMES), children, max_size=3),
    max_leaves=6,
)
records = st.builds(
    lambda key, body: {"id": key, **body},
    st.sampled_from(_IDS),
    st.dictionaries(st.sampled_from(_NAMES), values, max_size=3),
)
# Mostly unique ids (keyed lists); sometimes duplicates, which leave the list without identity.
record_lists = st.one_of(
    st.lists(records, max_size=4, unique_by=lambda record: str(record["id"])),
    st.lists(records, max_size=3),
)
mapping_documents = st.fixed_dictionaries(
    {},
    optional={
        "records": record_lists,
        "meta": st.dictionaries(st.sampled_from(_NAMES), values, max_size=3),
        "title": scalars,
        "tags": unkeyed_lists,
    },
)
# Any JSON value can be a whole document, including a bare scalar or list at the root.
documents = st.one_of(mapping_documents, values)

directions = st.sampled_from(list(SyncDirection))
strategies = st.sampled_from(list(ConflictStrategy))


class _PickSourceOrCombine:
    """A MANUAL resolver: keeps strings' source side, combines everything else into a new value."""

    def resolve(self, conflict: ConflictRecord) -> Any:
        if isinstance(conflict.source, str):
            return conflict.source
        return {"source": conflict.source, "target": conflict.target}


def _doc(data: Any, name: str) -> Document:
    return Document(data, name, "json")


def _sync(source: Any, target: Any, options: SyncOptions, **kwargs: Any) -> SyncOutcome:
    return sync_documents(_doc(source, "source"), _doc(target, "target"), options, **kwargs)


# 75 examples per property keep the suite quick; a 3,000-example run found nothing these miss.
_PROFILE = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROFILE
@given(documents, documents, directions, strategies)
def test_after_a_successful_sync_the_two_sides_have_no_differences(
    source: Any, target: Any, direction: SyncDirection, strategy: ConflictStrategy
) -> None:
    before = (copy.deepcopy(source), copy.deepcopy(target))
    # Distinct mtimes so last-update-wins can decide; MANUAL gets a resolver that always decides.
    outcome = _sync(source, target, SyncOptions(direction=direction, strategy=strategy),
                    mtimes=(200.0, 100.0), custom_resolver=_PickSourceOrCombine())
    # Merge has no base here, so a field differing on both sides stays unresolved; all else decides.
    if strategy is ConflictStrategy.MERGE:
        assert outcome.applied == (not outcome.plan.conflicts)
    else:
        assert outcome.applied
    if outcome.applied:
        assert not diff_documents(outcome.source, outcome.target).changes
    # The inputs are never modified in place: the results are new trees.
    assert (source, target) == before


@_PROFILE
@given(documents, documents, directions)
def test_one_way_syncs_leave_the_giving_side_untouched(
    source: Any, target: Any, direction: SyncDirection
) -> None:
    outcome = _sync(source, target, SyncOptions(direction=direction))
    if direction is SyncDirection.SOURCE_TO_TARGET:
        assert not outcome.plan.source_ops
        assert outcome.source.data is source
        # Keyed lists are compared by identity, not position: "equal" is what diff says.
        assert not diff_documents(_doc(source, "source"), outcome.target).changes
    elif direction is SyncDirection.TARGET_TO_SOURCE:
        assert not outcome.plan.target_ops
        assert outcome.target.data is target
        assert not diff_documents(outcome.source, _doc(target, "target")).changes
    else:
        # Without a base a bidirectional sync cannot tell a deletion from a creation.
        assert outcome.plan.deletes == 0


@_PROFILE
@given(documents, documents)
def test_bidirectional_without_base_keeps_every_record_of_either_side(source: Any, target: Any) -> None:
    outcome = _sync(source, target, SyncOptions(strategy=ConflictStrategy.SOURCE_WINS))
    assert outcome.applied
    assert all(op.kind is not OpKind.REMOVE for side in Side for op in outcome.plan.ops(side))
    for original, synced in ((source, outcome.source.data), (target, outcome.target.data)):
        if isinstance(original, dict) and isinstance(synced, dict):
            assert set(original) <= set(synced)


@_PROFILE
@given(documents, documents)
def test_merge_without_base_applies_nothing_while_a_field_differs_on_both_sides(source: Any, target: Any) -> None:
    outcome = _sync(source, target, SyncOptions())
    assert all(not conflict.resolved for conflict in outcome.plan.conflicts)
    if outcome.plan.conflicts:
        assert not outcome.applied
        assert outcome.source.data is source
        assert outcome.target.data is target
    else:
        assert not diff_documents(outcome.source, outcome.target).changes


@_PROFILE
@given(documents, documents)
def test_equal_mtimes_are_a_tie_for_last_update_wins(source: Any, target: Any) -> None:
    outcome = _sync(source, target, SyncOptions(strategy=ConflictStrategy.LAST_UPDATE_WINS), mtimes=(50.0, 50.0))
    for conflict in outcome.plan.conflicts:
        # The generated records carry no timestamp field, so the files' times decide: a tie.
        assert not conflict.resolved
        assert "tie" in conflict.reason
    assert outcome.applied == (not outcome.plan.conflicts)


@_PROFILE
@given(documents, documents)
def test_a_resolver_value_ends_up_on_both_sides(source: Any, target: Any) -> None:
    outcome = _sync(source, target, SyncOptions(strategy=ConflictStrategy.MANUAL),
                    custom_resolver=_PickSourceOrCombine())
    assert outcome.applied
    for conflict in outcome.plan.conflicts:
        assert conflict.resolved
        assert equal(get_at(outcome.source.data, conflict.path), conflict.chosen())
        assert equal(get_at(outcome.target.data, conflict.path), conflict.chosen())


@_PROFILE
@given(documents, documents)
def test_manual_without_a_resolver_decides_nothing(source: Any, target: Any) -> None:
    outcome = _sync(source, target, SyncOptions(strategy=ConflictStrategy.MANUAL))
    assert outcome.plan.unresolved == outcome.plan.conflicts


def _without(data: Any, path: Path) -> Any:
    """``data`` with the subtree at a field path cut out, to compare everything outside it.

    A parent left empty is cut too: syncing ``meta.a`` into a side without ``meta`` has to create
    ``meta``, which is the subtree's own doing, not a change outside it.
    """
    if not path or not isinstance(data, dict):
        return data
    head = path[0]
    assert isinstance(head, Field)
    out = dict(data)
    if len(path) == 1:
        out.pop(head.name, None)
    elif head.name in out:
        out[head.name] = _without(out[head.name], path[1:])
        if out[head.name] == {}:
            del out[head.name]
    return out


@_PROFILE
@given(mapping_documents, mapping_documents, directions, st.sampled_from([(Field("meta"),), (Field("records"),),
                                                          (Field("meta"), Field("a"))]))
def test_a_path_sync_changes_nothing_outside_the_subtree(
    source: Any, target: Any, direction: SyncDirection, scope: Path
) -> None:
    outcome = _sync(source, target, SyncOptions(direction=direction, strategy=ConflictStrategy.TARGET_WINS,
                                                path=scope))
    assert outcome.applied
    assert equal(_without(outcome.source.data, scope), _without(source, scope))
    assert equal(_without(outcome.target.data, scope), _without(target, scope))
    assert not diff_documents(outcome.source, outcome.target, path=scope).changes


@_PROFILE
@given(documents, documents, directions, strategies)
def test_events_account_for_every_planned_change_and_conflict(
    source: Any, target: Any, direction: SyncDirection, strategy: ConflictStrategy
) -> None:
    from nervsync_cli.events import EventRecorder

    recorder = EventRecorder()
    outcome = _sync(source, target, SyncOptions(direction=direction, strategy=strategy), events=recorder,
                    mtimes=(1.0, 2.0))
    kinds = [event["event"] for event in recorder.events]
    assert kinds[0] == "sync.started"
    assert kinds.count("conflict.detected") == len(outcome.plan.conflicts)
    assert kinds.count("conflict.resolved") == sum(c.resolved for c in outcome.plan.conflicts)
    items = [(e["side"], e["path"], e["applied"]) for e in recorder.events if e["event"].startswith("item.")]
    expected = [(side.value, op.to_dict()["path"], outcome.applied) for side in Side for op in outcome.plan.ops(side)]
    assert items == expected
    assert {event["run_id"] for event in recorder.events} == {recorder.run_id}
