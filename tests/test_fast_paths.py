"""Every fast path gives exactly what the plain path it shortcuts gives: same data, same diff, same error.

No test here times anything; each compares a fast path with the general code it bypasses.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli import identity
from nervsync_cli.diff import as_streams, diff_documents
from nervsync_cli.errors import InputError
from nervsync_cli.files import load_document
from nervsync_cli.formats.csv_format import CsvFormat
from nervsync_cli.formats.json_format import SLOW, JsonFormat, _unique_pairs, fast_loads
from nervsync_cli.formats.yaml_format import _Loader
from nervsync_cli.locate import Locator
from nervsync_cli.model import Diff, Document
from nervsync_cli.paths import Field, Index, Match
from nervsync_cli.paths import Path as TreePath
from nervsync_cli.render.report import to_json
from nervsync_cli.tree import get_at
from nervsync_cli.values import identical, identical_each

REPO = Path(__file__).resolve().parents[1]
CORPORA = (REPO / "fixtures", REPO.parent / "shared" / "conformance")


def same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down, key order included."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def corpus(*suffixes: str) -> list[Path]:
    return sorted(p for root in CORPORA if root.is_dir() for p in root.rglob("*")
                  if p.suffix in suffixes and p.is_file())


# ---------------------------------------------------------------- JSON: orjson and the exact scanner

def stdlib(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_unique_pairs)


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}', '{"a": {"b": 1, "b": 1}}', '[{"k": 1}, {"k": 2, "k": 3}]', '{"a\\u003a": 1, "a:": 2}',
    '{"a\\u003A": 1}', "[18446744073709551616]", "[-9223372036854775809]", "[1234567890123456789012]",
    "[NaN]", "[Infinity]", '{"x": "\\ud800"}', "[1e400]", "[1.0, -0, -0.0, 1E2, 0.1, 5e-324]",
    '{"a": "x:y", "b": {"c:d": "e:"}}', '{"": 1, " ": 2}', '"just a string"', "[" * 2000 + "]" * 2000,
    "[18446744073709551615, -9223372036854775808]", "[1e20, 1.5E+17]", '["9e+20", "e+", "a+e+1"]',
])
def test_orjson_path_is_the_stdlib_result_or_steps_aside(text: str) -> None:
    got = fast_loads(text.encode())
    try:
        expected: Any = stdlib(text)
    except Exception:  # the exact path's error: the fast path must have stepped aside
        expected = SLOW
    assert got is SLOW or same(got, expected)


def test_duplicates_are_always_caught() -> None:
    for text in ('{"a": 1, "a": 1}', '{"a": {"x": 1}, "b": 2, "a": {"x": 1}}', '[{"id": "a", "id": "a:b"}]'):
        assert fast_loads(text.encode()) is SLOW
        with pytest.raises(InputError, match="duplicate key"):
            JsonFormat().load(text, "x.json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(alphabet=st.sampled_from("ab:\"\\é\n{}")),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["a", "b", "a:", "c"]), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(json_values, st.booleans(), st.integers(min_value=0, max_value=3))
def test_orjson_path_on_random_documents(value: Any, indent: bool, duplicate: int) -> None:
    text = json.dumps(value, indent=2 if indent else None, ensure_ascii=random.Random(duplicate).random() < 0.5)
    if duplicate and text.startswith("{") and len(text) > 2:
        text = '{"a": 0, ' + text[1:] if '"a"' in text else text  # maybe a repeated "a"
    got = fast_loads(text.encode())
    try:
        expected = stdlib(text)
    except Exception:
        assert got is SLOW
        return
    assert got is SLOW or same(got, expected)


def test_json_corpus_loads_the_same(tmp_path: Path) -> None:
    for path in corpus(".json"):
        raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8")
            expected: Any = stdlib(text)
        except Exception:
            continue
        got = fast_loads(raw)
        assert got is SLOW or same(got, expected), path


# ---------------------------------------------------------------- YAML: constructor and resolver fast paths

class _Plain(_Loader):
    """nervsync's loader with the fast paths turned off."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        return super(_Loader, self).resolve(kind, value, implicit)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        return self._construct_mapping(node, deep)

    def construct_sequence(self, node: Any, deep: bool = False) -> Any:
        return super(_Loader, self).construct_sequence(node, deep=deep)


def load_all(loader: Any, text: str) -> Any:
    try:
        return list(yaml.load_all(text, Loader=loader))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


YAML_CASES = [
    "a: 1\nb: yes\nc: 2001-12-14\nd: 0o17\ne: 1:20\nf: ~\ng: .inf\nh: '1'\n", "on: push\n1: x\ntrue: y\n",
    "a: 1\na: 2\n", "x: &a {k: v}\ny: *a\nz:\n  <<: *a\n  k: w\n", "k: !Ref v\nl: !!binary aGVsbG8=\n",
    "= : 1\n", "- [a, 1, true]\n- {b: c}\n", "? [1]\n: 2\n", "a: !!int x\na: 1\n", "k: &s text\nm: *s\n",
]


