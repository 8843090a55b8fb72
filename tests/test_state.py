"""Base state, history, undo, the pair lock, and crash safety of sync (real CLI, real files)."""

from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
GEN = REPO.parent / "shared" / "bench" / "gen_data.py"


def nervsync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nervsync_cli", *args], capture_output=True, text=True, cwd=cwd)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


RECORDS = {"records": [{"id": 1, "name": "a", "port": 80, "tags": ["x"]},
                       {"id": 2, "name": "b", "port": 443, "tags": []}]}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    source, target = tmp_path / "source.json", tmp_path / "target.json"
    write_json(source, RECORDS)
    write_json(target, RECORDS)
    return source, target


def test_second_sync_merges_edits_to_different_fields_then_undo_restores(tmp_path: Path,
                                                                         pair: tuple[Path, Path]) -> None:
    source, target = pair
    assert nervsync("sync", source.name, target.name, cwd=tmp_path).returncode == 0  # stores the base
    s_data = json.loads(source.read_text())
    s_data["records"][0]["port"] = 8080
    write_json(source, s_data)
    t_data = json.loads(target.read_text())
    t_data["records"][0]["name"] = "alpha"
    t_data["records"][1]["tags"] = ["new"]
    write_json(target, t_data)
    before = source.read_bytes(), target.read_bytes()

    second = nervsync("sync", source.name, target.name, cwd=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    merged = json.loads(source.read_text())
    assert merged == json.loads(target.read_text())
    assert merged["records"][0] == {"id": 1, "name": "alpha", "port": 8080, "tags": ["x"]}
    assert merged["records"][1]["tags"] == ["new"]

    history = json.loads(nervsync("history", "--output", "json", cwd=tmp_path).stdout)
    assert len(history["runs"]) == 2
    assert nervsync("undo", cwd=tmp_path).returncode == 0
    assert (source.read_bytes(), target.read_bytes()) == before


def test_deletion_on_one_side_propagates_with_a_base(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    source, target = pair
    assert nervsync("sync", source.name, target.name, cwd=tmp_path).returncode == 0
    write_json(target, {"records": [RECORDS["records"][0]]})
    assert nervsync("sync", source.name, target.name, cwd=tmp_path).returncode == 0
    assert [r["id"] for r in json.loads(source.read_text())["records"]] == [1]


def test_delete_modify_is_a_conflict_and_writes_nothing(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    source, target = pair
    assert nervsync("sync", source.name, target.name, cwd=tmp_path).returncode == 0
    write_json(target, {"records": [RECORDS["records"][0]]})
    s_data = json.loads(source.read_text())
    s_data["records"][1]["port"] = 8443
    write_json(source, s_data)
    before = source.read_bytes(), target.read_bytes()
    result = nervsync("sync", source.name, target.name, "--output", "json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [(c["path"], c["kind"]) for c in report["conflicts"]] == [("records[id=2]", "delete-modify")]
    assert (source.read_bytes(), target.read_bytes()) == before


def test_undo_refuses_when_a_file_changed_since(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    source, target = pair
    write_json(target, {"records": RECORDS["records"][:1]})
    assert nervsync("sync", source.name, target.name, cwd=tmp_path).returncode == 0
    target.write_text(target.read_text() + " ")
    edited = target.read_bytes()
    refused = nervsync("undo", cwd=tmp_path)
    assert refused.returncode == 2
    assert "changed since" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert target.read_bytes() == edited
    assert nervsync("undo", "--force", cwd=tmp_path).returncode == 0
    assert json.loads(target.read_text()) == {"records": RECORDS["records"][:1]}


def test_history_keeps_only_the_files_a_sync_wrote(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    source, target = pair
    write_json(target, {"records": RECORDS["records"][:1]})
    before = source.read_bytes(), target.read_bytes()
    assert nervsync("sync", source.name, target.name, "--direction", "source-to-target", cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / ".nervsync" / "state.db") as db:
        kept = db.execute("SELECT source_before, target_before FROM history").fetchall()
    assert kept == [(None, before[1])]  # SOURCE was only read: undo has nothing of it to restore
    source.write_text(source.read_text() + " ")  # an edit after the run, to a file the run never wrote
    edited = source.read_bytes()
    undo = nervsync("undo", cwd=tmp_path)
    assert undo.returncode == 0
    assert undo.stderr.endswith(f"restored {target}\n")
    assert (source.read_bytes(), target.read_bytes()) == (edited, before[1])


def test_explicit_base_overrides_the_store_and_no_state_stores_nothing(tmp_path: Path,
                                                                        pair: tuple[Path, Path]) -> None:
    source, target = pair
    base = tmp_path / "base.json"
    write_json(base, RECORDS)
    s_data = json.loads(source.read_text())
    s_data["records"][0]["port"] = 1
    write_json(source, s_data)
    t_data = json.loads(target.read_text())
    t_data["records"][1]["port"] = 2
    write_json(target, t_data)
    result = nervsync("sync", source.name, target.name, "--base", base.name, "--no-state", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert json.loads(source.read_text()) == json.loads(target.read_text())
    assert not (tmp_path / ".nervsync").exists()


def test_a_second_sync_of_the_same_pair_waits_then_refuses(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    source, target = pair
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from nervsync_cli.state import pair_id, pair_lock\n"
         "with pair_lock('.nervsync/state.db', pair_id(sys.argv[1], sys.argv[2])):\n"
         "    print('held', flush=True); time.sleep(60)",
         source.name, target.name],
        cwd=tmp_path, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        env_check = subprocess.run(
            [sys.executable, "-c",
             "import sys; from nervsync_cli.state import pair_id, pair_lock\n"
             "from nervsync_cli.errors import RefusedError\n"
             "try:\n"
             "    with pair_lock('.nervsync/state.db', pair_id(sys.argv[1], sys.argv[2]), wait=0.2): pass\n"
             "except RefusedError as e: print('refused:', e)",
             source.name, target.name],
            cwd=tmp_path, capture_output=True, text=True,
        )
        assert env_check.stdout.startswith("refused: another sync")
    finally:
        holder.kill()
        holder.wait()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(not GEN.exists(), reason="../shared/bench/gen_data.py is absent")
def test_sigkill_during_sync_leaves_each_file_old_or_new_and_the_store_consistent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run([sys.executable, str(GEN), "--out", str(data), "--sizes", "5000", "--formats", "json"],
                   check=True, capture_output=True)
    originals = data / "5000"
    # The bytes a completed sync produces, to tell "new" from "half written".
    done = tmp_path / "done"
    done.mkdir()
    for name in ("source.json", "target.json"):
        (done / name).write_bytes((originals / name).read_bytes())
    args = ["sync", "source.json", "target.json", "--strategy", "source-wins", "-q"]
    assert nervsync(*args, cwd=done).returncode == 0
    new = {name: _digest(done / name) for name in ("source.json", "target.json")}
    old = {name: _digest(originals / name) for name in ("source.json", "target.json")}

    outcomes = set()
    for delay in (0.2, 0.5, 0.8, 1.1, 1.4, 1.8, 2.4, 3.5):
        work = tmp_path / f"kill-{delay}"
        work.mkdir()
        for name in ("source.json", "target.json"):
            (work / name).write_bytes((originals / name).read_bytes())
        proc = subprocess.Popen([sys.executable, "-m", "nervsync_cli", *args], cwd=work,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        states = tuple("new" if _digest(work / n) == new[n] else "old" if _digest(work / n) == old[n] else "torn"
                       for n in ("source.json", "target.json"))
        assert "torn" not in states
        db = work / ".nervsync" / "state.db"
        if db.exists():
            with sqlite3.connect(db) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                # Killed before the schema was made: an empty store, which the next run creates.
                runs = conn.execute("SELECT source_hash, target_hash FROM history").fetchall() \
                    if "history" in tables else []
            # A recorded run is only ever one whose files were both written.
            for source_hash, target_hash in runs:
                assert (source_hash, target_hash) == (new["source.json"], new["target.json"])
                assert states == ("new", "new")
        # Whatever the kill left, a rerun completes the sync.
        assert nervsync(*args, cwd=work).returncode == 0
        assert nervsync("diff", "source.json", "target.json", "-q", cwd=work).returncode == 0
        outcomes.add(states)
    assert ("old", "old") in outcomes or ("new", "new") in outcomes


def test_history_and_merge_json_match_their_published_schemas(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    import jsonschema

    source, target = pair
    write_json(target, {"records": RECORDS["records"][:1]})
    assert nervsync("sync", source.name, target.name, cwd=tmp_path).returncode == 0
    history = json.loads(nervsync("history", "--output", "json", cwd=tmp_path).stdout)
    jsonschema.validate(history, json.loads((REPO / "schemas" / "history.schema.json").read_text()))

    write_json(tmp_path / "base.json", {"v": 1, "w": 1})
    write_json(tmp_path / "ours.json", {"v": 2, "w": 1})
    write_json(tmp_path / "theirs.json", {"v": 3, "w": 2})
    merged = nervsync("merge", "base.json", "ours.json", "theirs.json", "--output", "json", cwd=tmp_path)
    assert merged.returncode == 1
    report = json.loads(merged.stdout)
    jsonschema.validate(report, json.loads((REPO / "schemas" / "merge.schema.json").read_text()))
    assert [c["path"] for c in report["conflicts"]] == ["v"]


def test_match_pairs_records_numbered_differently_and_lists_the_pairs(tmp_path: Path) -> None:
    crm = tmp_path / "crm.json"
    shop = tmp_path / "shop.json"
    write_json(crm, {"people": [{"id": 1, "email": "ada@example.com", "phone": "1"},
                                {"id": 2, "email": "bob@example.com", "phone": "2"}]})
    write_json(shop, {"people": [{"id": 501, "email": "bob@example.com", "city": "Oslo"},
                                 {"id": 502, "email": "cy@example.com", "city": "Rome"}]})
    result = nervsync("sync", crm.name, shop.name, "--match", "email", "--ignore", "people[*].id",
                      "--output", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["matched"] == [{"path": "people[email=bob@example.com]", "source": {"id": 2},
                                  "target": {"id": 501}}]
    people = {p["email"]: p for p in json.loads(shop.read_text())["people"]}
    assert sorted(people) == ["ada@example.com", "bob@example.com", "cy@example.com"]  # merged, not duplicated
    assert people["bob@example.com"] == {"id": 501, "email": "bob@example.com", "city": "Oslo", "phone": "2"}
