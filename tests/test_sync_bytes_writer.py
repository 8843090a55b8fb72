"""The byte-level sync writes give exactly what the plain ways give.

A JSON file is spliced as its UTF-8 bytes (``json_update.update_json_bytes``), and where it is
exactly orjson's two-space rendering of the loaded tree the extent of each old value is found from
that layout instead of being proved value by value; an in-place sync that leaves SOURCE as loaded
stores SOURCE's own bytes as the new base. Each is compared here with the plain way (the text
writer that parses everything, a serialised base) on generated data and on random inputs.
"""

from __future__ import annotations

import copy
import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nervsync_cli.files import load_document
from nervsync_cli.formats import json_update
from nervsync_cli.formats.json_update import align_items, update_json, update_json_bytes
from nervsync_cli.state import dump_base, load_base
from nervsync_cli.write import write_document

from .test_sync_fast_paths import _edited

# Keys and strings with what a byte-level splice must not confuse: non-ASCII characters (several
# bytes each), escapes, quotes, backslashes, and text that looks like JSON layout.
texts = st.text(alphabet=st.sampled_from(["a", "é", "€", "😀", '"', "\\", "\n", "}", ",", " ", "\u2028"]),
                max_size=5)
json_trees = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(texts, children, max_size=5),
    max_leaves=30,
)
# "orjson" is the layout update_json_bytes recognises as a whole; the others take the general walk.
layouts = st.sampled_from(["orjson", "orjson-no-newline", "indent2", "indent2-ascii", "indent4", "compact",
                           "crlf"])


def _text(tree: Any, layout: str) -> bytes:
    if layout.startswith("orjson"):
        try:
            rendered = orjson.dumps(tree, option=orjson.OPT_INDENT_2)
        except TypeError:  # integers beyond 64 bits
            rendered = json.dumps(tree, indent=2, ensure_ascii=False).encode()
        return rendered if layout == "orjson-no-newline" else rendered + b"\n"
    if layout == "compact":
        return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode()
    if layout == "crlf":
        return (json.dumps(tree, indent=2, ensure_ascii=False) + "\n").replace("\n", "\r\n").encode()
    indent = 4 if layout == "indent4" else 2
    return (json.dumps(tree, indent=indent, ensure_ascii=layout.endswith("ascii")) + "\n").encode()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=json_trees, layout=layouts, seed=st.integers(0, 2**16), bom=st.booleans())
def test_byte_writer_is_the_plain_text_writer(tree: Any, layout: str, seed: int, bom: bool) -> None:
    raw = _text(tree, layout)
    old = json.loads(raw)
    new = _edited(old, random.Random(seed))
    text = raw.decode()
    plain = update_json(text, copy.deepcopy(new)).encode()
    assert update_json_bytes(raw, new, old=old) == plain
    assert update_json_bytes(b"\xef\xbb\xbf" + raw if bom else raw, new, old=old) == (
        b"\xef\xbb\xbf" + plain if bom else plain)
    assert update_json(text, new, old=old) == plain.decode()


def test_orjson_layout_is_recognised_and_spliced_like_the_plain_writer() -> None:
    rng = random.Random(3)
    old = {"version": 1, "empty": {}, "none": [], "records": [
        {"id": f"d{i}", "név": "é\n\"}", "v": [i, {"x": "€"}, [], {}], "f": 0.5 * i, "b": i % 2 == 0, "n": None}
        for i in range(300)]}
    raw = orjson.dumps(old, option=orjson.OPT_INDENT_2) + b"\n"
    assert json_update._renders_as(raw, json.loads(raw))
    old = json.loads(raw)
    for _ in range(20):
        new = _edited(old, rng)
        new["records"] = [item if rng.random() < 0.9 else {**item, "f": -1, "new": "ü"} for item in old["records"]
                          if rng.random() > 0.05]
        new["records"].insert(rng.randrange(len(new["records"])), {"id": "added", "v": ["😀"]})
        assert update_json_bytes(raw, new, old=old) == update_json(raw.decode(), copy.deepcopy(new)).encode()


