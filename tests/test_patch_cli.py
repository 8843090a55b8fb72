"""``nervsync patch`` and ``nervsync diff --output jsonpatch|mergepatch|unified``, end to end.

Every case of the public JSON Patch and JSON Merge Patch suites goes through the real CLI on real
files, one subprocess per case; real file pairs (dyff's assets, real-world configuration files)
round-trip through ``diff --output jsonpatch`` and both ``nervsync patch`` and the independent
``jsonpatch`` package.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonpatch
import jsonschema
import pytest
import yaml

from nervsync_cli.diff import as_streams, diff_documents
from nervsync_cli.files import load_document
from nervsync_cli.patch.pointer import format_pointer
from tests.jsonvalues import json_equal

REPO = Path(__file__).resolve().parents[1]
CONFORMANCE = REPO.parent / "shared" / "conformance"
JSON_PATCH_SUITE = CONFORMANCE / "json-patch-tests"
MERGE_SUITE = CONFORMANCE / "json-merge-patch"
DYFF = CONFORMANCE / "dyff-assets"
REAL_WORLD = CONFORMANCE / "real-world"
FIXTURES = REPO / "fixtures"
SCHEMAS = REPO / "schemas"

RunCli = Any
_SCRUBBED = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "TERM")
# Non-disabled records at the pinned commit (json-patch-tests/SOURCE.md): 92 + 16 = 108.
JSON_PATCH_COUNTS = {"tests.json": 92, "spec_tests.json": 16}


def cli_env() -> dict[str, str]:
    """The environment of a CLI run, without the shell's colour and width settings (as conftest's)."""
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nervsync: error: ")
    return lines[0]


# --- RFC 6902 conformance through the CLI -------------------------------------------------------
#
# An error case stops at its first failing operation, so each runs alone: one subprocess, exit 2,
# one line naming the operation, nothing written. The success cases all run through one `nervsync
# patch` per test worker: case K's document becomes member K of one file and each of its pointers
# is prefixed with /K. RFC 6902 gives an operation on member K the same effect as on a document
# root (add and replace set the member, test compares it, move and copy stay inside it), so each
# case's member must end as its expected document; the suite stays a few seconds long.


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, for module-scoped fixtures (the ``run_cli`` fixture is per test)."""
    return subprocess.run([sys.executable, "-m", "nervsync_cli", *args], capture_output=True, text=True,
                          encoding="utf-8", env=cli_env(), cwd=cwd, timeout=120, check=False)


def _json_patch_records() -> dict[str, dict[str, Any]]:
    records = {}
    for name in JSON_PATCH_COUNTS:
        path = JSON_PATCH_SUITE / name
        if not path.is_file():
            continue
        for index, record in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            if record.get("disabled") or "doc" not in record:
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", record.get("comment", "").lower()).strip("-")[:40]
            records[f"{path.stem}-{index:03d}-{slug}"] = record
    return records


JSON_PATCH_RECORDS = _json_patch_records()
JSON_PATCH_ERRORS = [pytest.param(r, id=case) for case, r in JSON_PATCH_RECORDS.items() if "error" in r]
JSON_PATCH_SUCCESSES = [case for case, r in JSON_PATCH_RECORDS.items() if "error" not in r]


def test_json_patch_suite_is_complete() -> None:
    if not JSON_PATCH_SUITE.is_dir():
        pytest.skip(f"conformance data absent: {JSON_PATCH_SUITE}")
    assert len(JSON_PATCH_RECORDS) == sum(JSON_PATCH_COUNTS.values())
    assert len(JSON_PATCH_ERRORS) + len(JSON_PATCH_SUCCESSES) == len(JSON_PATCH_RECORDS)


