"""Loading TARGET in a second process (split_load) gives exactly what loading it here gives.

The pure parts (the survey that proves a parse exact record by record, the rebuild from the
child's message) are checked against the one-process loader on random documents; the CLI is run
on files big enough to fork, and its output compared with the library's one-process result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import mmap
import os
import pty
import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nervsync_cli.diff import diff_documents
from nervsync_cli.files import load_document
from nervsync_cli.formats.json_format import faithful, faithful_counts, orjson_loads
from nervsync_cli.model import DiffOptions
from nervsync_cli.render.progress import StageProgress
from nervsync_cli.render.report import diff_report, to_json
from nervsync_cli.split_load import _MIN_BYTES, Message, bulk, pool_of, publish, rebuild

from .test_fast_paths import json_values, same

records = st.lists(st.dictionaries(st.sampled_from(["id", "a", "b:", "c"]), json_values, max_size=4), max_size=8)


def _message(raw: bytes) -> Message:
    """What the child publishes for ``raw``, as the parent receives it."""
    sink = mmap.mmap(-1, 2 * len(raw) + 4096)
    assert publish(orjson_loads(raw), sink)
    return Message.receive(sink)


def _document(value: Any, wrap: bool, duplicate: bool) -> bytes:
    document = {"meta": value, "records": [value, {"x": value}]} if wrap else [value, value]
    text = json.dumps(document)
    return (text.replace('{"x": ', '{"x": 0, "x": ', 1) if duplicate else text).encode()


@settings(max_examples=300, deadline=None)
@given(json_values, st.booleans(), st.booleans())
def test_both_sides_prove_exactly_what_the_whole_tree_proof_proves(value: Any, wrap: bool, duplicate: bool) -> None:
    raw = _document(value, wrap, duplicate)
    data = orjson_loads(raw)
    pool = pool_of(data)
    assert pool is not None
    assert faithful_counts(raw, pool.colons, pool.exponent) == faithful(raw, data)
    message = _message(raw)
    assert faithful_counts(raw, message.colons, message.exponent) == faithful(raw, data)


def _edited(source: list[Any], rng: random.Random) -> list[Any]:
    """TARGET made from SOURCE: records kept, dropped, changed to look-alike types, reordered."""
    target: list[Any] = []
    for record in source:
        roll = rng.random()
        if roll < 0.15:
            continue
        if roll < 0.35 and isinstance(record, dict) and record:
            record = dict(reversed(list(record.items())))  # same values, other key order
        elif roll < 0.5:
            record = json.loads(json.dumps(record).replace("true", "1").replace("1.0", "1"))
        target.append(record)
    rng.shuffle(target)
    return target


@settings(max_examples=150, deadline=None)
@given(records, st.randoms(use_true_random=False), st.booleans())
def test_rebuilt_target_is_the_target(source: list[Any], rng: random.Random, wrap: bool) -> None:
    target = [*_edited(source, rng), {"id": "new"}]
    source_raw = json.dumps({"records": source, "n": 1} if wrap else source).encode()
    target_raw = json.dumps({"n": 2, "records": target} if wrap else target).encode()
    # The split goes on only where both parses are proved exact (no 65-bit integers, here).
    assume(faithful(source_raw, orjson_loads(source_raw)))
    assume(faithful(target_raw, orjson_loads(target_raw)))
    pool = pool_of(orjson_loads(source_raw))
    assert pool is not None
    expected = json.loads(target_raw)
    message = _message(target_raw)
    assert message.array == orjson.dumps(expected["records"] if wrap else expected)
    assert same(rebuild(message, pool), expected)


def test_a_hash_that_lies_is_caught() -> None:
    pool = pool_of([{"id": 1, "on": True}, {"id": 2}])
    assert pool is not None
    message = _message(b'[{"id": 1, "on": 1}, {"id": 2}]')
    # The child claims TARGET's first record hashes like SOURCE's, which holds ``true`` not ``1``.
    lying = dataclasses.replace(message, hashes=[next(iter(pool.records)), message.hashes[1]])
    assert rebuild(lying, pool) is None
    assert same(rebuild(message, pool), [{"id": 1, "on": 1}, {"id": 2}])


def test_a_message_that_does_not_fit_fails() -> None:
    sink = mmap.mmap(-1, 64)
    with pytest.raises(ValueError, match="out of range"):
        publish([{"id": n, "text": "x" * 10} for n in range(10)], sink)


def test_documents_without_records_are_not_split() -> None:
    assert pool_of({"a": 1, "b": {"c": [1]}}) is None
    assert pool_of("text") is None
    assert not publish({"a": 1}, mmap.mmap(-1, 64))
    assert bulk({"a": [1], "b": [1, 2], "c": 3}) == ("b", [1, 2])


# ---------------------------------------------------------------- the CLI, big enough to fork

def _big_pair(folder: Path, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    source = [{"id": f"r{i:06d}", "on": rng.random() < 0.5, "n": rng.randint(0, 9), "w": rng.random() * 100,
               "tags": ["a", "b"][: rng.randint(0, 2)], "text": "x" * rng.randint(0, 60)} for i in range(40_000)]
    target = _edited(source, rng)
    target.sort(key=lambda record: str(record.get("id")))
    paths = folder / "source.json", folder / "target.json"
    for path, records in zip(paths, (source, target)):
        path.write_bytes(orjson.dumps({"records": records, "version": seed}, option=orjson.OPT_INDENT_2))
    assert paths[1].stat().st_size >= _MIN_BYTES
    return paths


def _one_process(source: Path, target: Path) -> str:
    result = diff_documents(load_document(str(source)), load_document(str(target)), DiffOptions())
    return to_json(diff_report(result, str(source), str(target)))


_PARSE_BOTH = """
import sys, orjson
from nervsync_cli.files import load_document, read_input
from nervsync_cli.split_load import parse_both
source, target = parse_both(read_input(sys.argv[1]), read_input(sys.argv[2]))
shared = {id(record) for record in source.data["records"]} & {id(record) for record in target.data["records"]}
alone = load_document(sys.argv[2])
print(len(shared), orjson.dumps(target.data) == orjson.dumps(alone.data), target.text == alone.text)
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
def test_the_child_hands_over_target_sharing_source_records(tmp_path: Path) -> None:
    source, target = _big_pair(tmp_path, 3)
    # A process of its own: the test runner has threads, and the split never forks beside threads.
    done = subprocess.run([sys.executable, "-c", _PARSE_BOTH, str(source), str(target)],
                          capture_output=True, text=True, check=True)
    shared, same_data, same_text = done.stdout.split()
    assert int(shared) > 20_000
    assert same_data == same_text == "True"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