@pytest.mark.parametrize("text", YAML_CASES)
def test_yaml_fast_paths_change_nothing(text: str) -> None:
    fast, plain = load_all(_Loader, text), load_all(_Plain, text)
    assert fast == plain if isinstance(plain, str) else same(fast, plain)


def test_yaml_corpus_and_generated_data(bench_data: Path) -> None:
    for path in [*corpus(".yaml", ".yml"), bench_data / "source.yaml"]:
        text = path.read_bytes().decode("utf-8-sig")
        fast, plain = load_all(_Loader, text), load_all(_Plain, text)
        assert fast == plain if isinstance(plain, str) else same(fast, plain), path


# ---------------------------------------------------------------- CSV: rows at once

@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", "a", "1", "x,y", 'q"q', "l\nl", "-0", "TRUE"]), min_size=1,
                         max_size=3), min_size=1, max_size=6), st.booleans())
def test_csv_rows_at_once_match_row_by_row(rows: list[list[str]], coerce: bool) -> None:
    header = ["h1", "h2", "h3"]
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    text = buffer.getvalue() + ("\n" if len(rows) % 2 else "")
    fmt = CsvFormat("csv", (".csv",), None)

    def plain_load() -> Any:
        reader = csv.reader(io.StringIO(text, newline=""), csv.excel, strict=True)
        next(reader)
        try:
            return fmt._rows(reader, header, "t.csv", coerce)
        except InputError as exc:
            return str(exc)

    try:
        got: Any = fmt.load(text, "t.csv", coerce=coerce).data
    except InputError as exc:
        got = str(exc)
    expected = plain_load()
    assert got == expected if isinstance(expected, str) else same(got, expected)


# ---------------------------------------------------------------- diff: bulk keyed comparison

def plain_diff(source: Document, target: Document, monkeypatch: pytest.MonkeyPatch) -> Diff:
    with monkeypatch.context() as patch:
        patch.setattr(identity.Identity, "plain_index", lambda self, items, field: None)
        return diff_documents(source, target)


@pytest.mark.parametrize("fmt", ["json", "yaml", "csv"])
def test_keyed_fast_path_on_generated_data(bench_data: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = as_streams(load_document(str(bench_data / f"source.{fmt}")),
                                load_document(str(bench_data / f"target.{fmt}")))
    fast = diff_documents(source, target)
    assert fast.changes
    assert fast == plain_diff(source, target, monkeypatch)


records = st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(["a", "b", "c", "d", "e"]),
    "v": st.sampled_from([0, 1, 1.0, True, False, None, "1", [1], {"x": True}, float("nan")]),
}), max_size=6, unique_by=lambda record: str(record["id"]))


@settings(max_examples=300, deadline=None)
@given(records, records)
def test_keyed_fast_path_on_random_records(s: list[Any], t: list[Any]) -> None:
    source, target = Document({"r": s}, "s", "json"), Document({"r": t}, "t", "json")
    fast = diff_documents(source, target)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(identity.Identity, "plain_index", lambda self, items, field: None)
        plain = diff_documents(source, target)
    assert repr(fast) == repr(plain)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(json_values, json_values), max_size=600))
def test_identical_each_is_identical(pairs: list[tuple[Any, Any]]) -> None:
    s = [a for a, _ in pairs] + [b for _, b in pairs]
    t = [b for _, b in pairs] + [a for a, _ in pairs]
    assert identical_each(s, t) == [identical(a, b) for a, b in zip(s, t)]


# ---------------------------------------------------------------- locate: indexed get_at

def test_locator_finds_what_get_at_finds() -> None:
    rng = random.Random(3)
    for _ in range(200):
        items = [{"id": rng.choice(["1", "2", "3", 1, 2.0, True, None, [1]]), "k": rng.choice(["x", "y"]),
                  "sub": {"n": rng.choice(["p", "q"])}} for _ in range(rng.randint(0, 8))]
        tree = {"items": items}
        locator = Locator()
        for _ in range(10):
            fields = rng.choice([(("id", rng.choice(["1", "2", "3", "2.0", "true", "null"])),),
                                 (("id", "1"), ("k", rng.choice("xy"))), (("sub.n", rng.choice("pq")),)])
            path: TreePath = (Field("items"), Match(fields))
            assert locator.get_at(tree, path) is get_at(tree, path)
            index: TreePath = (Field("items"), Index(rng.randint(-3, 8)))
            assert locator.get_at(tree, index) is get_at(tree, index)


# ---------------------------------------------------------------- reports: orjson's indentation

report_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=5), report_values, max_size=5))
def test_report_json_is_the_stdlib_indentation(report: dict[str, Any]) -> None:
    try:
        expected = json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:  # NaN and infinities are written as strings (tested in test_diff_cli)
        return
    assert to_json(report) == expected
