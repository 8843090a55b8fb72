"""Source positions of nervsync paths in JSON, YAML and CSV text (issue 7).

Expected lines are never typed in by hand: each test finds the line in the text it wrote, and the
property tests check every leaf of generated documents against the line the value is written on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli.diff import as_streams, diff_documents
from nervsync_cli.files import load_document
from nervsync_cli.formats import get_format
from nervsync_cli.model import Document
from nervsync_cli.paths import Field, Index, format_path, parse_path
from nervsync_cli.paths import Path as NsPath
from nervsync_cli.positions import PositionFinder, add_positions, locate_change
from nervsync_cli.render.report import diff_report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _doc(text: str, fmt: str, name: str = "f") -> Document:
    return get_format(fmt).load(text, name)


def _line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the ``nth`` line containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth]


def _find(text: str, fmt: str, path: str) -> tuple[int, int | None, bool]:
    found = PositionFinder(_doc(text, fmt)).find(parse_path(path))
    assert found is not None
    return found.line, found.column, found.exact


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------

JSON_TEXT = """{
  "name": "shop",
  "limits": {"cpu": 2, "memory": "1Gi"},
  "records": [
    {"id": 7, "tags": ["a", "b"], "note": "say \\"hi\\" {not: [json]}"},
    {
      "id": 42,
      "location": {"city": "Berlin"}
    }
  ],
  "weird key.with dots": true,
  "empty": {}
}
"""


@pytest.mark.parametrize(("path", "needle", "starts"), [
    ("name", '"name"', '"shop"'),
    ("limits", '"limits"', '"limits"'),  # a mapping value is given at its key
    ("limits.memory", '"memory"', '"1Gi"'),
    ("records[id=7].note", '"note"', '"say'),
    ("records[id=42]", '"id": 42', "{"),
    ("records[id=42].location.city", '"city"', '"Berlin"'),
    ("records[0].tags[1]", '"tags"', '"b"'),
    ('["weird key.with dots"]', "weird key", "true"),
    ("empty", '"empty"', '"empty"'),
])
def test_json_positions(path: str, needle: str, starts: str) -> None:
    line, column, exact = _find(JSON_TEXT, "json", path)
    expected_line = _line_of(JSON_TEXT, needle)
    if path == "records[id=42]":
        expected_line -= 1  # the item starts at its opening brace, the line before "id"
    assert (line, exact) == (expected_line, True)
    assert column is not None
    assert JSON_TEXT.splitlines()[line - 1][column - 1:].startswith(starts)


def test_json_column_points_at_the_value() -> None:
    line, col, _ = _find(JSON_TEXT, "json", "limits.memory")
    assert col is not None
    assert JSON_TEXT.splitlines()[line - 1][col - 1:].startswith('"1Gi"')


def test_json_missing_path_gives_the_nearest_ancestor() -> None:
    line, _, exact = _find(JSON_TEXT, "json", "records[id=42].location.zip")
    assert (line, exact) == (_line_of(JSON_TEXT, '"location"'), False)
    line, _, exact = _find(JSON_TEXT, "json", "records[id=99].name")
    assert (line, exact) == (_line_of(JSON_TEXT, '"records"'), False)


def test_json_escaped_keys_and_crlf() -> None:
    text = '{\r\n  "a\\u00e9": {\r\n    "x\\"y": [1,\r\n 2]\r\n  }\r\n}\r\n'
    line, _, exact = _find(text, "json", '["aé"]["x\\"y"][1]')
    assert (line, exact) == (4, True)


def test_json_top_level_list_keyed_by_id() -> None:
    text = '[\n {"id": "a", "v": 1},\n {"id": "b", "v": 2}\n]\n'
    assert _find(text, "json", "[id=b].v")[:1] == (3,)


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------

YAML_TEXT = """# comment
defaults: &defaults
  retries: 3
  timeout: 10
