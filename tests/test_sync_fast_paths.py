"""The sync's short cuts give exactly what the plain ways give.

A sync copies only the containers it changes (``apply.applied_copy``), and the JSON and CSV writers
skip what the new tree shares with the loaded one (``old=``): each is compared here with the plain
way (a deep copy, a writer that parses everything) on generated data and on random inputs.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import random
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nervsync_cli.apply import applied_copy, apply_ops
from nervsync_cli.diff import as_streams
from nervsync_cli.files import load_document
from nervsync_cli.formats import get_format
from nervsync_cli.formats.csv_update import update_csv
from nervsync_cli.formats.json_update import update_json
from nervsync_cli.identity import key_of
from nervsync_cli.locate import Locator
from nervsync_cli.model import ConflictStrategy, Document, Op, OpKind, SyncDirection, SyncOptions
from nervsync_cli.patch.jsonpatch import copy_json
from nervsync_cli.paths import Field, Match
from nervsync_cli.plan import _Anchors
from nervsync_cli.state import PendingRecord, StateStore, dump_base, load_base, new_entry
from nervsync_cli.sync import sync_documents
from nervsync_cli.write import render

PROPERTY = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DIRECTIONS = [(SyncDirection.SOURCE_TO_TARGET, ConflictStrategy.MERGE),
              (SyncDirection.BIDIRECTIONAL, ConflictStrategy.SOURCE_WINS)]


def plain_render(original: Document, new: Document) -> str:
    """What the format writes without the short cut: nothing shared, the whole text parsed."""
    if new.data is original.data:
        return str(original.text)
    return get_format(new.format).update(str(original.text), copy.deepcopy(new.data),
                                         multi_document=new.multi_document)


# ---------------------------------------------------------------- generated data, end to end

@pytest.mark.parametrize("fmt", ["json", "csv", "yaml"])
@pytest.mark.parametrize(("direction", "strategy"), DIRECTIONS)
def test_sync_writes_what_the_plain_path_writes(bench_data: Path, fmt: str, direction: SyncDirection,
                                                strategy: ConflictStrategy) -> None:
    source, target = as_streams(load_document(str(bench_data / f"source.{fmt}")),
                                load_document(str(bench_data / f"target.{fmt}")))
    snapshot = copy.deepcopy((source.data, target.data))
    outcome = sync_documents(source, target, SyncOptions(direction=direction, strategy=strategy))
    assert outcome.applied
    assert outcome.plan.target_ops
    assert (source.data, target.data) == snapshot  # the inputs are not modified
    for original, new, ops in ((source, outcome.source, outcome.plan.source_ops),
                               (target, outcome.target, outcome.plan.target_ops)):
        assert new.data == apply_ops(copy_json(original.data), [replace(op, value=copy_json(op.value)) for op in ops])
        assert render(original, new) == plain_render(original, new)


# ---------------------------------------------------------------- applying: path copying

def _records(rng: random.Random, count: int) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "n": rng.randint(0, 3), "tags": ["a"] * rng.randint(0, 2)} for i in range(count)]


def test_applied_copy_equals_apply_ops_on_a_deep_copy() -> None:
    rng = random.Random(7)
    for _ in range(300):
        items = _records(rng, rng.randint(0, 8))
        shared = {"x": 1}
        tree: Any = {"records": items, "meta": {"a": shared, "b": shared}}  # an alias, as YAML makes them
        snapshot = copy.deepcopy(tree)
        ops = []
        for _ in range(rng.randint(1, 4)):
            key = f"r{rng.randint(0, 9)}"
            path = (Field("records"), Match((("id", key),)))
            kind = rng.choice([OpKind.SET, OpKind.ADD, OpKind.REMOVE])
            if kind is OpKind.SET and any(item["id"] == key for item in items):
                # (Now and then a record's key itself changes: what a locator knew of it is dropped.)
                ops.append(Op(OpKind.SET, path, value={"id": rng.choice([key, key + "-new"]), "n": 9}))
            elif kind is OpKind.ADD and all(item["id"] != key for item in items):
                anchor = rng.choice([None, *[item["id"] for item in items]])
                after = (Field("records"), Match((("id", anchor),))) if anchor else None
                ops.append(Op(OpKind.ADD, path, value={"id": key}, after=after))
            elif kind is OpKind.REMOVE:
                ops.append(Op(OpKind.REMOVE, path))
        ops.append(Op(OpKind.SET, (Field("meta"), Field("a"), Field("x")), value=2))
        plain = apply_ops(copy_json(tree), [replace(op, value=copy_json(op.value)) for op in ops])
        assert applied_copy(tree, ops) == plain
        # A locator that already knows the tree's lists (a sync's planner) lends its knowledge to
        # their copies, and still knows the originals right afterwards.
        primed = Locator()
        primed.keys(items, ("id",))
        primed.find_item(items, Match((("id", "r3"),)))
        assert applied_copy(tree, ops, primed) == plain
        assert primed.keys(items, ("id",)) == [key_of(item, ("id",)) for item in items]
        assert primed.plain_index(items, "id") == {item["id"]: i for i, item in enumerate(items)}
        assert tree == snapshot
        assert plain["meta"]["b"] == {"x": 1}  # the alias is not edited through the other path


# ---------------------------------------------------------------- locating: cached keys

def test_locator_keys_are_key_of() -> None:
    rng = random.Random(5)
    values = ["1", "2", 1, 2.0, True, None, [1], {"a": 1}]
    for _ in range(300):
        items: list[Any] = [rng.choice([{"id": rng.choice(values)}, {"k": "x"}, {"id": "3", "sub": {"n": "p"}}, 7])
                            for _ in range(rng.randint(0, 6))]
        for fields in (("id",), ("sub.n",), ("id", "k")):
            assert Locator().keys(items, fields) == [key_of(item, fields) for item in items]


@PROPERTY
@given(st.lists(st.integers(0, 30), unique=True), st.lists(st.integers(0, 30), unique=True))
def test_a_new_item_follows_its_nearest_kept_predecessor(origin_ids: list[int], dest_ids: list[int]) -> None:
    # String ids take the plain-key path, integer ids the general one: both must give the same anchors.
    for make in (str, int):
        origin = [{"id": make(n)} for n in origin_ids]
        anchors = _Anchors(origin, [{"id": make(n)} for n in dest_ids], Locator())
        for k, n in enumerate(origin_ids):
            kept = [m for m in origin_ids[:k] if m in dest_ids]
            expected = (Match((("id", str(kept[-1])),)),) if kept else None
            assert anchors.after((Match((("id", str(n)),)),)) == expected


@PROPERTY
@given(st.lists(st.integers(0, 30), unique=True), st.sets(st.integers(0, 30)),
       st.lists(st.tuples(st.integers(31, 60), st.none() | st.integers(0, 30)), unique_by=lambda pair: pair[0]))
def test_a_list_rebuilds_alike_with_plain_and_other_keys(ids: list[int], gone: set[int],
                                                          new: list[tuple[int, int | None]]) -> None:
    # String ids take the plain-key path (the locator's unique index), integer ids the general one.
    def rebuilt(make: type) -> list[str]:
        def at(n: int) -> tuple[Match]:
            return (Match((("id", str(n)),)),)
        ops = [Op(OpKind.REMOVE, at(n), old={"id": make(n)}) for n in gone if n in ids]
        ops += [Op(OpKind.ADD, at(n), value={"id": make(n)}, after=None if anchor is None else at(anchor))
                for n, anchor in new]
        return [str(item["id"]) for item in apply_ops([{"id": make(n)} for n in ids], ops)]

    assert rebuilt(str) == rebuilt(int)


# ---------------------------------------------------------------- JSON writer with the old tree

json_trees = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=4), children, max_size=5),
    max_leaves=30,
)
json_styles = st.sampled_from([{"indent": 2}, {"indent": 2, "ensure_ascii": False}, {"indent": 4},
                               {"indent": None}, {"separators": (",", ":")}])


def _edited(tree: Any, rng: random.Random) -> Any:
    """A new tree sharing what it does not change with ``tree``, as a sync makes it."""
    if isinstance(tree, dict):
        out = dict(tree)
        for key in list(out):
            roll = rng.random()
            if roll < 0.15:
                del out[key]
            elif roll < 0.4:
                out[key] = _edited(out[key], rng)
        if rng.random() < 0.2:
            out["new"] = rng.choice([1, "x", [True], {"y": None}])
        return out
    if isinstance(tree, list):
        items = [_edited(item, rng) if rng.random() < 0.3 else item for item in tree if rng.random() > 0.1]
        if rng.random() < 0.2:
            items.insert(rng.randint(0, len(items)), {"id": "new"})
        return items
    return rng.choice([tree, tree, 0, "changed", None])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=json_trees, style=json_styles, seed=st.integers(0, 2**16), crlf=st.booleans())
def test_json_writer_with_old_tree_is_the_plain_writer(tree: Any, style: dict[str, Any], seed: int,
                                                       crlf: bool) -> None:
    text = json.dumps(tree, **style) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    old = json.loads(text)
    new = _edited(old, random.Random(seed))
    assert update_json(text, new, old=old) == update_json(text, copy.deepcopy(new))


def test_json_writer_with_old_tree_on_records() -> None:
    rng = random.Random(11)
    for indent in (2, 4):
        old = {"version": 1, "records": [{"id": f"d{i}", "v": [i, {"x": "é\n"}], "f": 0.5 * i}
                                         for i in range(400)]}
        text = json.dumps(old, indent=indent, ensure_ascii=False) + "\n"
        old = json.loads(text)
        new = {**old, "records": list(old["records"])}
        for _ in range(30):
            new["records"][rng.randrange(400)] = {"id": "changed", "v": []}
        del new["records"][rng.randrange(300)]
        assert update_json(text, new, old=old) == update_json(text, copy.deepcopy(new))


# ---------------------------------------------------------------- CSV writer with the loaded rows

def _csv_text(rows: list[list[str]], terminator: str, final: bool, delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=terminator, delimiter=delimiter).writerows(rows)
    text = out.getvalue()
    return text if final else text[: -len(terminator)]


cells = st.sampled_from(["a", "", "1", "x y", "multi\nline", 'q"uote', "c,d", "e;f", "\r\nz", "\r"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=8), seed=st.integers(0, 2**16),
       terminator=st.sampled_from(["\n", "\r\n"]), final=st.booleans(), delimiter=st.sampled_from([",", ";"]),
       blank=st.booleans())
def test_csv_writer_with_loaded_rows_is_the_plain_writer(rows: list[list[str]], seed: int, terminator: str,
                                                         final: bool, delimiter: str, blank: bool) -> None:
    rows = [[f"r{i}", *row[1:]] for i, row in enumerate(rows)]
    text = _csv_text([["id", "b", "c"], *rows], terminator, final, delimiter)
    if blank and rows:
        text = text.replace(terminator, terminator * 2, 1)
    try:
        old = get_format("csv").load(text, "t.csv").data
    except Exception:  # a table the CSV codec refuses is not written back either
        return
    rng = random.Random(seed)
    new = [row if rng.random() < 0.7 else {**row, "b": "new"} for row in old if rng.random() > 0.1]
    if rng.random() < 0.3:
        new.append({"id": "added", "b": "x", "c": "y"})
    if rng.random() < 0.2:
        new = [{**row, "extra": "e"} for row in new]
    assert update_csv(text, new, old=old) == update_csv(text, copy.deepcopy(new))


# ---------------------------------------------------------------- state: the stored base

@pytest.mark.parametrize("base", [
    {"records": [{"id": "a", "v": 1.5, "n": None, "t": True, "s": "é\u2028"}]},
    {"v": float("nan")}, [float("inf"), -math.inf], {"big": 2**80}, {"neg": -(2**64)},
    "g\x00\x00\x00\x00\x00\x00\xf0\x7f", [1e308, 5e-324, -0.0], {"digits": "1234567890123456789012"}, [],
])
def test_stored_base_reads_back_as_the_same_tree(tmp_path: Path, base: Any) -> None:
    assert repr(load_base(dump_base(base))) == repr(base)
    store = StateStore(str(tmp_path / "state.db"))
    big = b"x" * (3 << 20)
    store.record(new_entry("p", "s", "a", "b", "d", "s", (big, None), ("h1", None), None), base)
    store.record(new_entry("p", "s", "a", "b", "d", "s", (b"", big), (None, "h2"), store.get_base_document("p", "s")),
                 {"after": 1})
    assert repr(store.get_base("p", "s")) == repr({"after": 1})
    entries = store.history("p")
    assert [(e.source_before, e.target_before) for e in entries] == [(b"", big), (big, None)]
    assert repr(load_base(entries[0].base_before or "")) == repr(base)
    store.close()
    with sqlite3.connect(tmp_path / "state.db") as db:  # a plain reader sees ordinary JSON
        (document,) = db.execute("SELECT document FROM base").fetchone()
        assert json.loads(document) == {"after": 1}


def test_bases_stored_by_earlier_versions_are_read() -> None:
    stored = {"v": float("nan"), "i": 2**70, "s": "é"}
    assert repr(load_base(json.dumps(stored, ensure_ascii=False))) == repr(stored)


def test_a_pending_record_commits_what_was_staged_with_the_digests_given_then(tmp_path: Path) -> None:
    store = StateStore(str(tmp_path / "state.db"))
    big = b"x" * (3 << 20)
    entry = new_entry("p", "s", "a", "b", "d", "s", (big, b"target before"), (None, None), None, run_id="r1")
    with PendingRecord(store, entry, {"v": 1}, None) as pending:
        # SOURCE staged but not written after all (its text came out the same): no copy is kept.
        committed = pending.commit(("f" * 64, None), (False, True))
    assert (committed.source_before, committed.target_before) == (None, b"target before")
    assert (committed.source_hash, committed.target_hash) == ("f" * 64, None)
    assert store.history("p") == [committed]
    assert store.get_base("p", "s") == {"v": 1}
    store.close()


def test_a_pending_record_left_by_an_error_stores_nothing(tmp_path: Path) -> None:
    store = StateStore(str(tmp_path / "state.db"))
    entry = new_entry("p", "s", "a", "b", "d", "s", (None, b"old"), (None, None), None, run_id="r1")
    with pytest.raises(OSError, match="disk full"), PendingRecord(store, entry, {"v": 1}, None):
        raise OSError("disk full")  # the files failed to write
    assert store.history("p") == []
    assert store.get_base("p", "s") is None
    store.record(entry, {"v": 1})
    # A staging that fails (the run id exists) is reported by commit, in the caller's thread.
    with pytest.raises(sqlite3.IntegrityError), PendingRecord(store, entry, {"v": 2}, None) as pending:
        pending.commit(("0" * 64, "1" * 64), (False, True))
    assert [e.run_id for e in store.history("p")] == ["r1"]
    assert store.get_base("p", "s") == {"v": 1}
    store.close()
