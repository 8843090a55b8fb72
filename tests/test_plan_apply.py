"""Saved sync plans: ``sync --plan-out``, ``apply`` and ``show``, end to end on copies of real files.

A plan is applied exactly when both files are byte for byte as they were when it was made; any
change to either file, a plan with unresolved conflicts, or a hand-edited old value is refused
with one line and nothing written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervsync_cli.diff import as_streams, diff_documents
from nervsync_cli.errors import InputError, RefusedError
from nervsync_cli.files import load_document
from nervsync_cli.model import MISSING, Op, OpKind, SyncDirection, SyncOptions
from nervsync_cli.paths import Field, Index, Match, format_path
from nervsync_cli.planfile import (
    apply_plan,
    dump_plan,
    load_plan,
    make_plan_file,
    op_to_dict,
    plan_from_dict,
    plan_to_dict,
)
from nervsync_cli.sync import sync_documents

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SCHEMA = json.loads((REPO / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def _validate(plan: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(plan)


def _copies(tmp_path: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        shutil.copyfile(FIXTURES / name, tmp_path / name)
        paths.append(tmp_path / name)
    return paths


def _bytes(*paths: Path) -> list[bytes]:
    return [path.read_bytes() for path in paths]


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nervsync: error: ")
    return lines[0]


def _plan(run_cli: RunCli, source: Path, target: Path, *args: str, code: int = 0) -> Path:
    plan = source.parent / "plan.json"
    before = _bytes(source, target)
    result = run_cli("sync", source.name, target.name, "--plan-out", plan.name, *args, cwd=source.parent)
    assert result.returncode == code, result.stderr
    assert _bytes(source, target) == before  # planning writes nothing but the plan
    data = json.loads(plan.read_text(encoding="utf-8"))
    _validate(data)
    return plan


# --- the CLI flow ----------------------------------------------------------------------------------------


def test_untouched_files_apply_and_then_agree(tmp_path: Path, run_cli: RunCli) -> None:
    source, target = _copies(tmp_path, "inventory-source.yaml", "inventory-target.json")
    plan = _plan(run_cli, source, target, "--direction", "source-to-target")
    data = json.loads(plan.read_text(encoding="utf-8"))
    assert data["operations"]["source"] == []
    assert {op["op"] for op in data["operations"]["target"]} == {"add", "remove", "set"}
    assert data["source"]["file"] == source.name
    assert len(data["source"]["sha256"]) == 64
    assert run_cli("diff", source.name, target.name, "--quiet", cwd=tmp_path).returncode == 1
    result = run_cli("apply", plan.name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"applied {len(data['operations']['target'])} changes: wrote {target.name}\n"
    assert run_cli("diff", source.name, target.name, cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("touched", ["target", "source"])
def test_a_touched_file_is_refused_and_nothing_written(touched: str, tmp_path: Path, run_cli: RunCli) -> None:
    source, target = _copies(tmp_path, "inventory-source.yaml", "inventory-target.json")
    plan = _plan(run_cli, source, target, "--direction", "source-to-target")
    # A change that alters no value at all still changes the bytes: the plan was made for other bytes.
    victim = target if touched == "target" else source
    victim.write_bytes(victim.read_bytes() + b"\n")
    before = _bytes(source, target)
    line = _one_line_error(run_cli("apply", plan.name, cwd=tmp_path))
    assert line == (f"nervsync: error: {victim.name} changed since the plan was made; nothing was written "
                    "(make a new plan)")
    assert _bytes(source, target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, target.name, plan.name])


def test_bidirectional_plan_writes_both_sides(tmp_path: Path, run_cli: RunCli) -> None:
    source, target = _copies(tmp_path, "inventory-source.yaml", "inventory-target.json")
    plan = _plan(run_cli, source, target, "--strategy", "source-wins")
    data = json.loads(plan.read_text(encoding="utf-8"))
    assert data["operations"]["source"]
    assert data["operations"]["target"]
    assert run_cli("apply", plan.name, "--quiet", cwd=tmp_path).returncode == 0
    assert run_cli("diff", source.name, target.name, cwd=tmp_path).returncode == 0


def test_unresolved_conflicts_are_planned_but_not_applied(tmp_path: Path, run_cli: RunCli) -> None:
    source, target = _copies(tmp_path, "inventory-source.yaml", "inventory-target.json")
    plan = _plan(run_cli, source, target, code=1)
    data = json.loads(plan.read_text(encoding="utf-8"))
    assert data["unresolved"] == len(data["conflicts"]) > 0
    before = _bytes(source, target)
    line = _one_line_error(run_cli("apply", plan.name, cwd=tmp_path))
    assert f"the plan has {data['unresolved']} unresolved conflict" in line
    assert _bytes(source, target) == before
    shown = run_cli("show", plan.name, cwd=tmp_path)
    assert shown.returncode == 0
    assert "unresolved" in shown.stdout
    assert "apply will refuse this plan" in shown.stdout


def test_show_renders_the_sync_tables_and_staleness(tmp_path: Path, run_cli: RunCli) -> None:
    source, target = _copies(tmp_path, "inventory-source.yaml", "inventory-target.json")
    plan = _plan(run_cli, source, target, "--direction", "source-to-target")
    shown = run_cli("show", plan.name, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "to apply to target (inventory-target.json)" in shown.stdout
    assert "records[id=fw-fra-01].os_version" in shown.stdout
    assert shown.stdout.rstrip().endswith(f"apply with: nervsync apply {plan.name}")
    as_json = run_cli("show", plan.name, "--output", "json", cwd=tmp_path)
    assert json.loads(as_json.stdout) == json.loads(plan.read_text(encoding="utf-8"))
    target.write_text("{}", encoding="utf-8")
    stale = run_cli("show", plan.name, cwd=tmp_path)
    assert f"{target.name}: changed since the plan was made: apply will refuse this plan" in stale.stdout


def test_multi_document_stream_plan(tmp_path: Path, run_cli: RunCli) -> None:
    source, target = _copies(tmp_path, "k8s-desired.yaml", "k8s-deployed.yaml")
    plan = _plan(run_cli, source, target, "--direction", "source-to-target")
    assert run_cli("apply", plan.name, cwd=tmp_path).returncode == 0
    assert run_cli("diff", source.name, target.name, cwd=tmp_path).returncode == 0


def test_plan_to_stdout_and_conflicting_options(tmp_path: Path, run_cli: RunCli) -> None:
    source, target = _copies(tmp_path, "inventory-source.yaml", "inventory-target.json")
    before = _bytes(source, target)
    shown = run_cli("sync", source.name, target.name, "--direction", "target-to-source", "--plan-out", "-",
                    cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    plan = json.loads(shown.stdout)  # the plan is the whole output
    _validate(plan)
    assert plan["operations"]["target"] == []
    assert plan["settings"] == {"direction": "target-to-source", "strategy": "merge", "coerce": False}
    line = _one_line_error(run_cli("sync", source.name, target.name, "--plan-out", "p.json", "--target-out",
                                   "t.json", cwd=tmp_path))
    assert "--plan-out saves the plan instead of writing files" in line
    assert _bytes(source, target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, target.name])


def test_stdin_cannot_be_planned(tmp_path: Path, run_cli: RunCli) -> None:
    (target,) = _copies(tmp_path, "inventory-target.json")
    text = (FIXTURES / "inventory-source.yaml").read_text(encoding="utf-8")
    result = run_cli("sync", "-", target.name, "--source-format", "yaml", "--plan-out", "p.json",
                     input=text, cwd=tmp_path)
    assert "standard input" in _one_line_error(result)
    assert not (tmp_path / "p.json").exists()


# --- guards and malformed plans (plans made with the library) ----------------------------------------


def _library_plan(tmp_path: Path, direction: SyncDirection = SyncDirection.SOURCE_TO_TARGET) -> Path:
    source, target = _copies(tmp_path, "inventory-source.yaml", "inventory-target.json")
    source_doc, target_doc = as_streams(load_document(str(source)), load_document(str(target)))
    options = SyncOptions(direction=direction)
    outcome = sync_documents(source_doc, target_doc, options, apply=False)
    plan = tmp_path / "plan.json"
    plan.write_text(dump_plan(make_plan_file(source_doc, target_doc, outcome.plan, options)), encoding="utf-8")
    _validate(json.loads(plan.read_text(encoding="utf-8")))
    return plan


def test_library_plan_applies_like_sync(tmp_path: Path) -> None:
    plan = _library_plan(tmp_path)
    applied = apply_plan(load_plan(str(plan)))
    assert applied.written == [str(tmp_path / "inventory-target.json")]
    source, target = (load_document(str(tmp_path / name)) for name in ("inventory-source.yaml",
                                                                        "inventory-target.json"))
    assert not diff_documents(source, target)


def test_edited_old_value_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    plan = _library_plan(tmp_path)
    data = json.loads(plan.read_text(encoding="utf-8"))
    op = next(op for op in data["operations"]["target"] if op["op"] == "set")
    op["old"] = "not what the file holds"
    plan.write_text(json.dumps(data), encoding="utf-8")
    before = _bytes(*(tmp_path / name for name in ("inventory-source.yaml", "inventory-target.json")))
    line = _one_line_error(run_cli("apply", str(plan)))
    assert f"{op['path']} no longer holds the value the plan expects" in line
    assert _bytes(*(tmp_path / name for name in ("inventory-source.yaml", "inventory-target.json"))) == before


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda d: d.update(schema_version=2), "schema_version: 2 is not supported", id="version"),
        pytest.param(lambda d: d.pop("kind"), 'expected an object with "kind": "nervsync-plan"', id="kind"),
        pytest.param(lambda d: d["operations"]["target"][0].update(op="merge"), "unknown operation 'merge'",
                     id="op"),
        pytest.param(lambda d: d["operations"]["target"][0].update(path="a..b"), "operations.target[0].path",
                     id="path"),
        pytest.param(lambda d: d["source"].update(sha256="xyz"), "source.sha256", id="hash"),
    ],
)
def test_malformed_plans_are_one_line_errors(edit: Callable[[dict[str, Any]], Any], message: str, tmp_path: Path,
                                             run_cli: RunCli) -> None:
    plan = _library_plan(tmp_path)
    data = json.loads(plan.read_text(encoding="utf-8"))
    edit(data)
    plan.write_text(json.dumps(data), encoding="utf-8")
    line = _one_line_error(run_cli("apply", str(plan)))
    assert f"{plan}: not a valid nervsync plan: " in line
    assert message in line


def test_missing_file_and_bad_json(tmp_path: Path, run_cli: RunCli) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{not json", encoding="utf-8")
    assert "invalid JSON" in _one_line_error(run_cli("apply", str(plan)))
    with pytest.raises(InputError, match="no such file"):
        load_plan(str(tmp_path / "absent.json"))


def test_plan_refuses_in_memory_too(tmp_path: Path) -> None:
    plan_file = load_plan(str(_library_plan(tmp_path)))
    (tmp_path / "inventory-source.yaml").write_text("records: []\n", encoding="utf-8")
    with pytest.raises(RefusedError, match=r"inventory-source\.yaml changed since the plan was made"):
        apply_plan(plan_file, write=False)


# --- the JSON form round-trips ----------------------------------------------------------------------------

SEGMENTS = st.one_of(
    st.builds(Field, st.sampled_from(["a", "spec", "x.y", "*", "", "a b", "[0]", "ü"])),
    st.builds(Index, st.integers(0, 9)),
    st.builds(Match, st.lists(st.tuples(st.sampled_from(["id", "metadata.name", "k"]),
                                        st.sampled_from(["1", "web", "a,b", "x=y", " sp", "", "]"])),
                              min_size=1, max_size=2).map(tuple)),
)
PATHS = st.lists(SEGMENTS, max_size=4).map(tuple)
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                      lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
                      max_leaves=8)


@st.composite
def ops(draw: st.DrawFn) -> Op:
    kind = draw(st.sampled_from(OpKind))
    path = draw(PATHS)
    return Op(kind, path,
              value=MISSING if kind is OpKind.REMOVE else draw(VALUES),
              old=MISSING if kind is OpKind.ADD else draw(VALUES),
              after=draw(st.none() | PATHS.filter(bool)) if kind is OpKind.ADD else None)


@given(st.lists(ops(), max_size=5), st.lists(ops(), max_size=5))
def test_plan_json_form_round_trips(source_ops: list[Op], target_ops: list[Op]) -> None:
    data = {
        "schema_version": 1, "kind": "nervsync-plan", "created_at": "2026-01-01T00:00:00Z",
        "source": {"file": "a.json", "format": "json", "sha256": "0" * 64, "size": 1},
        "target": {"file": "b.yaml", "format": "yaml", "sha256": "f" * 64, "size": 2},
        "settings": {"direction": "bidirectional", "strategy": "merge", "coerce": False},
        "operations": {"source": [op_to_dict(op) for op in source_ops],
                       "target": [op_to_dict(op) for op in target_ops]},
        "conflicts": [], "unresolved": 0, "warnings": [],
    }
    _validate(json.loads(json.dumps(data)))
    plan_file = plan_from_dict(json.loads(json.dumps(data)))
    assert plan_file.plan.source_ops == source_ops
    assert plan_file.plan.target_ops == target_ops
    assert plan_to_dict(plan_file) == data
    for op in (*source_ops, *target_ops):
        assert format_path(op.path)  # every path has a text form ('.' for the root)