service:
  <<: *defaults
  timeout: 20
  name: web
  on: true
  ports:
    - name: http
      port: 80
    - name: https
      port: 443
  args: [--fast, --safe]
  motd: |
    line one
    line two
"""


@pytest.mark.parametrize(("path", "needle"), [
    ("service.timeout", "timeout: 20"),
    ("service.retries", "retries: 3"),  # from the merge key: the anchor's line
    ("service.ports[name=https].port", "port: 443"),
    ("service.ports[name=https]", "name: https"),
    ("service.ports", "ports:"),
    ("service.args[1]", "args:"),
    ("service.motd", "motd:"),
    ("service.on", "on: true"),  # YAML 1.1 "on" stays the key "on", as the codec loads it
])
def test_yaml_positions(path: str, needle: str) -> None:
    line, _, exact = _find(YAML_TEXT, "yaml", path)
    assert (line, exact) == (_line_of(YAML_TEXT, needle), True)


def test_yaml_scalar_column_is_the_value_column() -> None:
    line, col, _ = _find(YAML_TEXT, "yaml", "service.ports[name=https].port")
    assert col is not None
    assert YAML_TEXT.splitlines()[line - 1][col - 1:] == "443"


def test_yaml_stream_documents_are_found_by_kind_and_name() -> None:
    text = (FIXTURES / "k8s-deployed.yaml").read_text(encoding="utf-8")
    desired = load_document(str(FIXTURES / "k8s-desired.yaml"))
    deployed = load_document(str(FIXTURES / "k8s-deployed.yaml"))
    result = diff_documents(*as_streams(desired, deployed))
    image = next(c for c in result.changes if c.path[-1] == Field("image"))
    positions = locate_change(image, PositionFinder(desired), PositionFinder(deployed))
    assert positions.target is not None
    assert positions.target.line == _line_of(text, "image: registry.example.com/web:")
    desired_text = (FIXTURES / "k8s-desired.yaml").read_text(encoding="utf-8")
    assert positions.source is not None
    assert positions.source.line == _line_of(desired_text, "image: registry.example.com/web:")


def test_single_document_paired_with_a_stream() -> None:
    one = _doc("kind: A\nmetadata:\n  name: x\nspec: 1\n", "yaml", "one.yaml")
    two = _doc("kind: A\nmetadata:\n  name: x\nspec: 2\n---\nkind: B\nmetadata:\n  name: y\n", "yaml", "two.yaml")
    source, target = as_streams(one, two)
    change = next(c for c in diff_documents(source, target).changes if c.path[-1] == Field("spec"))
    positions = locate_change(change, PositionFinder(source), PositionFinder(target))
    assert positions.source is not None
    assert positions.target is not None
    assert (positions.source.line, positions.target.line) == (4, 4)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------

CSV_TEXT = 'id,name,notes\n1,alpha,plain\n2,beta,"two\nlines"\n\n3,gamma,"x, y"\n'


@pytest.mark.parametrize(("path", "line", "column"), [
    ("[id=1].name", 2, 2),
    ("[id=2]", 3, None),
    ("[id=2].notes", 3, 3),
    ("[id=3].notes", 6, 3),  # after a two-line cell and a blank line
    ("[2].id", 6, 1),
])
def test_csv_positions(path: str, line: int, column: int | None) -> None:
    assert _find(CSV_TEXT, "csv", path) == (line, column, True)


def test_tsv_positions() -> None:
    text = "id\tname\na\tx\nb\ty\n"
    assert _find(text, "tsv", "[id=b].name") == (3, 2, True)


# --------------------------------------------------------------------------------------------
# Changes and the diff report
# --------------------------------------------------------------------------------------------


def test_add_positions_to_a_diff_report(tmp_path: Path) -> None:
    source = tmp_path / "a.yaml"
    target = tmp_path / "b.json"
    source.write_text("records:\n  - id: 1\n    name: a\n  - id: 2\n    name: b\n", encoding="utf-8")
    target.write_text('{"records": [\n  {"id": 2, "name": "B"},\n  {"id": 3, "name": "c"}\n]}\n', encoding="utf-8")
    s, t = load_document(str(source)), load_document(str(target))
    result = diff_documents(s, t)
    report = add_positions(diff_report(result, str(source), str(target)), result, s, t)
    by_path = {entry["path"]: entry for entry in report["changes"]}
    assert by_path["records[id=2].name"]["positions"] == {
        "source": {"file": str(source), "line": 5, "column": "    name: b".index("b") + 1, "exact": True},
        "target": {"file": str(target), "line": 2, "column": '  {"id": 2, "name": "B"},'.index('"B"') + 1,
                   "exact": True},
    }
    removed = by_path["records[id=1]"]["positions"]
    assert removed["source"]["line"] == 2
    assert removed["target"] == {"file": str(target), "line": 1, "column": 2, "exact": False}
    added = by_path["records[id=3]"]["positions"]
    assert (added["target"]["line"], added["source"]["exact"]) == (3, False)


def test_unkeyed_list_indexes_are_checked_on_the_other_side() -> None:
    # "x" is inserted in TARGET: the changed item [2] of SOURCE is item [3] of TARGET.
    source = _doc('{"args": [\n"a",\n"b",\n"c"\n]}', "json", "s.json")
    target = _doc('{"args": [\n"x",\n"a",\n"b",\n"C"\n]}', "json", "t.json")
    changes = diff_documents(source, target).changes
    changed = next(c for c in changes if c.kind.value == "changed")
    positions = locate_change(changed, PositionFinder(source), PositionFinder(target))
    assert positions.source is not None
    assert positions.target is not None
    assert (positions.source.line, positions.source.exact) == (4, True)
    # The same index names "b" in TARGET, not the changed value: the list is given instead.
    assert (positions.target.line, positions.target.exact) == (1, False)


def test_documents_without_text_have_no_positions() -> None:
    assert PositionFinder(Document({"a": 1}, "mem", "json")).find((Field("a"),)) is None


# --------------------------------------------------------------------------------------------
# Properties: every leaf of generated documents is found on the line its value is written on
# --------------------------------------------------------------------------------------------

_KEYS = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)
_SCALARS = st.one_of(st.integers(-1000, 1000), st.booleans(), st.text(alphabet="xyz 12", max_size=8).map(
    lambda s: "s" + s))
_TREES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=4)),
    max_leaves=25,
).filter(lambda tree: isinstance(tree, dict) and bool(tree))


def _leaves(value: Any, path: NsPath = ()) -> list[tuple[NsPath, Any]]:
    if isinstance(value, dict):
        return [leaf for key, child in value.items() for leaf in _leaves(child, (*path, Field(key)))]
    if isinstance(value, list):
        return [leaf for i, child in enumerate(value) for leaf in _leaves(child, (*path, Index(i)))]
    return [(path, value)]


def _assert_every_leaf_found(document: Document, tree: dict[str, Any]) -> None:
    finder = PositionFinder(document)
    lines = (document.text or "").splitlines()
    for path, value in _leaves(tree):
        found = finder.find(path)
        assert found is not None
        assert found.exact, format_path(path)
        assert found.column is not None
        written = json.dumps(value) if document.format == "json" else yaml.safe_dump(value).splitlines()[0]
        written = written.removesuffix("...").strip()
        assert lines[found.line - 1][found.column - 1:].startswith(written), (format_path(path), found)


@settings(max_examples=60, deadline=None)
@given(_TREES)
def test_every_json_leaf_is_located_at_its_value(tree: dict[str, Any]) -> None:
    text = json.dumps(tree, indent=2)
    _assert_every_leaf_found(_doc(text, "json"), tree)


@settings(max_examples=60, deadline=None)
@given(_TREES)
def test_every_yaml_leaf_is_located_at_its_value(tree: dict[str, Any]) -> None:
    text = yaml.safe_dump(tree, sort_keys=False, default_flow_style=False)
    _assert_every_leaf_found(_doc(text, "yaml"), tree)
