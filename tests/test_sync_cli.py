"""``nervsync sync`` end to end: the real CLI in a subprocess on copies of real files.

Directions, strategies, conflicts and resolutions files, reports (table, JSON against
schemas/sync.schema.json), events, --path/--ignore/--map, cross-format syncs and the guards.
Format preservation of the written files is in test_sync_writes.py; the library in
test_sync_library.py; generated-document properties in test_sync_properties.py.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from nervsync_cli.diff import diff_documents
from nervsync_cli.files import load_document
from nervsync_cli.model import DiffOptions
from nervsync_cli.paths import parse_path, parse_pattern

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SCHEMA = REPO / "schemas" / "sync.schema.json"

RunCli = Callable[..., subprocess.CompletedProcess[str]]

OLD, NEW = 1_600_000_000, 1_700_000_000  # file times set with os.utime: NEW is the newer one


def _inventory(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the inventory fixtures: YAML source with comments, JSON target."""
    source = tmp_path / "inventory-source.yaml"
    target = tmp_path / "inventory-target.json"
    shutil.copyfile(FIXTURES / "inventory-source.yaml", source)
    shutil.copyfile(FIXTURES / "inventory-target.json", target)
    return source, target


def _bytes(*paths: Path) -> list[bytes]:
    return [path.read_bytes() for path in paths]


