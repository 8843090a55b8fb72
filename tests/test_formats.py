"""Format codecs (JSON, YAML, CSV/TSV) and file loading, through the library with real parsers."""

# mypy: allow-untyped-defs, allow-incomplete-defs
# (pyproject relaxes these for module "tests.*", which tests/ without __init__.py never is)

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli.diff import diff_values
from nervsync_cli.errors import DuplicateKeyError, InputError, UsageError
from nervsync_cli.files import load_document
from nervsync_cli.formats import format_for_name, format_names, get_format
from nervsync_cli.formats.csv_format import coerce_cell
from nervsync_cli.formats.yaml_format import YamlFormat

JSON = get_format("json")
YAML = get_format("yaml")
CSV = get_format("csv")
TSV = get_format("tsv")


# ---------------------------------------------------------------------------------------------
# Registry and file loading
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.json", "json"), ("a.yaml", "yaml"), ("a.yml", "yaml"), ("A.YML", "yaml"), ("x/y.csv", "csv"),
     ("t.tsv", "tsv"), ("archive.tar.json", "json")],
)
def test_format_from_extension(name, fmt):
    found = format_for_name(name)
    assert found is not None
    assert found.name == fmt


def test_unknown_formats():
    assert format_for_name("notes.txt") is None
    assert format_for_name("Makefile") is None
    assert format_names() == ["csv", "json", "tsv", "yaml"]
    with pytest.raises(UsageError, match="toml"):
        get_format("toml")