def test_a_sync_of_generated_data_writes_the_bytes_of_the_plain_writer(bench_data: Path, tmp_path: Path) -> None:
    target = load_document(str(bench_data / "target.json"))
    source = load_document(str(bench_data / "source.json"))
    out = tmp_path / "out.json"
    new = target.with_data({**target.data, "records": source.data["records"][::-1]})
    assert write_document(target, new, str(out)) == str(out)
    assert out.read_bytes() == update_json(str(target.text), copy.deepcopy(new.data)).encode()


def test_an_unchanged_document_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'{"a": "\\u00e9"}\n')
    document = load_document(str(path))
    before = path.stat()
    assert write_document(document, document.with_data(document.data)) is None
    assert write_document(document, document.with_data(copy.deepcopy(document.data))) is None
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert path.stat().st_ino == before.st_ino


def test_a_byte_order_mark_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'\xef\xbb\xbf{\n  "a": 1,\n  "b": "\xc3\xa9"\n}\n')
    document = load_document(str(path))
    assert write_document(document, document.with_data({"a": 2, "b": "é"})) == str(path)
    assert path.read_bytes() == b'\xef\xbb\xbf{\n  "a": 2,\n  "b": "\xc3\xa9"\n}\n'


# ---------------------------------------------------------------- the stored base, as SOURCE's bytes

def _sync(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nervsync_cli", "sync", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def _stored_base(tmp_path: Path) -> Any:
    with sqlite3.connect(tmp_path / ".nervsync" / "state.db") as db:
        return db.execute("SELECT document FROM base").fetchone()[0]


@pytest.mark.parametrize("source_text", [
    '{"records": [{"id": "a", "v": 1.5, "s": "\\u00e9é", "n": null}]}\n',
    '{\n  "records": [{"id": "a", "big": 123456789012345678901234567890, "f": 1e400}]\n}',
    '{"records": [{"id": "a", "v": NaN, "w": -Infinity}]}',
    '\ufeff{"records": [{"id": "a", "c": "\\u003a"}]}',
])
def test_source_bytes_stored_as_base_read_back_as_the_serialised_base(tmp_path: Path, source_text: str) -> None:
    (tmp_path / "s.json").write_text(source_text, encoding="utf-8")
    (tmp_path / "t.json").write_text('{"records": [{"id": "b"}]}\n', encoding="utf-8")
    result = _sync(tmp_path, "s.json", "t.json", "--direction", "source-to-target", "-q")
    assert result.returncode == 0, result.stderr
    stored = _stored_base(tmp_path)
    assert stored == source_text.lstrip("\ufeff").encode()
    tree = load_document(str(tmp_path / "s.json")).data
    assert repr(load_base(stored)) == repr(tree) == repr(load_base(dump_base(tree)))
    # The next sync reads it as its base: a three-way merge that finds nothing to do.
    assert _sync(tmp_path, "s.json", "t.json", "-q").returncode == 0
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == source_text


def test_a_base_of_a_changed_or_partial_source_is_serialised(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text('{"records": [{"id": "a"}], "meta": {"x": 1}}\n', encoding="utf-8")
    (tmp_path / "t.json").write_text('{"records": [{"id": "b"}], "meta": {"x": 1}}\n', encoding="utf-8")
    assert _sync(tmp_path, "s.json", "t.json", "-q").returncode == 0  # bidirectional: SOURCE gains b
    assert json.loads(_stored_base(tmp_path)) == json.loads((tmp_path / "s.json").read_text())
    assert _stored_base(tmp_path) != (tmp_path / "s.json").read_bytes()
    other = tmp_path / "other"
    other.mkdir()
    (other / "s.json").write_text('{"records": [{"id": "a"}], "meta": {"x": 1}}\n', encoding="utf-8")
    (other / "t.json").write_text('{"records": [], "meta": {"x": 2}}\n', encoding="utf-8")
    assert _sync(other, "s.json", "t.json", "--direction", "source-to-target", "--path", "records", "-q"
                 ).returncode == 0
    assert json.loads(_stored_base(other)) == [{"id": "a"}]


def test_keys_of_different_types_never_align() -> None:
    old = [{"id": "1"}, {"id": "2"}]
    assert align_items(old, [{"id": "2"}, {"id": 1}]) == [1, None]
    assert align_items([{"id": 2}, {"id": "1"}], old) == [1, None]
    assert align_items(old, [{"id": "2"}, {"id": "1"}]) == [1, 0]