@pytest.fixture(scope="module")
def json_patch_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every success case applied by one ``nervsync patch`` run; the patched file's members by case."""
    folder = tmp_path_factory.mktemp("json-patch-batch")
    operations = []
    for case in JSON_PATCH_SUCCESSES:
        prefix = format_pointer([case])
        for operation in JSON_PATCH_RECORDS[case]["patch"]:
            moved = {key: prefix + value if key in ("path", "from") else value for key, value in operation.items()}
            operations.append(moved)
    doc = _write_json(folder / "doc.json", {case: JSON_PATCH_RECORDS[case]["doc"] for case in JSON_PATCH_SUCCESSES})
    patch = _write_json(folder / "patch.json", operations)
    result = _cli("patch", str(doc), str(patch))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {doc} ({len(operations)} operations)\n"
    patched: dict[str, Any] = json.loads(doc.read_text(encoding="utf-8"))
    return patched


@pytest.mark.parametrize("case", JSON_PATCH_SUCCESSES)
def test_json_patch_conformance_via_cli(case: str, json_patch_batch: dict[str, Any]) -> None:
    record = JSON_PATCH_RECORDS[case]
    assert json_equal(json_patch_batch[case], record.get("expected", record["doc"]))


@pytest.mark.parametrize("record", JSON_PATCH_ERRORS)
def test_json_patch_error_conformance_via_cli(record: dict[str, Any], tmp_path: Path, run_cli: RunCli) -> None:
    doc = _write_json(tmp_path / "doc.json", record["doc"])
    patch = _write_json(tmp_path / "patch.json", record["patch"])
    before = doc.read_bytes()
    out = tmp_path / "out.json"
    line = _one_line_error(run_cli("patch", str(doc), str(patch), "-o", str(out)))
    # Every error record of the suite fails on its last operation.
    assert re.search(rf"patch\.json: operation {len(record['patch']) - 1}\b", line), line
    assert not out.exists()
    assert doc.read_bytes() == before


# --- RFC 7396 conformance through the CLI -------------------------------------------------------
#
# Batched the same way: {K: patch} applied to {K: document} merges the patch into member K exactly
# as RFC 7396 merges it into a document, except a null patch, which would delete member K instead of
# making a null document; those cases run alone.


def _merge_cases() -> dict[str, tuple[Any, Any, Any]]:
    cases = {}
    rfc = MERGE_SUITE / "cases.json"
    if rfc.is_file():
        for case in json.loads(rfc.read_text(encoding="utf-8"))["cases"]:
            cases[case["id"]] = (case["target"], case["patch"], case["result"])
    jsoncons = MERGE_SUITE / "jsoncons-rfc7396-test-cases.json"
    if jsoncons.is_file():
        for number, group in enumerate(json.loads(jsoncons.read_text(encoding="utf-8")), start=1):
            for index, case in enumerate(group["cases"]):
                cases[f"jsoncons-{number:02d}-{index}"] = (group["given"], case["patch"], case["result"])
    return cases


MERGE_CASES = _merge_cases()


def test_merge_patch_suites_are_complete() -> None:
    if not MERGE_SUITE.is_dir():
        pytest.skip(f"conformance data absent: {MERGE_SUITE}")
    assert len(MERGE_CASES) == 17 + 15


