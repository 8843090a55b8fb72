"""RFC 6902 JSON Patch and RFC 6901 JSON Pointer: conformance suite, behaviour, and properties."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervsync_cli.errors import ApplyError
from nervsync_cli.patch.jsonpatch import apply_json_patch, detect_patch_kind, json_equal
from nervsync_cli.patch.pointer import (
    format_pointer,
    parse_pointer,
    pointer_for,
    resolve_pointer,
)

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "json-patch-tests"
# Non-disabled records at the pinned commit (SOURCE.md): tests.json 95 - 3, spec_tests.json 17 - 1.
EXPECTED_COUNTS = {"tests.json": 92, "spec_tests.json": 16}


def _load(name: str) -> list[Any]:
    path = SUITE / name
    if not path.is_file():
        return []
    records = json.loads(path.read_text(encoding="utf-8"))
    return [
        pytest.param(record, id=f"{path.stem}-{index:03d}-{_slug(record.get('comment', ''))}")
        for index, record in enumerate(records)
        if not record.get("disabled") and "doc" in record
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48]


SUITE_CASES = {name: _load(name) for name in EXPECTED_COUNTS}


def _same_json(left: Any, right: Any) -> bool:
    # Canonical text, independent of json_equal: strict on types (true vs 1), blind to member order.
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


@pytest.mark.parametrize("name", EXPECTED_COUNTS)
def test_conformance_suite_is_complete(name: str) -> None:
    if not (SUITE / name).is_file():
        pytest.skip(f"conformance data absent: {SUITE / name}")
    assert len(SUITE_CASES[name]) == EXPECTED_COUNTS[name]


@pytest.mark.parametrize("record", [case for cases in SUITE_CASES.values() for case in cases])
def test_conformance(record: dict[str, Any]) -> None:
    doc, patch = record["doc"], record["patch"]
    pristine = copy.deepcopy((doc, patch))
    if "error" in record:
        # Every error record fails on its last operation.
        with pytest.raises(ApplyError, match=rf"^operation {len(patch) - 1}\b"):
            apply_json_patch(doc, patch)
    else:
        result = apply_json_patch(doc, patch)
        assert _same_json(result, record.get("expected", doc))
    assert (doc, patch) == pristine


# --- messages and validation ---------------------------------------------------------------


def _error(doc: Any, patch: list[dict[str, Any]]) -> str:
    with pytest.raises(ApplyError) as caught:
        apply_json_patch(doc, patch)
    return str(caught.value)


def test_error_names_operation_index_op_path_and_reason() -> None:
    ops = [{"op": "test", "path": "/x", "value": 1}] * 3 + [{"op": "replace", "path": "/a/b", "value": 2}]
    message = _error({"x": 1, "a": {}}, ops)
    assert message == "operation 3 (replace /a/b): path not found: /a has no member 'b'"


@pytest.mark.parametrize(
    ("operation", "reason"),
    [
        pytest.param({"path": "/a"}, "operation 0 (/a): missing 'op'", id="no-op"),
        pytest.param({"op": "spam", "path": "/a"}, "operation 0 (spam /a): unknown op 'spam'", id="unknown-op"),
        pytest.param({"op": 3, "path": "/a"}, "operation 0 (/a): unknown op 3", id="op-not-string"),
        pytest.param({"op": "add", "value": 1}, "operation 0 (add): missing 'path'", id="no-path"),
        pytest.param({"op": "add", "path": None, "value": 1}, "'path' must be a string", id="null-path"),
        pytest.param({"op": "add", "path": "a", "value": 1}, "must be empty or start with '/'", id="no-slash"),
        pytest.param({"op": "add", "path": "/a~2", "value": 1}, "'~' must be followed", id="bad-escape"),
        pytest.param({"op": "add", "path": "/a~", "value": 1}, "'~' must be followed", id="trailing-tilde"),
        pytest.param({"op": "add", "path": "/a"}, "operation 0 (add /a): missing 'value'", id="no-value"),
        pytest.param({"op": "move", "path": "/b"}, "operation 0 (move /b): missing 'from'", id="move-no-from"),
        pytest.param({"op": "copy", "path": "/b"}, "operation 0 (copy /b): missing 'from'", id="copy-no-from"),
        pytest.param(
            {"op": "move", "from": "/a", "path": "/a/x"},
            "operation 0 (move /a/x from /a): cannot move /a into one of its own children",
            id="move-into-own-child",
        ),
        pytest.param({"op": "remove", "path": ""}, 'operation 0 (remove ""): cannot remove', id="remove-root"),
        pytest.param({"op": "remove", "path": "/l/-"}, "'-' (past the end of /l) names no element", id="rm-dash"),
        pytest.param({"op": "replace", "path": "/l/-", "value": 1}, "names no element", id="replace-dash"),
        pytest.param({"op": "test", "path": "/l/-", "value": 1}, "names no element", id="test-dash"),
        pytest.param({"op": "copy", "from": "/l/-", "path": "/b"}, "names no element", id="copy-from-dash"),
        pytest.param({"op": "add", "path": "/l/-/x", "value": 1}, "names no element", id="dash-mid-path"),
        pytest.param({"op": "test", "path": "/l/01", "value": 2}, "invalid array index '01' for /l", id="zeros"),
        pytest.param({"op": "test", "path": "/l/+1", "value": 2}, "invalid array index '+1'", id="plus-sign"),
        pytest.param({"op": "add", "path": "/l/3", "value": 1}, "index 3 is out of range for /l", id="past-end"),
        pytest.param({"op": "remove", "path": "/l/2"}, "index 2 is out of range", id="remove-at-end"),
        pytest.param({"op": "test", "path": "/l/" + "9" * 5000, "value": 1}, "out of range", id="huge-index"),
        pytest.param({"op": "add", "path": "/s/x", "value": 1}, "/s is a string, not an object", id="into-string"),
        pytest.param({"op": "test", "path": "/a", "value": 2}, "test failed: /a is not equal", id="test-fails"),
    ],
)
def test_invalid_operations_raise(operation: dict[str, Any], reason: str) -> None:
    assert reason in _error({"a": {}, "l": [1, 2], "s": "text"}, [operation])


def test_patch_must_be_a_list_of_objects() -> None:
    assert "must be an array of operations" in _error({}, {"op": "add"})  # type: ignore[arg-type]
    assert _error({}, [["add"]]) == "operation 0: must be an object, not list"  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("actual", "given_value", "passes"),
    [
        pytest.param(1, 1.0, True, id="int-float"),
        pytest.param(True, 1, False, id="true-vs-1"),
        pytest.param(0, False, False, id="0-vs-false"),
        pytest.param(None, False, False, id="null-vs-false"),
        pytest.param("1", 1, False, id="string-vs-number"),
        pytest.param({"a": 1, "b": [1, {"c": 2}]}, {"b": [1.0, {"c": 2}], "a": 1}, True, id="key-order"),
        pytest.param([1, 2], [2, 1], False, id="array-order"),
        pytest.param({"a": 1}, {"a": 1, "b": None}, False, id="extra-null-member"),
        pytest.param([[True]], [[1]], False, id="nested-bool"),
    ],
)
def test_test_operation_uses_json_equality(actual: Any, given_value: Any, passes: bool) -> None:
    patch = [{"op": "test", "path": "/v", "value": given_value}]
    assert json_equal(actual, given_value) is passes
    if passes:
        assert apply_json_patch({"v": actual}, patch) == {"v": actual}
    else:
        assert "test failed" in _error({"v": actual}, patch)


def test_all_or_nothing_and_inputs_untouched() -> None:
    doc: Any = {"a": [1, 2], "b": {"c": 1}}
    patch: list[dict[str, Any]] = [
        {"op": "add", "path": "/a/-", "value": 3},
        {"op": "remove", "path": "/b/c"},
        {"op": "remove", "path": "/zz"},
    ]
    pristine = copy.deepcopy((doc, patch))
    assert _error(doc, patch).startswith("operation 2 (remove /zz)")
    assert (doc, patch) == pristine


def test_result_shares_nothing_mutable_with_inputs() -> None:
    doc: dict[str, Any] = {"keep": {"x": [1]}}
    value: dict[str, Any] = {"y": [2]}
    result: Any = apply_json_patch(doc, [{"op": "add", "path": "/new", "value": value}])
    result["keep"]["x"].append(9)
    result["new"]["y"].append(9)
    assert doc == {"keep": {"x": [1]}}
    assert value == {"y": [2]}


def test_move_and_copy() -> None:
    doc: Any = {"a": {"b": [1, 2, 3]}, "c": 0}
    patch = [
        {"op": "move", "from": "/a/b/0", "path": "/a/b/-"},
        {"op": "copy", "from": "/a", "path": "/d"},
        {"op": "move", "from": "/c", "path": "/a/c"},
        {"op": "move", "from": "/d", "path": "/d"},
    ]
    assert apply_json_patch(doc, patch) == {"a": {"b": [2, 3, 1], "c": 0}, "d": {"b": [2, 3, 1]}}
    assert "has no member 'zz'" in _error(doc, [{"op": "move", "from": "/zz", "path": "/zz"}])


def test_root_operations() -> None:
    assert apply_json_patch({"a": 1}, [{"op": "replace", "path": "", "value": [1]}]) == [1]
    assert apply_json_patch("s", [{"op": "test", "path": "", "value": "s"}]) == "s"
    assert apply_json_patch({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": ""}]) == {"b": 1}


def test_detect_patch_kind() -> None:
    assert detect_patch_kind([{"op": "add", "path": "/a", "value": 1}]) == "jsonpatch"
    assert detect_patch_kind([]) == "jsonpatch"
    assert detect_patch_kind({"op": "add"}) == "mergepatch"
    assert detect_patch_kind([{"op": "add"}, {"path": "/a"}]) == "mergepatch"
    assert detect_patch_kind([1, 2]) == "mergepatch"
    assert detect_patch_kind(None) == "mergepatch"


# --- JSON Pointer -------------------------------------------------------------------------------


def test_pointer_parse_and_format() -> None:
    assert parse_pointer("") == []
    assert parse_pointer("/") == [""]
    assert parse_pointer("/a~1b/~01/m~0n/0") == ["a/b", "~1", "m~n", "0"]
    assert format_pointer(["a/b", "~1", "m~n", 0]) == "/a~1b/~01/m~0n/0"
    assert format_pointer([]) == ""


def test_resolve_pointer() -> None:
    doc: Any = {"a": [{"b/c": None}], "": {"": 5}}
    assert resolve_pointer(doc, "/a/0/b~1c") is None
    assert resolve_pointer(doc, "//") == 5
    assert resolve_pointer(doc, "") is doc
    with pytest.raises(ApplyError, match="has no member 'x'"):
        resolve_pointer(doc, "/a/0/x")


def test_pointer_for_diff_engine_paths() -> None:
    assert pointer_for(("spec", "containers", 0, "a/b")) == "/spec/containers/0/a~1b"
    assert pointer_for(token for token in ("x", 12)) == "/x/12"
    # Non-string YAML mapping keys, spelled as json.dumps names them.
    assert pointer_for([True, None, 1.5]) == "/true/null/1.5"
    assert json.dumps({True: 0, None: 0, 1.5: 0}) == '{"true": 0, "null": 0, "1.5": 0}'
    assert pointer_for([]) == ""


# --- properties ---------------------------------------------------------------------------------

# Keys from a small alphabet hit the escapes ("~", "/"), "-" and numeric-looking names often.
KEYS = st.text(alphabet="ab~/0-", max_size=3)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4)
)
DOCS = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)


@given(KEYS.flatmap(lambda first: st.lists(KEYS | st.integers(0, 99), max_size=4).map(lambda rest: [first, *rest])))
def test_format_then_parse_round_trips(tokens: list[str | int]) -> None:
    assert parse_pointer(format_pointer(tokens)) == [str(token) for token in tokens]


@given(DOCS, DOCS)
def test_patches_made_by_the_jsonpatch_package_apply(source: Any, target: Any) -> None:
    patch = jsonpatch.make_patch(source, target).patch
    pristine = copy.deepcopy(source)
    assert _same_json(apply_json_patch(source, patch), target)
    assert _same_json(source, pristine)