def _records(path: Path) -> dict[str, dict[str, Any]]:
    """The ``records`` of a file by id, read with an independent parser."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return {record["id"]: record for record in data["records"]}


def _validate(report: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)


def _library_diff(source: Path, target: Path, **kwargs: Any) -> list[Any]:
    """What ``nervsync diff`` would report, in process (the CLI's own diff is run in the matrix test)."""
    return diff_documents(load_document(str(source)), load_document(str(target)), **kwargs).changes


def _assert_schema_rejects_broken_copies(report: dict[str, Any]) -> None:
    """The schema is not vacuous: small corruptions of a real report fail validation."""
    value_conflict = next(i for i, c in enumerate(report["conflicts"]) if c["resolution"] == "value")
    set_op = next(i for i, op in enumerate(report["applied"]["target"]) if op["op"] == "set")
    breakages: list[Callable[[dict[str, Any]], object]] = [
        lambda r: r.pop("written"),
        lambda r: r.update(schema_version=2),
        lambda r: r["conflicts"][0].update(resolution="both"),
        lambda r: r["conflicts"][value_conflict].pop("value"),
        lambda r: r["applied"]["target"][set_op].pop("old"),
        lambda r: r["applied"]["source"].append({"op": "move", "path": "x"}),
        lambda r: r["conflicts"][0].update(source_time="2024-01-01T00:00:00Z"),
    ]
    for breakage in breakages:
        broken = json.loads(json.dumps(report))
        breakage(broken)
        with pytest.raises(jsonschema.ValidationError):
            _validate(broken)


def _events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _run_events(events: list[dict[str, Any]], run_id: str) -> list[dict[str, Any]]:
    return [event for event in events if event["run_id"] == run_id]


def _assert_events_account_for(events: list[dict[str, Any]], report: dict[str, Any]) -> None:
    """One item event per reported change, one conflict event per reported conflict, in one run."""
    run_ids = {event["run_id"] for event in events}
    assert len(run_ids) == 1
    for event in events:
        # Timestamps are ISO 8601 with a zone (Z): a naive time would have no utcoffset.
        assert datetime.fromisoformat(event["time"].replace("Z", "+00:00")).utcoffset() is not None
    kinds = [event["event"] for event in events]
    assert kinds[0] == "sync.started"
    assert kinds[-1] in ("sync.completed", "sync.failed")
    items = sorted((e["side"], e["path"], e["event"]) for e in events if e["event"].startswith("item."))
    verbs = {"add": "item.created", "set": "item.updated", "remove": "item.deleted"}
    expected = sorted((side, op["path"], verbs[op["op"]]) for side in ("source", "target")
                      for op in report["applied"][side])
    assert items == expected
    detected = [e["path"] for e in events if e["event"] == "conflict.detected"]
    assert detected == [conflict["path"] for conflict in report["conflicts"]]
    resolved = {e["path"]: e["resolution"] for e in events if e["event"] == "conflict.resolved"}
    assert resolved == {c["path"]: c["resolution"] for c in report["conflicts"] if c["resolution"]}


# ---------------------------------------------------------------------------------------------
# Every direction × strategy on the real fixtures: in sync afterwards, or exit 1 and untouched.
# ---------------------------------------------------------------------------------------------

DIRECTIONS = ["source-to-target", "target-to-source", "bidirectional"]
STRATEGIES = ["source-wins", "target-wins", "last-update-wins", "merge", "manual"]
# Which side's value a decided conflict keeps; merge and manual (no terminal) decide nothing.
WINNER = {"source-wins": "source", "target-wins": "target", "last-update-wins": "source"}


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_every_direction_and_strategy_ends_in_sync_or_writes_nothing(
    run_cli: RunCli, tmp_path: Path, direction: str, strategy: str
) -> None:
    source, target = _inventory(tmp_path)
    os.utime(source, (NEW, NEW))  # last-update-wins falls back to the files' times: SOURCE is newer
    os.utime(target, (OLD, OLD))
    before = _bytes(source, target)
    events = tmp_path / "events.jsonl"
    result = run_cli("sync", str(source), str(target), "--direction", direction, "--strategy", strategy,
                     "--events", str(events), "--output", "json")
    report = json.loads(result.stdout)
    _validate(report)
    _assert_events_account_for(_events(events), report)

    if direction == "bidirectional" and strategy not in WINNER:
        # merge has no base to tell which side changed; manual without a terminal cannot ask.
        assert result.returncode == 1, result.stderr
        assert _bytes(source, target) == before
        assert report["unresolved"] == 3
        assert report["written"] == []
        assert all(c["resolution"] is None and c["reason"].startswith(strategy) for c in report["conflicts"])
        assert _events(events)[-1]["event"] == "sync.failed"
        return
    assert result.returncode == 0, result.stderr
    assert report["unresolved"] == 0
    # `nervsync diff` of the two results: nothing left to sync.
    check = run_cli("diff", str(source), str(target))
    assert check.returncode == 0, check.stdout

    if direction == "source-to-target":
        # SOURCE is untouched: same bytes, and not even rewritten (its time is still the one set).
        assert source.read_bytes() == before[0]
        assert source.stat().st_mtime == NEW
        assert report["applied"]["source"] == []
        assert report["written"] == [str(target)]
        assert set(_records(target)) == {"sw-ams-01", "fw-fra-01", "lb-lon-02"}
    elif direction == "target-to-source":
        assert target.read_bytes() == before[1]
        assert target.stat().st_mtime == OLD
        assert report["applied"]["target"] == []
        assert report["written"] == [str(source)]
        assert set(_records(source)) == {"sw-ams-01", "fw-fra-01", "rtr-waw-01"}
    else:
        # No base: each side receives what only the other has, nothing is deleted.
        everything = {"sw-ams-01", "fw-fra-01", "lb-lon-02", "rtr-waw-01"}
        assert set(_records(source)) == everything
        assert set(_records(target)) == everything
        assert all(op["op"] != "remove" for side in ("source", "target") for op in report["applied"][side])
        winner = WINNER[strategy]
        expected = {"source": "11.1.2-h3", "target": "11.0.4"}[winner]
        for side in (source, target):
            assert _records(side)["fw-fra-01"]["os_version"] == expected
        assert {c["resolution"] for c in report["conflicts"]} == {winner}


def test_dry_run_shows_the_plan_and_never_changes_a_byte(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    os.utime(source, (OLD, OLD))
    os.utime(target, (OLD, OLD))
    before = _bytes(source, target)
    # Bidirectional with a deciding strategy: without --dry-run both files would be written.
    result = run_cli("sync", str(source), str(target), "--strategy", "source-wins", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "to apply to source" in result.stdout
    assert "to apply to target" in result.stdout
    assert "dry run: nothing was written" in result.stdout
    assert _bytes(source, target) == before
    assert source.stat().st_mtime == OLD
    assert target.stat().st_mtime == OLD


def test_one_way_no_delete_keeps_and_no_create_skips(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    kept = run_cli("sync", str(source), str(target), "--direction", "source-to-target", "--no-delete")
    assert kept.returncode == 0, kept.stderr
    # rtr-waw-01 exists only in TARGET: --no-delete keeps it; the rest follows SOURCE.
    assert set(_records(target)) == {"sw-ams-01", "fw-fra-01", "lb-lon-02", "rtr-waw-01"}
    assert _records(target)["fw-fra-01"]["os_version"] == "11.1.2-h3"

    source, target = _inventory(tmp_path)
    skipped = run_cli("sync", str(source), str(target), "--direction", "target-to-source", "--no-create")
    assert skipped.returncode == 0, skipped.stderr
    # rtr-waw-01 is new to SOURCE: --no-create skips it, lb-lon-02 (only in SOURCE) is deleted.
    assert set(_records(source)) == {"sw-ams-01", "fw-fra-01"}
    assert _records(source)["fw-fra-01"]["location"]["rack"] == "R04"


# ---------------------------------------------------------------------------------------------
# Conflicts: the table, --conflicts-out / --resolutions, manual.
# ---------------------------------------------------------------------------------------------


def test_unresolved_conflicts_print_the_table_exit_1_and_write_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    before = _bytes(source, target)
    result = run_cli("sync", str(source), str(target), env={"COLUMNS": "250"})
    assert result.returncode == 1
    assert _bytes(source, target) == before
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "path" in line and "resolution" in line)
    for column in ("path", "source", "target", "resolution", "why"):
        assert column in header
    # Timestamp columns appear only when last-update-wins read times.
    assert "source time" not in header
    row = next(line for line in lines if "records[id=fw-fra-01].os_version" in line)
    for cell in ('"11.1.2-h3"', '"11.0.4"', "unresolved", "no base"):
        assert cell in row
    assert "3 unresolved conflicts: nothing was written" in result.stdout
    # The changes that would have been made are still listed per side.
    assert "to apply to source" in result.stdout
    assert "to apply to target" in result.stdout


def test_conflicts_out_edited_and_passed_back_as_resolutions(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    conflicts = tmp_path / "conflicts.json"
    first = run_cli("sync", str(source), str(target), "--conflicts-out", str(conflicts))
    assert first.returncode == 1
    saved = json.loads(conflicts.read_text(encoding="utf-8"))
    by_path = {item["path"]: item for item in saved["conflicts"]}
    assert set(by_path) == {"records[id=sw-ams-01].tags", "records[id=fw-fra-01].os_version",
                            "records[id=fw-fra-01].location.rack"}
    assert all(item["resolution"] is None for item in saved["conflicts"])
    # What a user does: pick a side for two conflicts and type a value for the third.
    by_path["records[id=sw-ams-01].tags"]["resolution"] = "target"
    by_path["records[id=fw-fra-01].os_version"]["resolution"] = "source"
    by_path["records[id=fw-fra-01].location.rack"].update(resolution="value", value="R99")
    conflicts.write_text(json.dumps(saved, indent=2), encoding="utf-8")

    second = run_cli("sync", str(source), str(target), "--resolutions", str(conflicts), "--output", "json")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    _validate(report)
    assert {c["reason"] for c in report["conflicts"]} == {"resolutions file"}
    _assert_schema_rejects_broken_copies(report)
    for side in (source, target):
        records = _records(side)
        assert records["sw-ams-01"]["tags"] == ["prod", "critical", "bgp"]
        assert records["fw-fra-01"]["os_version"] == "11.1.2-h3"
        assert records["fw-fra-01"]["location"]["rack"] == "R99"
    assert not _library_diff(source, target)


def test_a_partial_resolutions_file_leaves_the_rest_unresolved(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    before = _bytes(source, target)
    resolutions = tmp_path / "resolutions.json"
    resolutions.write_text(json.dumps([{"path": "records[id=sw-ams-01].tags", "resolution": "source"}]),
                           encoding="utf-8")
    result = run_cli("sync", str(source), str(target), "--resolutions", str(resolutions), "--output", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["unresolved"] == 2
    assert _bytes(source, target) == before


def test_manual_on_a_terminal_asks_for_each_conflict(tmp_path: Path) -> None:
    import pty
    import select

    source, target = _inventory(tmp_path)
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "dumb", "COLUMNS": "200"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "nervsync_cli", "sync", str(source), str(target), "--strategy", "manual"],
        stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, cwd=tmp_path,
    )
    os.close(slave)
    # Conflicts come in plan order: tags, os_version, rack. Keep source, keep target, type a value.
    answers = iter([b"s\n", b"t\n", b"e\n", b'"R99"\n'])
    output = b""
    prompts = 0
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        # Answer each prompt once it has been printed (a prompt ends with "): ").
        while output.count(b"): ") > prompts:
            prompts += 1
            os.write(master, next(answers, b"k\n"))
    os.close(master)
    assert process.wait(timeout=60) == 0, output.decode("utf-8", "replace")
    for side in (source, target):
        records = _records(side)
        assert records["sw-ams-01"]["tags"] == ["prod", "critical"]
        assert records["fw-fra-01"]["os_version"] == "11.0.4"
        assert records["fw-fra-01"]["location"]["rack"] == "R99"


# ---------------------------------------------------------------------------------------------
# last-update-wins: record timestamps, file times, ties.
# ---------------------------------------------------------------------------------------------


def _timestamped(tmp_path: Path, source_rows: list[dict[str, Any]], target_rows: list[dict[str, Any]]
                 ) -> tuple[Path, Path]:
    source, target = tmp_path / "source.json", tmp_path / "target.json"
    source.write_text(json.dumps({"records": source_rows}, indent=2) + "\n", encoding="utf-8")
    target.write_text(json.dumps({"records": target_rows}, indent=2) + "\n", encoding="utf-8")
    return source, target


def test_last_update_wins_follows_record_timestamps(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _timestamped(
        tmp_path,
        [{"id": 1, "title": "new in source", "updated_at": "2024-05-02T10:00:00Z"},
         {"id": 2, "title": "old in source", "updated_at": "2024-05-01T10:00:00+02:00"}],
        [{"id": 1, "title": "old in target", "updated_at": "2024-05-01T10:00:00Z"},
         {"id": 2, "title": "new in target", "updated_at": "2024-05-01T09:00:00Z"}],
    )
    # The file times say the opposite; record timestamps take precedence.
    os.utime(source, (OLD, OLD))
    os.utime(target, (NEW, NEW))
    result = run_cli("sync", str(source), str(target), "--strategy", "last-update-wins", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stdout + result.stderr
    # Timestamps are shown in the conflict table when they decided.
    assert "source time" in result.stdout
    assert "2024-05-02T10:00:00Z" in result.stdout
    for side in (source, target):
        titles = {r["id"]: r["title"] for r in json.loads(side.read_text(encoding="utf-8"))["records"]}
        assert titles == {1: "new in source", 2: "new in target"}


def test_last_update_wins_reads_epoch_times_from_the_named_field(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _timestamped(
        tmp_path,
        [{"id": 1, "title": "a", "changed_on": 1_700_000_000, "updated_at": "2030-01-01T00:00:00Z"}],
        [{"id": 1, "title": "b", "changed_on": 1_700_000_000_500, "updated_at": "2020-01-01T00:00:00Z"}],
    )
    # --timestamp-field overrides auto-detection (updated_at would pick SOURCE); milliseconds work.
    result = run_cli("sync", str(source), str(target), "--strategy", "last-update-wins",
                     "--timestamp-field", "changed_on", "--output", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    _validate(report)
    title = next(c for c in report["conflicts"] if c["path"] == "records[id=1].title")
    assert title["resolution"] == "target"
    assert title["source_time"] == "2023-11-14T22:13:20Z"
    assert json.loads(source.read_text(encoding="utf-8"))["records"][0]["title"] == "b"


def test_last_update_wins_falls_back_to_file_times(run_cli: RunCli, tmp_path: Path) -> None:
    # The matrix test covers a newer SOURCE file; here TARGET's file is the newer one.
    source, target = _inventory(tmp_path)
    winner = "target"
    os.utime(source, (OLD, OLD))
    os.utime(target, (NEW, NEW))
    result = run_cli("sync", str(source), str(target), "--strategy", "last-update-wins", "--output", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {c["resolution"] for c in report["conflicts"]} == {winner}
    assert all("file modification times" in c["reason"] for c in report["conflicts"])
    assert all(c["source_time"] and c["target_time"] for c in report["conflicts"])
    expected = {"source": "R03", "target": "R04"}[winner]
    assert _records(source)["fw-fra-01"]["location"]["rack"] == expected
    assert _records(target)["fw-fra-01"]["location"]["rack"] == expected


def test_last_update_wins_tie_is_an_unresolved_conflict(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    os.utime(source, (NEW, NEW))
    os.utime(target, (NEW, NEW))
    before = _bytes(source, target)
    result = run_cli("sync", str(source), str(target), "--strategy", "last-update-wins", "--output", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["unresolved"] == 3
    assert all("tie" in c["reason"] for c in report["conflicts"])
    assert _bytes(source, target) == before


# ---------------------------------------------------------------------------------------------
# Where results go: in place, --source-out/--target-out, stdout; untouched files stay untouched.
# ---------------------------------------------------------------------------------------------


def test_out_options_write_elsewhere_and_leave_the_inputs_alone(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    before = _bytes(source, target)
    source_out = tmp_path / "out" / "source.yaml"
    source_out.parent.mkdir()
    result = run_cli("sync", str(source), str(target), "--strategy", "target-wins",
                     "--source-out", str(source_out), "--target-out", "-")
    assert result.returncode == 0, result.stderr
    assert _bytes(source, target) == before
    # TARGET's result is the whole of stdout; the human report moved to stderr.
    new_target = json.loads(result.stdout)
    assert {r["id"] for r in new_target["records"]} == {"sw-ams-01", "fw-fra-01", "lb-lon-02", "rtr-waw-01"}
    assert "wrote" in result.stderr
    assert _records(source_out)["fw-fra-01"]["os_version"] == "11.0.4"
    (tmp_path / "target-out.json").write_text(result.stdout, encoding="utf-8")
    assert not _library_diff(source_out, tmp_path / "target-out.json")


def test_both_outputs_on_stdout_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    result = run_cli("sync", str(source), str(target), "--source-out", "-", "--target-out", "-")
    assert result.returncode == 2
    assert "standard output" in result.stderr


def test_files_already_in_sync_are_not_rewritten(run_cli: RunCli, tmp_path: Path) -> None:
    # The matrix test checks the giving side of one-way syncs; here neither side has changes.
    source, target = tmp_path / "source.yaml", tmp_path / "target.json"
    shutil.copyfile(FIXTURES / "inventory-source.yaml", source)
    target.write_text(json.dumps(yaml.safe_load(source.read_text(encoding="utf-8"))), encoding="utf-8")
    os.utime(source, (OLD, OLD))
    os.utime(target, (OLD, OLD))
    inodes = source.stat().st_ino, target.stat().st_ino
    result = run_cli("sync", str(source), str(target), "--strategy", "source-wins")
    assert result.returncode == 0, result.stderr
    assert "already in sync" in result.stdout
    assert source.stat().st_mtime == OLD
    assert target.stat().st_mtime == OLD
    assert (source.stat().st_ino, target.stat().st_ino) == inodes


# ---------------------------------------------------------------------------------------------
# Scope: --path, --ignore, --source-path/--target-path across formats, --map.
# ---------------------------------------------------------------------------------------------


def _block(lines: list[str], start_marker: str) -> tuple[int, int]:
    """Line range of a YAML list item: from its marker to the next item at the same indent."""
    start = lines.index(start_marker)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  - ")), len(lines))
    return start, end


def test_path_leaves_everything_outside_byte_identical(run_cli: RunCli, tmp_path: Path) -> None:
    # TARGET is the commented YAML here, so "byte-identical outside" covers comments too.
    source, target = tmp_path / "source.json", tmp_path / "target.yaml"
    shutil.copyfile(FIXTURES / "inventory-target.json", source)
    shutil.copyfile(FIXTURES / "inventory-source.yaml", target)
    old_lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target",
                     "--path", "records[id=fw-fra-01]")
    assert result.returncode == 0, result.stderr
    new_lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    start, end = _block([line.rstrip("\n") for line in old_lines], "  - id: fw-fra-01")
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    assert edits
    for _, i1, i2, _, _ in edits:
        assert start <= i1 <= i2 <= end, (start, end, edits)
    synced = _records(target)
    assert synced["fw-fra-01"]["os_version"] == "11.0.4"
    assert synced["fw-fra-01"]["location"]["rack"] == "R04"
    # Outside the path the differences remain: sw-ams-01's tags, lb-lon-02, no rtr-waw-01.
    assert synced["sw-ams-01"]["tags"] == ["prod", "critical"]
    assert set(synced) == {"sw-ams-01", "fw-fra-01", "lb-lon-02"}
    assert not _library_diff(source, target, path=parse_path("records[id=fw-fra-01]"))
    assert _library_diff(source, target)


def test_ignore_leaves_matching_paths_alone_as_in_diff(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target",
                     "--ignore", "records[*].location", "--ignore", "**.tags")
    assert result.returncode == 0, result.stderr
    synced = _records(target)
    assert synced["fw-fra-01"]["location"]["rack"] == "R04"
    assert synced["sw-ams-01"]["tags"] == ["prod", "critical", "bgp"]
    assert synced["fw-fra-01"]["os_version"] == "11.1.2-h3"
    ignored = DiffOptions(ignore=(parse_pattern("records[*].location"), parse_pattern("**.tags")))
    assert not _library_diff(source, target, options=ignored)
    assert _library_diff(source, target)


HOSTS_YAML = """\
# Hosts of the prod cluster, generated from the CMDB export.
cluster: prod   # never synced
hosts:
  - name: web-01
    address: 10.0.1.10   # renumbered in May
    role: web
    os: debian-12
    rack: R01
  - name: old-01
    address: 10.0.9.99
    role: legacy
    os: centos-7
    rack: R09
owner: "netops"
"""


def test_csv_inventory_into_a_yaml_list(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = tmp_path / "hosts.csv", tmp_path / "hosts.yaml"
    shutil.copyfile(FIXTURES / "hosts.csv", source)
    target.write_text(HOSTS_YAML, encoding="utf-8")
    csv_before = source.read_bytes()
    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target",
                     "--target-path", "hosts", "--key", "name")
    assert result.returncode == 0, result.stderr
    assert source.read_bytes() == csv_before
    text = target.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["cluster"] == "prod"
    assert data["owner"] == "netops"
    assert [h["name"] for h in data["hosts"]] == ["web-01", "web-02", "db-01", "cache-01"]
    assert data["hosts"][0]["address"] == "10.0.1.11"
    # Outside the target path nothing moved: header comment, cluster line, owner line.
    assert text.startswith("# Hosts of the prod cluster, generated from the CMDB export.\n"
                           "cluster: prod   # never synced\nhosts:\n")
    assert text.endswith('owner: "netops"\n')
    assert not _library_diff(source, target, path=(), target_path=parse_path("hosts"))


def test_yaml_list_into_a_csv_inventory_appends_new_columns(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = tmp_path / "hosts.yaml", tmp_path / "hosts.csv"
    shutil.copyfile(FIXTURES / "hosts.csv", target)
    source.write_text(
        "hosts:\n"
        "  - {name: web-01, address: 10.0.1.11, role: web, os: debian-12, rack: R01}\n"
        "  - {name: web-02, address: 10.0.1.12, role: web, os: debian-13, rack: R01, owner: alice}\n",
        encoding="utf-8",
    )
    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target",
                     "--source-path", "hosts", "--key", "name", "--no-delete")
    assert result.returncode == 0, result.stderr
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "name,address,role,os,rack,owner"
    assert lines[2] == "web-02,10.0.1.12,web,debian-13,R01,alice"
    assert lines[3].startswith("db-01,10.0.2.21,database,debian-12,R02")


def test_source_path_and_target_path_name_different_places(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = tmp_path / "source.json", tmp_path / "target.yaml"
    source.write_text(json.dumps({"data": {"servers": [{"id": "a", "cpu": 4}, {"id": "b", "cpu": 8}]},
                                  "version": 3}, indent=2) + "\n", encoding="utf-8")
    target.write_text("inventory:\n  hosts:\n    - id: a\n      cpu: 2\n    - id: c\n      cpu: 1\nversion: 1\n",
                      encoding="utf-8")
    result = run_cli("sync", str(source), str(target), "--source-path", "data.servers",
                     "--target-path", "inventory.hosts", "--strategy", "source-wins")
    assert result.returncode == 0, result.stderr
    new_source = json.loads(source.read_text(encoding="utf-8"))
    new_target = yaml.safe_load(target.read_text(encoding="utf-8"))
    by_id = {s["id"]: s["cpu"] for s in new_source["data"]["servers"]}
    assert by_id == {"a": 4, "b": 8, "c": 1}
    assert {h["id"]: h["cpu"] for h in new_target["inventory"]["hosts"]} == by_id
    # Outside the two paths each side keeps its own value.
    assert new_source["version"] == 3
    assert new_target["version"] == 1


def test_map_syncs_content_into_body(run_cli: RunCli, tmp_path: Path) -> None:
    source, target, mapping = tmp_path / "cms.yaml", tmp_path / "site.json", tmp_path / "map.yaml"
    source.write_text(
        "articles:\n"
        "  - id: 1\n    title: Hello\n    content: Updated text\n"
        "  - id: 2\n    title: Second\n    content: Brand new\n",
        encoding="utf-8",
    )
    target.write_text(json.dumps({"articles": [
        {"id": 1, "title": "Hello", "body": "Old text"},
        {"id": 3, "title": "Site only", "body": "From the site"},
    ]}, indent=2) + "\n", encoding="utf-8")
    mapping.write_text("fields:\n  content: body\n", encoding="utf-8")
    result = run_cli("sync", str(source), str(target), "--map", str(mapping), "--strategy", "source-wins",
                     "--output", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    _validate(report)
    assert {op["path"] for op in report["applied"]["target"]} == {"articles[id=1].body", "articles[id=2]"}
    site = {a["id"]: a for a in json.loads(target.read_text(encoding="utf-8"))["articles"]}
    assert site[1] == {"id": 1, "title": "Hello", "body": "Updated text"}
    assert site[2] == {"id": 2, "title": "Second", "body": "Brand new"}
    cms = {a["id"]: a for a in yaml.safe_load(source.read_text(encoding="utf-8"))["articles"]}
    # TARGET's body arrives in SOURCE as content: each side keeps its own schema.
    assert cms[3] == {"id": 3, "title": "Site only", "content": "From the site"}
    assert all("body" not in article for article in cms.values())


# ---------------------------------------------------------------------------------------------
# Events and guards.
# ---------------------------------------------------------------------------------------------


def test_events_append_one_run_per_invocation(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    events = tmp_path / "audit" / "events.jsonl"
    events.parent.mkdir()
    failed = run_cli("sync", str(source), str(target), "--events", str(events), "--output", "json")
    assert failed.returncode == 1
    ok = run_cli("sync", str(source), str(target), "--events", str(events), "--strategy", "target-wins",
                 "--output", "json")
    assert ok.returncode == 0
    lines = _events(events)
    run_ids = list(dict.fromkeys(event["run_id"] for event in lines))
    assert len(run_ids) == 2
    first, second = (_run_events(lines, run_id) for run_id in run_ids)
    _assert_events_account_for(first, json.loads(failed.stdout))
    _assert_events_account_for(second, json.loads(ok.stdout))
    assert first[-1]["event"] == "sync.failed"
    assert first[-1]["conflicts"] == 3
    # Nothing was applied in the failed run, and its item events say so.
    assert all(not e["applied"] for e in first if e["event"].startswith("item."))
    assert second[-1]["event"] == "sync.completed"
    assert sorted(second[-1]["written"]) == sorted([str(source), str(target)])
    assert all(e["applied"] for e in second if e["event"].startswith("item."))
    sides = {e["side"] for e in second if e["event"].startswith("item.")}
    assert sides == {"source", "target"}


def test_max_deletes_refuses_and_writes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    before = _bytes(source, target)
    events = tmp_path / "events.jsonl"
    refused = run_cli("sync", str(source), str(target), "--direction", "source-to-target", "--max-deletes", "0",
                      "--events", str(events))
    assert refused.returncode == 2
    assert "--max-deletes 0" in refused.stderr
    assert "nothing was written" in refused.stderr
    assert _bytes(source, target) == before
    assert _events(events)[-1]["event"] == "sync.failed"
    # One delete (rtr-waw-01) is within a limit of one.
    allowed = run_cli("sync", str(source), str(target), "--direction", "source-to-target", "--max-deletes", "1")
    assert allowed.returncode == 0, allowed.stderr
    assert "rtr-waw-01" not in _records(target)


def test_a_side_read_from_stdin_needs_an_out_option_to_be_changed(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = _inventory(tmp_path)
    before = _bytes(source, target)
    text = source.read_text(encoding="utf-8")
    # Bidirectional: SOURCE (stdin) would receive rtr-waw-01, and there is no file to put it in.
    refused = run_cli("sync", "-", str(target), "--source-format", "yaml", "--strategy", "source-wins",
                      input=text)
    assert refused.returncode == 2
    assert "--source-out" in refused.stderr
    assert _bytes(source, target) == before
    # A one-way sync into the file needs nothing written back to stdin.
    one_way = run_cli("sync", "-", str(target), "--source-format", "yaml", "--direction", "source-to-target",
                      input=text)
    assert one_way.returncode == 0, one_way.stderr
    assert set(_records(target)) == {"sw-ams-01", "fw-fra-01", "lb-lon-02"}