@pytest.fixture(scope="module")
def merge_patch_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case with a non-null patch, applied by one ``nervsync patch --format mergepatch`` run."""
    folder = tmp_path_factory.mktemp("merge-patch-batch")
    batched = {case: value for case, value in MERGE_CASES.items() if value[1] is not None}
    doc = _write_json(folder / "doc.json", {case: given for case, (given, _, _) in batched.items()})
    patch = _write_json(folder / "patch.json", {case: patch for case, (_, patch, _) in batched.items()})
    result = _cli("patch", str(doc), str(patch), "--format", "mergepatch")
    assert result.returncode == 0, result.stderr
    patched: dict[str, Any] = json.loads(doc.read_text(encoding="utf-8"))
    return patched


@pytest.mark.parametrize("case", list(MERGE_CASES))
def test_merge_patch_conformance_via_cli(case: str, tmp_path: Path, run_cli: RunCli,
                                         merge_patch_batch: dict[str, Any]) -> None:
    given, patch, expected = MERGE_CASES[case]
    if patch is not None:
        assert json_equal(merge_patch_batch[case], expected)
        return
    # Alone, and by detection: a patch that is not a list of operations is a merge patch.
    doc = _write_json(tmp_path / "doc.json", given)
    result = run_cli("patch", str(doc), str(_write_json(tmp_path / "patch.json", patch)))
    assert result.returncode == 0, result.stderr
    assert json_equal(json.loads(doc.read_text(encoding="utf-8")), expected)


# --- patch: behaviour on real files ------------------------------------------------------------------


def test_patch_keeps_yaml_comments_and_layout(tmp_path: Path, run_cli: RunCli) -> None:
    source = tmp_path / "inventory.yaml"
    shutil.copyfile(FIXTURES / "inventory-source.yaml", source)
    original = source.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    first_id, first_version = data["records"][0]["id"], data["records"][0]["os_version"]
    patch = _write_json(tmp_path / "p.json", [
        {"op": "test", "path": "/records/0/id", "value": first_id},
        {"op": "replace", "path": "/records/0/os_version", "value": "12.0.0"},
    ])
    result = run_cli("patch", str(source), str(patch))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {source} (2 operations)\n"
    text = source.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(original.splitlines(), text.splitlines()) if a != b]
    # One line changed, its comment kept; every other line (comments included) is byte for byte the same.
    assert len(changed) == 1
    assert "12.0.0" in changed[0][1]
    assert changed[0][0].replace(first_version, "12.0.0") == changed[0][1]
    assert len(text.splitlines()) == len(original.splitlines())
    assert yaml.safe_load(text)["records"][0]["os_version"] == "12.0.0"


def test_failed_test_operation_writes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    doc = _write_json(tmp_path / "doc.json", {"version": 3, "items": [1, 2]})
    before = doc.read_bytes()
    patch = _write_json(tmp_path / "p.json", [
        {"op": "add", "path": "/items/-", "value": 3},
        {"op": "test", "path": "/version", "value": 4},
        {"op": "remove", "path": "/items/0"},
    ])
    line = _one_line_error(run_cli("patch", str(doc), str(patch)))
    assert line == (f"nervsync: error: {patch}: operation 1 (test /version): test failed: /version is not equal to "
                    "the given value; nothing was written")
    assert doc.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.json", "p.json"]  # no temporary left behind


def test_patch_csv_rows_keeps_dialect(tmp_path: Path, run_cli: RunCli) -> None:
    table = tmp_path / "hosts.csv"
    table.write_bytes(b"id;name;rack\r\n1;alpha;R1\r\n2;beta;R2\r\n")
    patch = tmp_path / "p.yaml"
    patch.write_text("- {op: replace, path: /1/rack, value: R9}\n- {op: add, path: /-, value: {id: '3', name: gamma,"
                     " rack: R3}}\n", encoding="utf-8")
    result = run_cli("patch", str(table), str(patch))
    assert result.returncode == 0, result.stderr
    assert table.read_bytes() == b"id;name;rack\r\n1;alpha;R1\r\n2;beta;R9\r\n3;gamma;R3\r\n"


def test_patch_refuses_what_a_table_cannot_hold(tmp_path: Path, run_cli: RunCli) -> None:
    table = tmp_path / "hosts.csv"
    table.write_text("id,name\n1,alpha\n", encoding="utf-8")
    patch = _write_json(tmp_path / "p.json", {"rows": 1})
    line = _one_line_error(run_cli("patch", str(table), str(patch)))
    assert "not a list of rows" in line
    assert table.read_text(encoding="utf-8") == "id,name\n1,alpha\n"


def test_merge_patch_detected_and_stdin_to_stdout(tmp_path: Path, run_cli: RunCli) -> None:
    patch = _write_json(tmp_path / "m.json", {"spec": {"replicas": 3, "paused": None}})
    result = run_cli("patch", "-", str(patch), "--file-format", "json",
                     input='{"spec": {"replicas": 1, "paused": true}, "kind": "Deployment"}\n')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"spec": {"replicas": 3}, "kind": "Deployment"}


def test_patch_to_another_file_and_format(tmp_path: Path, run_cli: RunCli) -> None:
    doc = _write_json(tmp_path / "doc.json", {"a": 1})
    before = doc.read_bytes()
    patch = _write_json(tmp_path / "p.json", [{"op": "add", "path": "/b", "value": [1, 2]}])
    out = tmp_path / "out.yaml"
    result = run_cli("patch", str(doc), str(patch), "-o", str(out), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == {"a": 1, "b": [1, 2]}
    assert doc.read_bytes() == before


def test_patch_multi_document_stream(tmp_path: Path, run_cli: RunCli) -> None:
    stream = tmp_path / "k8s.yaml"
    shutil.copyfile(FIXTURES / "k8s-desired.yaml", stream)
    documents = list(yaml.safe_load_all(stream.read_text(encoding="utf-8")))
    assert len(documents) > 1
    patch = _write_json(tmp_path / "p.json", [{"op": "add", "path": "/0/metadata/labels",
                                               "value": {"patched": "yes"}}])
    assert run_cli("patch", str(stream), str(patch)).returncode == 0
    after = list(yaml.safe_load_all(stream.read_text(encoding="utf-8")))
    assert after[0]["metadata"]["labels"] == {"patched": "yes"}
    assert after[1:] == documents[1:]


@pytest.mark.parametrize(
    ("patch_text", "args", "message"),
    [
        pytest.param('{"op": "add"', [], "p.json:1:", id="patch-not-json"),
        pytest.param('[{"op": "add", "path": "/x"}]', [], "operation 0 (add /x): missing 'value'", id="no-value"),
        pytest.param('[{"op": "jump", "path": "/x"}]', [], "unknown op 'jump'", id="unknown-op"),
        pytest.param('{"a": 1}', ["--format", "jsonpatch"], "must be an array of operations", id="forced-kind"),
    ],
)
def test_bad_patches_are_one_line_errors(patch_text: str, args: list[str], message: str, tmp_path: Path,
                                          run_cli: RunCli) -> None:
    doc = _write_json(tmp_path / "doc.json", {"a": 1})
    patch = tmp_path / "p.json"
    patch.write_text(patch_text, encoding="utf-8")
    line = _one_line_error(run_cli("patch", str(doc), str(patch), *args))
    assert message in line
    assert json.loads(doc.read_text(encoding="utf-8")) == {"a": 1}


# --- diff --output jsonpatch / mergepatch / unified ----------------------------------------------------


def _pairs() -> list[Any]:
    pairs = []
    index = DYFF / "pairs.json"
    if index.is_file():
        for pair in json.loads(index.read_text(encoding="utf-8"))["pairs"]:
            pairs.append(pytest.param(DYFF / pair["old"], DYFF / pair["new"], id=f"dyff-{pair['id']}"))
    manifest = REAL_WORLD / "manifest.json"
    if manifest.is_file():
        for pair in json.loads(manifest.read_text(encoding="utf-8"))["pairs"]:
            pairs.append(pytest.param(REAL_WORLD / pair["old"], REAL_WORLD / pair["new"],
                                      id=f"real-{Path(pair['old']).name}"))
    return pairs


PAIRS = _pairs()
# Pairs nervsync refuses as input, with the reason (diff exits 2 on them, as on any bad input).
NOT_INPUT = {
    "edge/empty/from.yml": "file is empty",  # dyff's 'no documents' edge case
    "raw-text/from.txt": "cannot tell the format",  # plain text, not a model file
}


def _refused(path: Path) -> str | None:
    return next((why for suffix, why in NOT_INPUT.items() if path.as_posix().endswith(suffix)), None)


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_jsonpatch_round_trip_on_real_pairs(old: Path, new: Path, tmp_path: Path, run_cli: RunCli) -> None:
    made = run_cli("diff", str(old), str(new), "--output", "jsonpatch")
    why = _refused(old)
    if why is not None:
        assert why in _one_line_error(made)
        return
    assert made.returncode in (0, 1), made.stderr
    operations = json.loads(made.stdout)
    a, b = load_document(str(old)), load_document(str(new))
    # 1. the independent implementation, on the documents as JSON (a YAML stream: the list of its
    # documents). Through JSON text, because a YAML alias loads as one object at two paths, which
    # jsonpatch's deepcopy would keep shared; JSON has no aliases.
    assert json_equal(jsonpatch.apply_patch(json.loads(json.dumps(a.data)), operations), b.data)
    # 2. nervsync patch, on a copy of the file itself.
    copy = tmp_path / old.name
    shutil.copyfile(old, copy)
    patch = _write_json(tmp_path / "patch.json", operations)
    applied = run_cli("patch", str(copy), str(patch))
    assert applied.returncode == 0, applied.stderr
    patched = load_document(str(copy))
    assert json_equal(patched.data, b.data)
    assert not diff_documents(*as_streams(patched, b)).changes  # what `diff` would say: no differences


def test_mergepatch_output_notes_replaced_lists(tmp_path: Path, run_cli: RunCli) -> None:
    a = _write_json(tmp_path / "a.json", {"tags": ["x", "y"], "spec": {"replicas": 1, "old": True}})
    b = _write_json(tmp_path / "b.json", {"tags": ["x", "z"], "spec": {"replicas": 2}})
    result = run_cli("diff", str(a), str(b), "--output", "mergepatch")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"tags": ["x", "z"], "spec": {"replicas": 2, "old": None}}
    assert result.stderr.splitlines() == [
        "nervsync: note: the merge patch replaces 1 whole list (/tags): RFC 7396 cannot edit list items; "
        "--output jsonpatch can"]
    patch = tmp_path / "m.json"
    patch.write_text(result.stdout, encoding="utf-8")
    assert run_cli("patch", str(a), str(patch)).returncode == 0
    assert json.loads(a.read_text(encoding="utf-8")) == json.loads(b.read_text(encoding="utf-8"))


def test_mergepatch_cannot_set_null(tmp_path: Path, run_cli: RunCli) -> None:
    a = _write_json(tmp_path / "a.json", {"owner": "ops"})
    b = _write_json(tmp_path / "b.json", {"owner": None})
    line = _one_line_error(run_cli("diff", str(a), str(b), "--output", "mergepatch"))
    assert "cannot set /owner to null" in line


def test_unified_output(tmp_path: Path, run_cli: RunCli) -> None:
    a = _write_json(tmp_path / "a.json", {"b": 1, "a": [1, 2]})
    b = _write_json(tmp_path / "b.json", {"a": [1, 2], "b": 2})
    result = run_cli("diff", str(a), str(b), "--output", "unified")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"--- {a}", f"+++ {b}", "@@ -3,5 +3,5 @@", "     1,", "     2", "   ],", '-  "b": 1', '+  "b": 2', " }"]
    same = run_cli("diff", str(a), str(a), "--output", "unified")
    assert (same.returncode, same.stdout) == (0, "")


def test_jsonpatch_of_identical_files_is_empty(tmp_path: Path, run_cli: RunCli) -> None:
    a = _write_json(tmp_path / "a.json", {"records": [{"id": 1}, {"id": 2}]})
    result = run_cli("diff", str(a), str(a), "--output", "jsonpatch")
    assert (result.returncode, result.stdout) == (0, "[]\n")


def test_jsonpatch_reorders_keyed_records(tmp_path: Path, run_cli: RunCli) -> None:
    a = _write_json(tmp_path / "a.json", {"records": [{"id": i, "v": i} for i in range(5)]})
    b = _write_json(tmp_path / "b.json", {"records": [{"id": i, "v": i} for i in (1, 2, 3, 4, 0)]})
    result = run_cli("diff", str(a), str(b), "--output", "jsonpatch")
    # Not a difference to nervsync (records matched by id), but the patch reproduces TARGET's order.
    assert result.returncode == 0
    assert json.loads(result.stdout) == [{"op": "move", "from": "/records/0", "path": "/records/4"}]


def test_patch_schemas_accept_real_output(tmp_path: Path, run_cli: RunCli) -> None:
    schema = json.loads((SCHEMAS / "jsonpatch.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    made = run_cli("diff", str(FIXTURES / "inventory-source.yaml"), str(FIXTURES / "inventory-target.json"),
                   "--output", "jsonpatch")
    operations = json.loads(made.stdout)
    assert {op["op"] for op in operations} >= {"add", "remove", "replace"}
    jsonschema.Draft202012Validator(schema).validate(operations)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate([{"op": "move", "path": "/a"}])