def test_cli_diff_of_big_files_is_the_one_process_diff(
        tmp_path: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    source, target = _big_pair(tmp_path, 7)
    result = run_cli("diff", str(source), str(target), "-o", "json")
    assert result.returncode == 1, result.stderr
    assert result.stdout == _one_process(source, target)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
@pytest.mark.parametrize("spoil", [b'"version": 7', b'"n": 3'])
def test_cli_target_the_fast_path_refuses_is_loaded_exactly(
        tmp_path: Path, spoil: bytes, run_cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    source, target = _big_pair(tmp_path, 7)
    # A 65-bit integer orjson would turn into a float; or a repeated key it would silently drop.
    replacement = b'"version": 36893488147419103232' if spoil.startswith(b'"v') else b'"n": 3, "n": 4'
    target.write_bytes(target.read_bytes().replace(spoil, replacement, 1))
    result = run_cli("diff", str(source), str(target), "-o", "json")
    if spoil.startswith(b'"v'):
        assert result.returncode == 1, result.stderr
        assert result.stdout == _one_process(source, target)
        assert "36893488147419103232" in result.stdout
    else:
        assert result.returncode == 2
        assert result.stderr.startswith(f"nervsync: error: {target}:")
        assert "duplicate key 'n'" in result.stderr


# ---------------------------------------------------------------- a YAML TARGET, handed over whole

def _one_core() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _both_ways(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """The CLI as it runs here (two cores: TARGET in a child), and pinned to one core (no child)."""
    command = [sys.executable, "-m", "nervsync_cli", *args]
    split = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    alone = subprocess.run(command, capture_output=True, text=True, cwd=cwd, preexec_fn=_one_core)
    return split, alone


def _big_yaml(records: int, seed: int, *, documents: bool = False) -> str:
    rng = random.Random(seed)
    lines = []
    for i in range(records):
        if documents:
            lines.append("---")
        lead = "" if documents else "- "
        pad = "" if documents else "  "
        lines += [f"{lead}id: r{i:06d}", f"{pad}on: {'yes' if rng.random() < 0.5 else 'no'}",
                  f"{pad}n: {rng.randint(0, 9)}", f"{pad}w: {rng.choice(['.nan', '1e3', '0x1F', '2024-01-02'])}",
                  f"{pad}text: {'x' * rng.randint(100, 180)}", f"{pad}tags: [a, {rng.randint(0, 3)}]"]
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
@pytest.mark.parametrize("documents", [False, True])
def test_yaml_target_parsed_in_a_child_gives_the_one_process_diff(tmp_path: Path, documents: bool) -> None:
    source = _big_yaml(24_000, 1, documents=documents)
    target = source.replace("n: 3\n", "n: 4\n", 40).replace("x" * 179, "y" * 179, 40)
    (tmp_path / "source.yaml").write_text(source)
    (tmp_path / "target.yaml").write_text("\ufeff" + target)
    assert (tmp_path / "target.yaml").stat().st_size >= _MIN_BYTES
    split, alone = _both_ways("diff", "source.yaml", "target.yaml", "-o", "json", cwd=tmp_path)
    assert split.returncode == 1, split.stderr
    assert (split.stdout, split.stderr) == (alone.stdout, alone.stderr)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
def test_a_yaml_target_the_child_cannot_parse_gives_the_one_process_error(tmp_path: Path) -> None:
    (tmp_path / "source.json").write_text(json.dumps([{"id": "r000001"}]))
    (tmp_path / "target.yaml").write_text(_big_yaml(24_000, 2) + "- id: r1\n  id: r2\n")
    split, alone = _both_ways("diff", "source.json", "target.yaml", cwd=tmp_path)
    assert split.returncode == 2
    assert (split.stdout, split.stderr) == (alone.stdout, alone.stderr)
    assert split.stderr.startswith("nervsync: error: target.yaml:")


# ---------------------------------------------------------------- sync: TARGET in a child, the store beside the writes

def _history(folder: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / ".nervsync" / "state.db") as db:
        return db.execute("SELECT source_hash, target_hash, source_before IS NULL, target_before IS NULL, "
                          "direction, strategy FROM history").fetchall()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
@pytest.mark.parametrize("args", [("--direction", "source-to-target"), ("--strategy", "source-wins")])
def test_cli_sync_of_big_files_is_the_one_process_sync(tmp_path: Path, args: tuple[str, ...]) -> None:
    source, target = _big_pair(tmp_path, 11)
    results = []
    for how, preexec in (("split", None), ("alone", _one_core)):
        work = tmp_path / how
        work.mkdir()
        for path in (source, target):
            (work / path.name).write_bytes(path.read_bytes())
        done = subprocess.run([sys.executable, "-m", "nervsync_cli", "sync", source.name, target.name, *args,
                               "-o", "json"], capture_output=True, text=True, cwd=work, preexec_fn=preexec)
        assert done.returncode == 0, done.stderr
        files = tuple((work / path.name).read_bytes() for path in (source, target))
        results.append((done.stdout, files, _history(work)))
        assert subprocess.run([sys.executable, "-m", "nervsync_cli", "diff", source.name, target.name, "-q"],
                              cwd=work).returncode == 0
    assert results[0] == results[1]
    (report, files, history), _ = results
    written = json.loads(report)["written"]
    assert target.name in written
    direction, strategy = ("source-to-target", "merge") if "--direction" in args else ("bidirectional", "source-wins")
    # The digests, staged as placeholders while the files were written, are the files' own.
    assert history == [(hashlib.sha256(files[0]).hexdigest(), hashlib.sha256(files[1]).hexdigest(),
                        source.name not in written, False, direction, strategy)]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
def test_cli_sync_of_a_big_yaml_target_is_the_one_process_sync(tmp_path: Path) -> None:
    source = _big_yaml(24_000, 5)
    target = source.replace("n: 3\n", "n: 4\n", 40).replace("x" * 179, "y" * 179, 40)
    results = []
    for how, preexec in (("split", None), ("alone", _one_core)):
        work = tmp_path / how
        work.mkdir()
        (work / "source.yaml").write_text(source)
        (work / "target.yaml").write_text("# deployed\n" + target)
        assert (work / "target.yaml").stat().st_size >= _MIN_BYTES
        done = subprocess.run([sys.executable, "-m", "nervsync_cli", "sync", "source.yaml", "target.yaml",
                               "--direction", "source-to-target", "-o", "json"],
                              capture_output=True, text=True, cwd=work, preexec_fn=preexec)
        assert done.returncode == 0, done.stderr
        results.append((done.stdout, (work / "target.yaml").read_text(), _history(work)))
    assert results[0] == results[1]
    assert results[0][1].startswith("# deployed\n")  # the comment is kept: the file was spliced, not dumped
    assert results[0][1].count("n: 3\n") == source.count("n: 3\n")


def test_the_progress_display_starts_no_thread_before_its_first_stage() -> None:
    # The split forks only a one-thread process: a display waiting to appear must not be a thread yet.
    before = threading.active_count()
    with StageProgress(enabled=True) as progress:
        assert threading.active_count() == before
        progress("loading")
        assert threading.active_count() == before + 1


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
def test_cli_diff_of_big_files_on_a_terminal_is_the_one_process_diff(tmp_path: Path) -> None:
    source, target = _big_pair(tmp_path, 13)
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "nervsync_cli", "diff", str(source), str(target), "-o", "json"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, close_fds=True)
    os.close(slave)
    report, _ = process.communicate(timeout=120)
    os.close(master)
    assert process.returncode == 1
    assert report.decode() == _one_process(source, target)


# ---------------------------------------------------------------- a CSV TARGET, handed over whole

def _big_csv(rows: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = ["id,n,w,flag,text"]
    lines += [f"r{i:06d},{rng.randint(0, 9)},{rng.choice(['1.50', '-0', '1e3', ''])},{rng.choice(['true', 'no'])},"
              f"\"{'x' * rng.randint(100, 180)}, quoted\"" for i in range(rows)]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
@pytest.mark.parametrize("coerce", [[], ["--coerce"]])
def test_a_csv_target_parsed_in_a_child_gives_the_one_process_diff_and_sync(tmp_path: Path,
                                                                          coerce: list[str]) -> None:
    source = _big_csv(26_000, 3)
    target = source.replace(",3,", ",4,", 50).replace("x" * 179, "y" * 179, 50)
    (tmp_path / "source.csv").write_text(source)
    (tmp_path / "target.csv").write_text(target)
    assert (tmp_path / "target.csv").stat().st_size >= _MIN_BYTES
    split, alone = _both_ways("diff", "--engine", "python", "source.csv", "target.csv", "-o", "json", *coerce,
                              cwd=tmp_path)
    assert split.returncode == 1, split.stderr
    assert (split.stdout, split.stderr) == (alone.stdout, alone.stderr)
    results = []
    for how, preexec in (("split", None), ("alone", _one_core)):
        work = tmp_path / how
        work.mkdir()
        for name in ("source.csv", "target.csv"):
            (work / name).write_bytes((tmp_path / name).read_bytes())
        done = subprocess.run([sys.executable, "-m", "nervsync_cli", "sync", "source.csv", "target.csv",
                               "--direction", "source-to-target", "-o", "json", *coerce],
                              capture_output=True, text=True, cwd=work, preexec_fn=preexec)
        assert done.returncode == 0, done.stderr
        results.append((done.stdout, (work / "target.csv").read_bytes(), _history(work)))
    assert results[0] == results[1]
    assert results[0][1] == source.encode()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the split needs a second core")
def test_a_three_way_sync_of_big_files_is_the_one_process_sync(tmp_path: Path) -> None:
    source, _ = _big_pair(tmp_path, 17)
    results = []
    for how, preexec in (("split", None), ("alone", _one_core)):
        work = tmp_path / how
        work.mkdir()
        for name in ("source.json", "target.json"):
            (work / name).write_bytes(source.read_bytes())
        command = [sys.executable, "-m", "nervsync_cli", "sync", "source.json", "target.json", "-o", "json"]
        assert subprocess.run(command, capture_output=True, cwd=work, preexec_fn=preexec).returncode == 0
        # Each side edits other fields of the same records since the stored base: a clean merge.
        for name, field, value in (("source.json", "n", 100), ("target.json", "text", "edited")):
            document = orjson.loads((work / name).read_bytes())
            for record in document["records"][::7]:
                record[field] = value
            (work / name).write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
        done = subprocess.run(command, capture_output=True, text=True, cwd=work, preexec_fn=preexec)
        assert done.returncode == 0, done.stderr
        results.append((done.stdout, (work / "source.json").read_bytes(), (work / "target.json").read_bytes()))
    assert results[0] == results[1]
    merged = orjson.loads(results[0][1])["records"][::7]
    assert all(record["n"] == 100 and record["text"] == "edited" for record in merged)
