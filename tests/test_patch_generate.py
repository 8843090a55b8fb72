"""JSON Patch, merge patch and unified diff generation from a nervsync diff (library level).

The central property: for any two documents, the JSON Patch nervsync makes, applied to SOURCE by
the independent ``jsonpatch`` package, gives TARGET — list order included.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli.errors import ApplyError, UsageError
from nervsync_cli.identity import parse_key_option
from nervsync_cli.model import DiffOptions, Document
from nervsync_cli.patch.generate import json_patch_for, merge_patch_for, patch_documents
from nervsync_cli.patch.jsonpatch import apply_json_patch
from nervsync_cli.patch.mergepatch import apply_merge_patch
from nervsync_cli.patch.unified import normalized_text, style_for, unified_diff
from nervsync_cli.paths import parse_path, parse_pattern
from tests.jsonvalues import json_equal


def _doc(data: Any, name: str = "a", fmt: str = "json", multi: bool = False) -> Document:
    return Document(data, name, fmt, multi_document=multi)


def _patch(source: Any, target: Any, options: DiffOptions | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    return patch_documents(_doc(source, "source"), _doc(target, "target"), options, **kwargs).operations


def _round_trip(source: Any, target: Any, options: DiffOptions | None = None) -> list[dict[str, Any]]:
    pristine = copy.deepcopy((source, target))
    operations = _patch(source, target, options)
    assert json_equal(jsonpatch.apply_patch(source, operations), target), operations
    assert json_equal(apply_json_patch(source, operations), target), operations
    assert (source, target) == pristine  # inputs untouched
    return operations


# --- strategies ----------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, 1.0, -2.25]),
    st.sampled_from(["a", "b", "", "1", "true"]),
)
# Member names that need JSON Pointer escapes, and the auto-detected key fields.
NAMES = st.sampled_from(["a", "b", "id", "name", "x/y", "~t", ""])
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(NAMES, children, max_size=4),
    max_leaves=24,
)


@st.composite
def record_lists(draw: st.DrawFn) -> tuple[list[Any], list[Any]]:
    """Two lists of records keyed by ``id``: shared, removed, added, changed and reordered records."""

    def record(key: int) -> dict[str, Any]:
        item: dict[str, Any] = {"id": key, "v": draw(st.integers(0, 2))}
        if draw(st.booleans()):
            # Nested keyed list, so reorders and edits happen at two depths.
            names = draw(st.lists(st.sampled_from("pqrs"), unique=True, max_size=4))
            item["ports"] = [{"name": n, "port": draw(st.integers(0, 1))} for n in names]
        return item

    source_ids = draw(st.lists(st.integers(0, 12), unique=True, max_size=9))
    target_ids = draw(st.permutations(
        [key for key in source_ids if draw(st.booleans())] + draw(st.lists(st.integers(13, 20), unique=True,
                                                                           max_size=3))))
    return [record(key) for key in source_ids], [record(key) for key in target_ids]


# --- properties ------------------------------------------------------------------------------------------


@given(JSON, JSON)
def test_any_two_documents_round_trip(source: Any, target: Any) -> None:
    _round_trip(source, target)


@given(JSON)
def test_a_document_against_itself_needs_no_patch(value: Any) -> None:
    assert _patch(value, copy.deepcopy(value)) == []


@given(record_lists())
def test_keyed_records_round_trip_with_order(lists: tuple[list[Any], list[Any]]) -> None:
    source, target = lists
    _round_trip({"records": source}, {"records": target})


@given(record_lists())
def test_reordering_uses_fewest_moves_and_no_rewrites(lists: tuple[list[Any], list[Any]]) -> None:
    source, _ = lists
    target = list(reversed(source))
    operations = _round_trip(source, target)
    assert {op["op"] for op in operations} <= {"move"}
    assert len(operations) == max(len(source) - 1, 0)


@given(st.lists(SCALARS, max_size=8), st.lists(SCALARS, max_size=8))
def test_unkeyed_lists_by_position_beyond_the_lcs_limit(source: list[Any], target: list[Any]) -> None:
    _round_trip({"l": source}, {"l": target}, DiffOptions(lcs_limit=4))


@given(st.lists(st.integers(0, 4), max_size=8), st.lists(st.integers(0, 4), max_size=8))
def test_ignore_order_reaches_target_as_a_multiset(source: list[int], target: list[int]) -> None:
    operations = _patch({"l": source}, {"l": target}, DiffOptions(ignore_order=True))
    result = jsonpatch.apply_patch({"l": source}, operations)
    assert sorted(result["l"]) == sorted(target)


@given(st.lists(JSON, min_size=2, max_size=3), JSON)
@settings(max_examples=50)
def test_stream_against_single_document_applies_to_the_files_shapes(documents: list[Any], single: Any) -> None:
    stream, one = _doc(documents, "s.yaml", "yaml", multi=True), _doc(single, "o.yaml", "yaml")
    for source, target in ((stream, one), (one, stream)):
        operations = patch_documents(source, target).operations
        assert json_equal(jsonpatch.apply_patch(source.data, operations), target.data)


@given(JSON, JSON)
def test_merge_patch_reaches_the_same_document(source: Any, target: Any) -> None:
    pair = patch_documents(_doc(source, "source"), _doc(target, "target"))
    try:
        merge = merge_patch_for(source, pair.patched)
    except ApplyError:
        return  # an object member becomes null: a merge patch cannot say it (tested below)
    assert json_equal(apply_merge_patch(source, merge.patch), target)


# --- examples ----------------------------------------------------------------------------------------------


def test_operations_name_real_indices_in_application_order() -> None:
    source = {"records": [{"id": 1, "v": 1}, {"id": 2}, {"id": 3}]}
    target = {"records": [{"id": 3}, {"id": 1, "v": 2}, {"id": 4}]}
    assert _round_trip(source, target) == [
        {"op": "remove", "path": "/records/1"},
        {"op": "replace", "path": "/records/0/v", "value": 2},
        {"op": "move", "from": "/records/1", "path": "/records/0"},
        {"op": "add", "path": "/records/2", "value": {"id": 4}},
    ]


def test_one_record_moved_to_the_end_is_one_move() -> None:
    source = [{"name": n} for n in "abcdef"]
    target = [{"name": n} for n in "bcdefa"]
    assert _round_trip(source, target) == [{"op": "move", "from": "/0", "path": "/5"}]


def test_unkeyed_list_follows_the_lcs_alignment() -> None:
    assert _round_trip(["apple", "banana", "cherry", "date"], ["apple", "blueberry", "cranberry", "date"]) == [
        {"op": "replace", "path": "/1", "value": "blueberry"},
        {"op": "replace", "path": "/2", "value": "cranberry"},
    ]
    assert _round_trip([2, 3], [1, 2, 3]) == [{"op": "add", "path": "/0", "value": 1}]


def test_pointer_escapes_and_whole_value_replacements() -> None:
    assert _round_trip({"a/b": {"~x": 1}}, {"a/b": {"~x": 2}}) == [{"op": "replace", "path": "/a~1b/~0x", "value": 2}]
    assert _round_trip({"a": [1]}, {"a": {"b": 1}}) == [{"op": "replace", "path": "/a", "value": {"b": 1}}]
    assert _round_trip(True, 1) == [{"op": "replace", "path": "", "value": 1}]


def test_composite_and_path_keys_are_respected() -> None:
    source = {"items": [{"type": "fruit", "id": "apple", "c": "red"}, {"type": "veg", "id": "apple", "c": "g"}]}
    target = {"items": [{"type": "veg", "id": "apple", "c": "g"}, {"type": "fruit", "id": "apple", "c": "green"}]}
    options = DiffOptions(keys=(parse_key_option("items=type,id"),))
    assert _round_trip(source, target, options) == [
        {"op": "replace", "path": "/items/0/c", "value": "green"},
        {"op": "move", "from": "/items/1", "path": "/items/0"},
    ]


def test_ignored_paths_keep_source_values() -> None:
    source: Any = {"spec": {"replicas": 1, "image": "a"}, "status": {"ready": 0},
              "users": [{"name": "admin", "role": "x"}, {"name": "bob"}]}
    target = {"spec": {"replicas": 3, "image": "a"}, "status": {"ready": 3},
              "users": [{"name": "carol"}, {"name": "bob", "role": "dev"}]}
    options = DiffOptions(ignore=(parse_pattern("status"), parse_pattern("users[name=admin]")))
    # The ignored record stays; a new one goes after its nearest TARGET predecessor (none: first).
    result = apply_json_patch(source, _patch(source, target, options))
    assert result == {"spec": {"replicas": 3, "image": "a"}, "status": {"ready": 0},
                      "users": [{"name": "carol"}, {"name": "admin", "role": "x"}, {"name": "bob", "role": "dev"}]}


def test_precision_leaves_close_numbers_alone() -> None:
    operations = _patch({"t": 20.1, "p": 1013.25}, {"t": 20.15, "p": 1014.0}, DiffOptions(precision=1))
    assert operations == [{"op": "replace", "path": "/p", "value": 1014.0}]


def test_subtree_patch_touches_only_the_subtree() -> None:
    source = {"a": {"x": 1}, "b": [{"id": 1, "v": 1}, {"id": 2}]}
    target = {"a": {"x": 2}, "b": [{"id": 2}, {"id": 1, "v": 2}]}
    operations = _patch(source, target, path=parse_path("b[id=1]"))
    assert operations == [{"op": "replace", "path": "/b/0/v", "value": 2}]


def test_hidden_items_of_an_unkeyed_list_are_refused() -> None:
    options = DiffOptions(ignore=(parse_pattern("l[1]"),))
    with pytest.raises(UsageError, match="--ignore hides some items"):
        _patch({"l": [1, 2, 3]}, {"l": [1, 3]}, options)


def test_json_patch_for_uses_the_given_diff() -> None:
    from nervsync_cli.diff import diff_documents

    source, target = _doc({"a": 1, "b": 2}, "s"), _doc({"a": 2, "b": 3}, "t")
    diff = diff_documents(source, target)
    diff.changes = [change for change in diff.changes if change.path == parse_path("a")]
    assert json_patch_for(source, target, diff) == [{"op": "replace", "path": "/a", "value": 2}]


def test_merge_patch_of_lists_and_deletions() -> None:
    source: Any = {"tags": ["a", "b"], "spec": {"x": 1, "y": 2}}
    target = {"tags": ["a", "c"], "spec": {"x": 1}}
    pair = patch_documents(_doc(source), _doc(target, "b"))
    merge = merge_patch_for(source, pair.patched)
    assert merge.patch == {"tags": ["a", "c"], "spec": {"y": None}}
    assert merge.replaced_lists == ("/tags",)


def test_unified_diff_of_normalized_documents() -> None:
    text = unified_diff({"b": 1, "a": {"y": 1}}, {"a": {"y": 2}, "b": 1}, "a.yaml", "b.yaml", "yaml")
    assert text.splitlines() == ["--- a.yaml", "+++ b.yaml", "@@ -1,3 +1,3 @@", " a:", "-  y: 1", "+  y: 2", " b: 1"]
    assert unified_diff({"a": 1}, {"a": 1.0}, "a", "b", "json") != ""  # text, not values: 1 vs 1.0 shows
    assert normalized_text([{"k": 1}, {"k": 2}], "yaml", stream=True) == "---\nk: 1\n---\nk: 2\n"
    assert json.loads(normalized_text({"z": 1, "a": [1]})) == {"a": [1], "z": 1}
    assert style_for(["json", "json"]) == "json"
    assert style_for(["json", "csv"]) == "yaml"
