"""Three-way merge: a table of base/source/target cases, run in JSON, YAML and (for tables) CSV.

Each case goes through the real codecs and writers (``merging.merge_texts``): the three versions are
rendered as files, merged, and the merged text is parsed back and compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from nervsync_cli.formats import get_format
from nervsync_cli.merging import merge_texts
from nervsync_cli.model import ConflictStrategy, DiffOptions
from nervsync_cli.paths import format_path, parse_pattern
from nervsync_cli.threeway import merge_trees

LIONEL = "Lionel's sister went to some boarding school.\nHe owes me $150.00 (car rental)."


@dataclass
class Case:
    name: str
    base: Any
    source: Any
    target: Any
    merged: Any = None
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    table: bool = False


def rec(**fields: Any) -> dict[str, Any]:
    return dict(fields)


CASES = [
    # --- scalars in a mapping -------------------------------------------------------------------
    Case("unchanged", {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1, "b": 2}),
    Case("source-changed", {"a": 1}, {"a": 2}, {"a": 1}, {"a": 2}),
    Case("target-changed", {"a": 1}, {"a": 1}, {"a": 3}, {"a": 3}),
    Case("identical-change", {"a": 1}, {"a": 5}, {"a": 5}, {"a": 5}),
    Case("different-fields", {"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 1, "b": 3}, {"a": 2, "b": 3}),
    Case("both-changed", {"a": 1}, {"a": 2}, {"a": 3}, conflicts=[("a", "both-changed")]),
    Case("both-changed-string", {"s": "x"}, {"s": "y"}, {"s": "z"}, conflicts=[("s", "both-changed")]),
    Case("type-change-vs-edit", {"a": 1}, {"a": "1"}, {"a": 2}, conflicts=[("a", "both-changed")]),
    Case("bool-is-not-int", {"a": True}, {"a": 1}, {"a": True}, {"a": 1}),
    Case("int-equals-float", {"a": 1}, {"a": 1.0}, {"a": 2}, {"a": 2}),
    Case("null-to-value", {"a": None}, {"a": None}, {"a": "set"}, {"a": "set"}),
    Case("value-to-null-both", {"a": 1}, {"a": None}, {"a": None}, {"a": None}),
    # --- keys added and deleted ------------------------------------------------------------------
    Case("added-source", {"a": 1}, {"a": 1, "n": 2}, {"a": 1}, {"a": 1, "n": 2}),
    Case("added-both-same", {"a": 1}, {"a": 1, "n": 2}, {"a": 1, "n": 2}, {"a": 1, "n": 2}),
    Case("added-both-different", {"a": 1}, {"a": 1, "n": 2}, {"a": 1, "n": 3},
         conflicts=[("n", "both-added")]),
    Case("deleted-source-unchanged-target", {"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 2}, {"a": 1}),
    Case("deleted-target-unchanged-source", {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"b": 2}, {"b": 2}),
    Case("deleted-both", {"a": 1, "b": 2}, {"a": 1}, {"a": 1}, {"a": 1}),
    Case("delete-modify", {"a": 1, "b": 2}, {"a": 1}, {"a": 1, "b": 9}, conflicts=[("b", "delete-modify")]),
    Case("modify-delete", {"a": 1, "b": 2}, {"a": 1, "b": 9}, {"a": 1}, conflicts=[("b", "delete-modify")]),
    # --- nested mappings -------------------------------------------------------------------------
    Case("nested-different-fields", {"m": {"x": 1, "y": 1}}, {"m": {"x": 2, "y": 1}}, {"m": {"x": 1, "y": 2}},
         {"m": {"x": 2, "y": 2}}),
    Case("nested-conflict", {"m": {"x": 1}}, {"m": {"x": 2}}, {"m": {"x": 3}}, conflicts=[("m.x", "both-changed")]),
    Case("nested-added-both-merge", {}, {"m": {"x": 1}}, {"m": {"y": 2}}, {"m": {"x": 1, "y": 2}}),
    Case("delete-subtree-vs-edit-inside", {"m": {"x": 1}, "k": 0}, {"k": 0}, {"m": {"x": 2}, "k": 0},
         conflicts=[("m", "delete-modify")]),
    # --- keyed lists (records) -------------------------------------------------------------------
    Case("records-different-fields",
         {"r": [rec(id=1, a=1, b=1)]}, {"r": [rec(id=1, a=2, b=1)]}, {"r": [rec(id=1, a=1, b=2)]},
         {"r": [rec(id=1, a=2, b=2)]}),
    # Concurrent inserts at one place keep both, in RGA's content order (not by side).
    Case("records-added-each-side",
         {"r": [rec(id=1)]}, {"r": [rec(id=1), rec(id=2)]}, {"r": [rec(id=1), rec(id=3)]},
         {"r": [rec(id=1), rec(id=3), rec(id=2)]}),
    Case("records-deleted-one-side",
         {"r": [rec(id=1), rec(id=2)]}, {"r": [rec(id=1)]}, {"r": [rec(id=1), rec(id=2)]}, {"r": [rec(id=1)]}),
    Case("records-delete-modify",
         {"r": [rec(id=1, a=1), rec(id=2, a=1)]}, {"r": [rec(id=1, a=1)]},
         {"r": [rec(id=1, a=1), rec(id=2, a=5)]}, conflicts=[("r[id=2]", "delete-modify")]),
    Case("records-added-both-same-key-merge-fields",
         {"r": []}, {"r": [rec(id=7, a=1)]}, {"r": [rec(id=7, b=2)]}, {"r": [rec(id=7, a=1, b=2)]}),
    Case("records-added-both-same-key-conflict",
         {"r": []}, {"r": [rec(id=7, a=1)]}, {"r": [rec(id=7, a=2)]}, conflicts=[("r[id=7].a", "both-added")]),
    Case("records-reordered-and-edited",
         {"r": [rec(id=1, a=0), rec(id=2, a=0)]}, {"r": [rec(id=2, a=0), rec(id=1, a=0)]},
         {"r": [rec(id=1, a=9), rec(id=2, a=0)]}, {"r": [rec(id=2, a=0), rec(id=1, a=9)]}),
    Case("k8s-containers-by-name",
         {"c": [rec(name="web", image="w:1"), rec(name="side", image="s:1")]},
         {"c": [rec(name="web", image="w:2"), rec(name="side", image="s:1")]},
         {"c": [rec(name="web", image="w:1"), rec(name="side", image="s:2")]},
         {"c": [rec(name="web", image="w:2"), rec(name="side", image="s:2")]}),
    # --- lists without identity (RGA) ------------------------------------------------------------
    Case("tags-insert-each-side", {"t": ["a", "b"]}, {"t": ["a", "x", "b"]}, {"t": ["a", "b", "y"]},
         {"t": ["a", "x", "b", "y"]}),
    Case("tags-delete-one-side", {"t": ["a", "b", "c"]}, {"t": ["a", "c"]}, {"t": ["a", "b", "c"]}, {"t": ["a", "c"]}),
    Case("tags-delete-and-insert", {"t": ["a", "b", "c"]}, {"t": ["a", "c"]}, {"t": ["z", "a", "b", "c"]},
         {"t": ["z", "a", "c"]}),
    Case("args-same-insert-both", {"t": ["a"]}, {"t": ["a", "b"]}, {"t": ["a", "b"]}, {"t": ["a", "b"]}),
    Case("args-delete-vs-change", {"t": ["a", "b"]}, {"t": ["a"]}, {"t": ["a", "B"]}, conflicts=[("t", "list")]),
    # --- text ------------------------------------------------------------------------------------
    Case("text-lines-merge", {"c": LIONEL},
         {"c": LIONEL.replace("some boarding school", "a boarding school in Kent")},
         {"c": LIONEL.replace("$150.00", "$175.00")},
         {"c": "Lionel's sister went to a boarding school in Kent.\nHe owes me $175.00 (car rental)."}),
    Case("text-same-line-conflict", {"c": "one\ntwo\n"}, {"c": "one\nTWO\n"}, {"c": "one\n2\n"},
         conflicts=[("c", "text")]),
    # A one-line string is atomic unless named with --text-field (see the test below).
    Case("one-line-string-is-atomic", {"c": "the quick brown fox"}, {"c": "the slow brown fox"},
         {"c": "the quick brown dog"}, conflicts=[("c", "both-changed")]),
    # --- flat tables (also run as CSV) ----------------------------------------------------------
    Case("table-row-edits", [rec(id="1", a="x", b="y")], [rec(id="1", a="X", b="y")], [rec(id="1", a="x", b="Y")],
         [rec(id="1", a="X", b="Y")], table=True),
    Case("table-rows-added-deleted", [rec(id="1", a="x"), rec(id="2", a="y")], [rec(id="1", a="x")],
         [rec(id="1", a="x"), rec(id="2", a="y"), rec(id="3", a="z")], [rec(id="1", a="x"), rec(id="3", a="z")],
         table=True),
    Case("table-cell-conflict", [rec(id="1", a="x")], [rec(id="1", a="p")], [rec(id="1", a="q")],
         conflicts=[("[id=1].a", "both-changed")], table=True),
]


def test_the_table_has_at_least_forty_cases() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


def _render(fmt: str, value: Any) -> str:
    if fmt == "json":
        return json.dumps(value, indent=2) + "\n"
    if fmt == "yaml":
        return str(yaml.safe_dump(value, sort_keys=False, allow_unicode=True))
    return get_format("csv").dump(value)


PARAMS = [pytest.param(case, fmt, id=f"{fmt}-{case.name}")
          for case in CASES for fmt in (("json", "yaml", "csv") if case.table else ("json", "yaml"))]


@pytest.mark.parametrize(("case", "fmt"), PARAMS)
def test_merge_case(case: Case, fmt: str) -> None:
    codec = get_format(fmt)
    texts = (_render(fmt, case.base), _render(fmt, case.source), _render(fmt, case.target))
    result = merge_texts(codec, texts, ("base", "ours", "theirs"), DiffOptions())
    assert result.fallback is None
    found = sorted((format_path(c.path), c.kind) for c in result.conflicts if not c.resolved)
    assert found == sorted(case.conflicts)
    if case.conflicts:
        assert "<<<<<<< ours" in result.text
        assert ">>>>>>> theirs" in result.text
    else:
        assert codec.load(result.text, "merged").data == case.merged


@pytest.mark.parametrize("case", [c for c in CASES if c.merged is not None], ids=lambda c: c.name)
def test_merge_is_symmetric(case: Case) -> None:
    forward = merge_trees(case.base, case.source, case.target)
    backward = merge_trees(case.base, case.target, case.source)
    assert forward.merged == backward.merged == case.merged


def test_strategies_decide_conflicts() -> None:
    base, source, target = {"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 3, "b": 2}
    from nervsync_cli.resolve import strategy_resolver

    for strategy, expected in ((ConflictStrategy.SOURCE_WINS, 2), (ConflictStrategy.TARGET_WINS, 3)):
        resolver = strategy_resolver(strategy)
        result = merge_trees(base, source, target, decide=lambda c, r=resolver: r([c]))  # type: ignore[misc]
        assert result.merged == {"a": expected, "b": 2}
        assert not result.unresolved


def test_text_field_option_merges_single_line_strings_by_words() -> None:
    options = DiffOptions(text_fields=(parse_pattern("title"),))
    result = merge_trees({"title": "a b c"}, {"title": "A b c"}, {"title": "a b C"}, options)
    assert result.merged == {"title": "A b C"}
