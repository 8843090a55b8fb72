"""Three-way merge of plain JSON lists with RGA semantics."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli.merge.sequence import SequenceConflict, merge_sequences


def test_edits_at_different_places_all_apply() -> None:
    result = merge_sequences(["build", "test", "lint"], ["build", "test --fast", "lint"], ["build", "test", "docs"])
    assert result.items == ["build", "test --fast", "docs"]
    assert result.clean


def test_deletes_win_over_untouched_elements() -> None:
    result = merge_sequences(["a", "b", "c"], ["a", "c"], ["a", "b", "c", "d"])
    assert result.items == ["a", "c", "d"]
    assert result.clean


def test_concurrent_inserts_at_one_place_keep_both_in_content_order() -> None:
    forward = merge_sequences(["a", "b"], ["a", "x", "b"], ["a", "y", "b"])
    backward = merge_sequences(["a", "b"], ["a", "y", "b"], ["a", "x", "b"])
    assert forward.items == backward.items == ["a", "y", "x", "b"]
    assert forward.clean


def test_inserted_runs_stay_whole() -> None:
    result = merge_sequences([], ["x1", "x2", "x3"], ["y1", "y2"])
    assert result.items in (["x1", "x2", "x3", "y1", "y2"], ["y1", "y2", "x1", "x2", "x3"])


def test_identical_concurrent_inserts_are_kept_once() -> None:
    result = merge_sequences(["a"], ["a", {"k": 1, "j": [2]}], ["a", {"j": [2], "k": 1}])
    assert result.items == ["a", {"k": 1, "j": [2]}]
    assert result.clean


def test_json_values_of_different_types_are_different_elements() -> None:
    result = merge_sequences([1, 1.0, True, None], [1, True, None], [1.0, True, None, "1"])
    assert result.items == [True, None, "1"]


def test_delete_against_change_is_a_conflict() -> None:
    result = merge_sequences(["a", "b", "c"], ["a", "c"], ["a", "B", "c"])
    assert result.items == ["a", "B", "c"]
    assert result.conflicts == [SequenceConflict(index=1, base_index=1, base=["b"], ours=[], theirs=["B"])]


def test_two_different_changes_of_one_element_conflict() -> None:
    result = merge_sequences(["a", "b", "c"], ["a", "X", "c"], ["a", "Y", "c"])
    assert result.items == ["a", "Y", "X", "c"]
    assert result.conflicts == [SequenceConflict(index=1, base_index=1, base=["b"], ours=["X"], theirs=["Y"])]


def test_a_conflict_covers_consecutive_elements() -> None:
    result = merge_sequences([0, 1, 2, 3, 4], [0, 4], [0, 10, 20, 3, 4])
    assert result.items == [0, 10, 20, 4]
    assert result.conflicts == [SequenceConflict(index=1, base_index=1, base=[1, 2], ours=[], theirs=[10, 20])]


def test_identical_changes_do_not_conflict() -> None:
    result = merge_sequences(["a", "b"], ["a", "B"], ["a", "B"])
    assert result.items == ["a", "B"]
    assert result.clean


# -- properties -------------------------------------------------------------------------------

VALUES = st.one_of(
    st.sampled_from(["a", "b", "c", 1, 1.0, True, None]),
    st.dictionaries(st.sampled_from(["k", "j"]), st.sampled_from([0, "v"]), max_size=2),
)


@st.composite
def edited(draw: st.DrawFn, items: list[Any]) -> list[Any]:
    """``items`` with some elements kept, dropped, replaced or preceded by new ones."""
    out: list[Any] = []
    for item in items:
        action = draw(st.sampled_from(["keep", "keep", "drop", "replace", "insert"]))
        if action == "insert":
            out.append(draw(VALUES))
        if action in ("keep", "insert"):
            out.append(item)
        elif action == "replace":
            out.append(draw(VALUES))
    if draw(st.booleans()):
        out += draw(st.lists(VALUES, max_size=2))
    return out


@st.composite
def versions(draw: st.DrawFn) -> tuple[list[Any], list[Any], list[Any]]:
    base = draw(st.lists(VALUES, max_size=8))
    return base, draw(edited(base)), draw(edited(base))


@settings(max_examples=300)
@given(versions())
def test_merge_is_symmetric(lists: tuple[list[Any], list[Any], list[Any]]) -> None:
    base, ours, theirs = lists
    forward = merge_sequences(base, ours, theirs)
    backward = merge_sequences(base, theirs, ours)
    assert forward.items == backward.items
    assert len(forward.conflicts) == len(backward.conflicts)
    assert [(c.index, c.base_index, c.base, c.ours, c.theirs) for c in forward.conflicts] == [
        (c.index, c.base_index, c.base, c.theirs, c.ours) for c in backward.conflicts
    ]


@settings(max_examples=300)
@given(versions())
def test_one_sided_or_identical_changes_merge_to_that_version(lists: tuple[list[Any], list[Any], list[Any]]) -> None:
    base, changed, _ = lists
    for ours, theirs in ((base, changed), (changed, base), (changed, changed)):
        result = merge_sequences(base, ours, theirs)
        assert result.items == changed
        assert result.clean


@settings(max_examples=300)
@given(versions())
def test_conflicts_point_at_their_place_in_the_result(lists: tuple[list[Any], list[Any], list[Any]]) -> None:
    result = merge_sequences(*lists)
    for conflict in result.conflicts:
        assert conflict.base == lists[0][conflict.base_index : conflict.base_index + len(conflict.base)]
        # Some side replaced the first conflicting element; that replacement starts the conflict.
        assert result.items[conflict.index] in conflict.ours + conflict.theirs