def test_load_document_format_override_and_bom(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(b"\xef\xbb\xbf" + b"a: 1\r\nb: [x, y]\r\n")
    with pytest.raises(UsageError, match=r"data\.txt"):
        load_document(str(path))
    document = load_document(str(path), "yaml")
    assert document.data == {"a": 1, "b": ["x", "y"]}
    assert document.bom is True
    assert document.format == "yaml"
    assert document.name == str(path)


def test_undecodable_bytes_name_line_column_and_encoding(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b'{\n  "a": "\xff"\n}')
    with pytest.raises(InputError) as caught:
        load_document(str(path))
    assert (caught.value.line, caught.value.column) == (2, 9)
    assert "utf-8" in caught.value.detail


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def test_json_types_are_kept():
    data = JSON.load('{"s": "x", "i": 1, "f": 1.5, "t": true, "n": null, "l": [1, "1"], "o": {}}', "a.json").data
    assert data == {"s": "x", "i": 1, "f": 1.5, "t": True, "n": None, "l": [1, "1"], "o": {}}
    assert type(data["i"]) is int
    assert type(data["t"]) is bool


def test_json_duplicate_key_is_an_error_with_position():
    text = '{"a": 1,\n "b": {"c": 1, "c": 2}}'
    with pytest.raises(DuplicateKeyError) as caught:
        JSON.load(text, "d.json")
    assert (caught.value.line, caught.value.column) == (2, 7)
    assert "'c'" in str(caught.value)


@pytest.mark.parametrize(
    ("fmt", "text", "line", "column", "message"),
    [
        ("json", '{"a": 1} {"b": 2}', 1, 10, "invalid JSON"),
        ("json", '{"a": [1, 2}', 1, 12, "invalid JSON"),
        ("json", "  \n\t\n", None, None, "file is empty"),
        ("yaml", "a:\n  b: 1\n c: 2\n", 3, 2, "invalid YAML"),
        ("yaml", "on: 1\n'on': 2\n", 2, 1, "duplicate key 'on'"),
        ("yaml", "a: !!map just text\n", 1, 4, "invalid YAML"),
        ("yaml", "? [1, 2]\n: x\n", 1, 3, "used as a key"),
        ("yaml", "'quoted text'\n", None, None, "plain string"),
    ],
)
def test_parse_errors_carry_positions(fmt, text, line, column, message):
    with pytest.raises(InputError, match=message) as caught:
        get_format(fmt).load(text, f"x.{fmt}")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert "\n" not in str(caught.value)


def test_latin1_yaml_names_the_encoding(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(InputError, match="utf-8") as caught:
        load_document(str(path))
    assert (caught.value.line, caught.value.column) == (2, 7)


def test_json_same_key_in_different_objects_is_fine():
    assert JSON.load('[{"a": 1}, {"a": 2}]', "ok.json").data == [{"a": 1}, {"a": 2}]


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------


def test_yaml_uses_the_safe_c_loader_when_available():
    from nervsync_cli.formats import yaml_format

    base = yaml_format._BaseLoader
    assert issubclass(base, yaml.SafeLoader) or base.__name__ == "CSafeLoader"
    if yaml.__with_libyaml__:
        assert base is yaml.CSafeLoader


def test_yaml_values_are_json_shaped():
    text = (
        "date: 2024-01-02\n"          # timestamps stay text, as in a JSON export
        "stamp: 2024-01-02T03:04:05Z\n"
        "1: int key\n"
        "null: null key\n"
        "float: 1.0\n"
        "set: !!set {b, a}\n"
        "bin: !!binary aGVs\n  bG8=\n"
        "ref: !Ref Other\n"           # CloudFormation-style tags decorate a plain value
        "list: !reference [a, b]\n"
    )
    data = YAML.load(text, "y.yaml").data
    assert data == {
        "date": "2024-01-02", "stamp": "2024-01-02T03:04:05Z", "1": "int key", "null": "null key",
        "float": 1.0, "set": ["a", "b"], "bin": "aGVsbG8=", "ref": "Other", "list": ["a", "b"],
    }


def test_yaml_boolean_looking_keys_keep_their_text():
    # GitHub Actions' `on:` is a YAML 1.1 boolean; as a key it must stay "on" (values are untouched).
    data = YAML.load("on:\n  push: {}\nyes: 1\ntrue: 2\nkey: on\n", "w.yaml").data
    assert data == {"on": {"push": {}}, "yes": 1, "true": 2, "key": True}


def test_yaml_distinct_keys_that_python_would_merge():
    assert YAML.load("1: a\ntrue: b\n", "k.yaml").data == {"1": "a", "true": "b"}


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", '1: x\n"1": y\n', "m:\n  k: 1\n  k: 1\n"])
def test_yaml_duplicate_keys_are_errors(text):
    with pytest.raises(InputError, match="duplicate key") as caught:
        YAML.load(text, "d.yaml")
    assert caught.value.line is not None
    assert caught.value.column is not None


def test_yaml_merge_keys_override_without_being_duplicates():
    data = YAML.load("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", "m.yaml").data
    assert data["d"] == {"x": 1, "y": 3}


def test_yaml_multi_document_streams():
    stream = YAML.load("---\nkind: A\n---\nkind: B\n...\n---\n", "s.yaml")
    assert stream.multi_document is True
    assert stream.data == [{"kind": "A"}, {"kind": "B"}]
    single = YAML.load("---\nkind: A\n", "s.yaml")
    assert single.multi_document is False
    assert single.data == {"kind": "A"}


def test_yaml_shared_anchors_are_counted_cheaply_but_bounded():
    # 9 levels of 9 aliases: 9**9 nodes once expanded; refused without building them.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    with pytest.raises(InputError, match="aliases expand"):
        YamlFormat().load("\n".join(lines), "laughs.yaml")
    small = YamlFormat().load("a: &a [1, 2]\nb: *a\nc: *a\n", "ok.yaml").data
    assert small == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


def test_yaml_equals_json_for_the_same_data():
    text_yaml = "id: 1\nname: web\nratio: 0.5\nok: true\nnone: null\ntags: [a, b]\nnested: {k: v}\n"
    text_json = ('{"nested": {"k": "v"}, "tags": ["a", "b"], "none": null, "ok": true, "ratio": 0.5, '
                 '"name": "web", "id": 1}')
    assert not diff_values(YAML.load(text_yaml, "a.yaml").data, JSON.load(text_json, "a.json").data)


# ---------------------------------------------------------------------------------------------
# CSV and TSV
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_dialect_is_sniffed(delimiter):
    text = delimiter.join(["id", "name", "note"]) + "\n" + delimiter.join(["1", "web", '"a, b; c | d"']) + "\n"
    text += delimiter.join(["2", "db", "plain"]) + "\n"
    assert CSV.load(text, "t.csv").data == [
        {"id": "1", "name": "web", "note": "a, b; c | d"}, {"id": "2", "name": "db", "note": "plain"},
    ]


@pytest.mark.parametrize(
    "text",
    [
        'id,tags\n1,a;b;c\n2,d;e;f\n',          # semicolons in every cell of a comma file
        'id,cmd\n1,a | b | c\n2,d | e | f\n',   # pipes too
        "id,name\n1,O'Brien\n2,D'Arcy\n",       # apostrophes are not quote characters
        'id,q\n1,""""\n2,"say ""x"""\n',        # doubled quotes, RFC 4180
        'id,v\n1, padded\n',                     # a leading space is part of the cell
    ],
)
def test_csv_sniffing_keeps_cell_values(text):
    expected = list(csv.DictReader(io.StringIO(text)))
    assert CSV.load(text, "t.csv").data == expected


def test_csv_quoted_newlines_crlf_and_blank_lines():
    text = 'id,notes\r\n1,"line one\r\nline two"\r\n\r\n2,"say ""hi"""\r\n'
    assert CSV.load(text, "t.csv").data == [
        {"id": "1", "notes": "line one\r\nline two"}, {"id": "2", "notes": 'say "hi"'},
    ]


def test_tsv_is_always_tab_separated():
    assert TSV.load("a\tb,c\n1\t2,3\n", "t.tsv").data == [{"a": "1", "b,c": "2,3"}]


def test_csv_cells_are_strings_unless_coerced():
    text = "id,port,ratio,on,empty,code\n1,80,0.5,TRUE,,007\n"
    assert CSV.load(text, "t.csv").data == [
        {"id": "1", "port": "80", "ratio": "0.5", "on": "TRUE", "empty": "", "code": "007"}]
    assert CSV.load(text, "t.csv", coerce=True).data == [
        {"id": 1, "port": 80, "ratio": 0.5, "on": True, "empty": None, "code": "007"}]


@pytest.mark.parametrize(
    ("cell", "value"),
    [("0", 0), ("-12", -12), ("1.25", 1.25), ("1e3", 1000.0), ("-0.5E-2", -0.005), ("true", True),
     ("False", False), ("", None), ("007", "007"), ("+5", "+5"), ("1.", "1."), (".5", ".5"), ("NaN", "NaN"),
     ("inf", "inf"), ("1_000", "1_000"), (" 1", " 1"), ("yes", "yes"), ("null", "null")],
)
def test_coerce_follows_json_number_grammar(cell, value):
    coerced = coerce_cell(cell)
    assert coerced == value
    assert type(coerced) is type(value)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("id,name\n1,a,b\n", "3 cells", 2),
        ("id,name\n1,a\n2\n", "1 cells", 3),
        ('id,name\n1,"open\n', "invalid CSV", 2),
        ("id,id\n1,2\n", "twice", 1),
        ("id,\n1,2\n", "empty", 1),
        ("10,20\n1,2\n", "header", 1),
        ('[{"id": 1}]\n', "JSON", 1),
        ("\n\n", "empty", None),
    ],
)
def test_csv_errors(text, message, line):
    with pytest.raises(InputError, match=message) as caught:
        CSV.load(text, "t.csv")
    assert caught.value.line == line


