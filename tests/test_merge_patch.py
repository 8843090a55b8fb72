"""RFC 7396 JSON Merge Patch: conformance cases, generation, and round-trip properties."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervsync_cli.errors import ApplyError
from nervsync_cli.patch.jsonpatch import json_equal
from nervsync_cli.patch.mergepatch import MergePatchResult, apply_merge_patch, make_merge_patch
from nervsync_cli.patch.pointer import resolve_pointer

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "json-merge-patch"
RFC_FILE = SUITE / "cases.json"
JSONCONS_FILE = SUITE / "jsoncons-rfc7396-test-cases.json"

# Where the RFC's example patch is not the minimal one make_merge_patch produces: it deletes
# members the target never had.
MINIMAL_PATCH = {
    "rfc7396-appendix-a-07": {"a": {"b": "d"}},
    "rfc7396-appendix-a-14": {"a": "b"},
    "rfc7396-appendix-a-15": {"a": {"bb": {}}},
}
REPLACED_LISTS = {
    "rfc7396-section3": ("/tags",),
    "rfc7396-appendix-a-08": ("/a",),
    "rfc7396-appendix-a-09": ("",),
}


def _rfc_cases() -> list[Any]:
    if not RFC_FILE.is_file():
        return []
    cases = json.loads(RFC_FILE.read_text(encoding="utf-8"))["cases"]
    return [pytest.param(case, id=case["id"]) for case in cases]


def _jsoncons_cases() -> list[Any]:
    # A list of groups, each a "given" document and cases of {"patch", "result"} (see SOURCE.md).
    if not JSONCONS_FILE.is_file():
        return []
    groups = json.loads(JSONCONS_FILE.read_text(encoding="utf-8"))
    return [
        pytest.param(group["given"], case["patch"], case["result"], id=f"jsoncons-{number:02d}-{index}")
        for number, group in enumerate(groups, start=1)
        for index, case in enumerate(group["cases"])
    ]


RFC_CASES = _rfc_cases()
JSONCONS_CASES = _jsoncons_cases()


def _same_json(left: Any, right: Any) -> bool:
    # Canonical text, independent of json_equal: strict on types (true vs 1), blind to member order.
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


@pytest.mark.parametrize(
    ("path", "cases", "count"),
    [
        pytest.param(RFC_FILE, RFC_CASES, 17, id="cases.json"),
        pytest.param(JSONCONS_FILE, JSONCONS_CASES, 15, id="jsoncons"),
    ],
)
def test_conformance_suite_is_complete(path: Path, cases: list[Any], count: int) -> None:
    if not path.is_file():
        pytest.skip(f"conformance data absent: {path}")
    assert len(cases) == count


@pytest.mark.parametrize("case", RFC_CASES)
def test_rfc_case_applies(case: dict[str, Any]) -> None:
    pristine = copy.deepcopy(case)
    assert _same_json(apply_merge_patch(case["target"], case["patch"]), case["result"])
    assert case == pristine


@pytest.mark.parametrize("case", RFC_CASES)
def test_rfc_case_is_generated_minimally(case: dict[str, Any]) -> None:
    made = make_merge_patch(case["target"], case["result"])
    assert _same_json(made.patch, MINIMAL_PATCH.get(case["id"], case["patch"]))
    assert made.replaced_lists == REPLACED_LISTS.get(case["id"], ())
    assert _same_json(apply_merge_patch(case["target"], made.patch), case["result"])


@pytest.mark.parametrize(("given_doc", "patch", "result"), JSONCONS_CASES)
def test_jsoncons_case(given_doc: Any, patch: Any, result: Any) -> None:
    pristine = copy.deepcopy((given_doc, patch))
    assert _same_json(apply_merge_patch(given_doc, patch), result)
    assert _same_json(apply_merge_patch(given_doc, make_merge_patch(given_doc, result).patch), result)
    assert (given_doc, patch) == pristine


# --- behaviour ----------------------------------------------------------------------------------


def test_apply_keeps_target_member_order_and_shares_nothing() -> None:
    target: dict[str, Any] = {"z": 1, "a": {"keep": [1]}, "m": 2}
    patch: dict[str, Any] = {"new": {"x": [1]}, "z": 5, "m": None}
    result: Any = apply_merge_patch(target, patch)
    assert list(result) == ["z", "a", "new"]
    result["a"]["keep"].append(2)
    result["new"]["x"].append(2)
    assert target == {"z": 1, "a": {"keep": [1]}, "m": 2}
    assert patch == {"new": {"x": [1]}, "z": 5, "m": None}


def test_make_omits_unchanged_members_and_deletes_removed_ones() -> None:
    made = make_merge_patch({"same": {"x": 1}, "gone": 1, "n": 1}, {"same": {"x": 1.0}, "n": 2, "add": [None]})
    assert made == MergePatchResult({"gone": None, "n": 2, "add": [None]}, ())
    assert make_merge_patch({"a": [1, 2]}, {"a": [1, 2]}) == MergePatchResult({}, ())


def test_make_between_equal_non_objects_is_the_value() -> None:
    # {} would turn a scalar or a list into an empty object.
    assert make_merge_patch(5, 5).patch == 5
    assert make_merge_patch([1], [1]) == MergePatchResult([1], ())


def test_make_reports_every_list_replaced_whole() -> None:
    made = make_merge_patch({"a": {"l": [1, 2]}, "b": [0], "c/d": [1]}, {"a": {"l": [1, 3]}, "b": "x", "c/d": []})
    assert made.replaced_lists == ("/a/l", "/c~1d")


@pytest.mark.parametrize(
    ("source", "target", "where"),
    [
        pytest.param({"a": 1}, {"a": None}, "/a", id="set-member-to-null"),
        pytest.param({}, {"a": None}, "/a", id="add-null-member"),
        pytest.param({"a": 1}, {"a": {"b": None}}, "/a/b", id="null-in-new-object"),
        pytest.param([1], {"x": {"y": None}}, "/x/y", id="null-after-root-replacement"),
    ],
)
def test_make_refuses_a_null_member_it_cannot_express(source: Any, target: Any, where: str) -> None:
    with pytest.raises(ApplyError, match=f"cannot set {where} to null"):
        make_merge_patch(source, target)


def test_make_accepts_nulls_it_can_express() -> None:
    assert make_merge_patch({"e": None}, {"e": None, "a": 1}).patch == {"a": 1}
    assert make_merge_patch({"a": 1}, None).patch is None
    assert make_merge_patch({}, {"l": [None]}).patch == {"l": [None]}


# --- properties ---------------------------------------------------------------------------------

KEYS = st.text(alphabet="ab~/0", max_size=3)
SCALARS_NO_NULL = st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=3)


def _documents(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
        max_leaves=20,
    )


DOCS = _documents(SCALARS_NO_NULL | st.none())
DOCS_NO_NULL = _documents(SCALARS_NO_NULL)


def _assert_round_trip(source: Any, target: Any, made: MergePatchResult) -> None:
    pristine = copy.deepcopy((source, target))
    # json_equal, not text: the patch leaves alone numbers that are equal as JSON (1 and 1.0).
    assert json_equal(apply_merge_patch(source, made.patch), target)
    for pointer in made.replaced_lists:
        before, after = resolve_pointer(source, pointer), resolve_pointer(target, pointer)
        assert isinstance(before, list)
        assert isinstance(after, list)
        assert not json_equal(before, after)
    assert _same_json((source, target), pristine)


@given(DOCS, DOCS_NO_NULL)
def test_make_then_apply_round_trips(source: Any, target: Any) -> None:
    _assert_round_trip(source, target, make_merge_patch(source, target))


@given(DOCS, DOCS)
def test_make_either_round_trips_or_refuses_a_null(source: Any, target: Any) -> None:
    try:
        made = make_merge_patch(source, target)
    except ApplyError as error:
        where = re.search(r"cannot set (\S*) to null", str(error))
        assert where is not None
        assert resolve_pointer(target, where.group(1)) is None
    else:
        _assert_round_trip(source, target, made)