def test_csv_header_only_is_an_empty_table():
    assert CSV.load("id,name\n", "t.csv").data == []


# Property: whatever a CSV writer produces (any text in cells, any of the common dialects), the
# codec reads back the same rows.
# No lone "\r": Python's writer leaves it unquoted with a "\n" terminator, which no reader can undo.
_cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), max_size=12)
_header_cell = st.from_regex(r"[A-Za-z_][A-Za-z0-9_ .-]{0,10}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(
    header=st.lists(_header_cell, min_size=1, max_size=5, unique=True),
    body=st.lists(st.lists(_cell, min_size=5, max_size=5), max_size=6),
    dialect=st.sampled_from(["excel", "excel-tab"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_written_tables_read_back(header: list[str], body: list[list[str]], dialect: str, line_end: str):
    rows = [row[: len(header)] for row in body]
    # A row of one empty cell is written as a blank line, which readers skip: nothing to read back.
    rows = [row for row in rows if row != [""]]
    out = io.StringIO()
    writer = csv.writer(out, dialect=dialect, lineterminator=line_end, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    fmt = TSV if dialect == "excel-tab" else CSV
    assert fmt.load(out.getvalue(), "t").data == [dict(zip(header, row)) for row in rows]


# Property: a JSON-like value dumped as YAML by PyYAML and as JSON loads to the same tree.
_keys = st.text(alphabet="abcxyz_-", min_size=1, max_size=6)
_scalars = (st.none() | st.booleans() | st.integers(-(2**40), 2**40)
            | st.floats(allow_nan=False, allow_infinity=False, width=64) | st.text(max_size=10))
_trees = st.recursive(_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(_keys, c, max_size=4),
                      max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _trees, max_size=5))
def test_yaml_and_json_dumps_of_one_tree_load_equal(tree: dict[str, Any]):
    from_json = JSON.load(json.dumps(tree), "t.json").data
    from_yaml = YAML.load(yaml.safe_dump(tree), "t.yaml").data if tree else {}
    assert from_json == tree
    assert not diff_values(from_yaml, from_json)


def test_real_files_load(shared: Path):
    # The real-world folder holds YAML, JSON and CSV written by other tools; all of it must load.
    folder = shared / "conformance" / "real-world"
    files = [p for p in sorted(folder.rglob("*")) if p.suffix in (".yaml", ".yml", ".json", ".csv")]
    files = [p for p in files if p.name != "manifest.json"]
    assert len(files) >= 20
    for path in files:
        document = load_document(str(path))
        assert document.data, path
