"""What sync writes: only changed parts change, in each file's own style, atomically.

The CLI runs in a subprocess on real files; the write layer (``nervsync_cli.write``) is also called
directly on documents loaded from disk, for the properties of the write itself.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from nervsync_cli.diff import diff_documents
from nervsync_cli.files import load_document
from nervsync_cli.model import Document
from nervsync_cli.write import write_document

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def _changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """Pairs of (old, new) lines that differ, for files whose line count did not change."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new), (before, after)
    return [(a, b) for a, b in zip(old, new) if a != b]


SERVICES_YAML = """\
# Service catalogue — edited by hand, keep the comments.
version: 2  # schema version

services:
  # The public website
  - name: web
    image: 'registry.example.com/web:1.4.2'   # pinned
    replicas: 3
    env: "production"
    ports: [80, 443]
  - name: worker
    image: "registry.example.com/worker:2.0.0"
    replicas: 2
    enabled: yes
    description: |
      Runs the queue.
      Two replicas are enough.
# trailing comment
"""


def test_yaml_one_changed_value_keeps_every_comment_and_untouched_line(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "services.yaml"
    target.write_text(SERVICES_YAML, encoding="utf-8")
    desired = yaml.safe_load(SERVICES_YAML)
    desired["services"][0]["image"] = "registry.example.com/web:1.5.0"
    source = tmp_path / "desired.json"
    source.write_text(json.dumps(desired, indent=2), encoding="utf-8")

    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target")
    assert result.returncode == 0, result.stderr
    after = target.read_text(encoding="utf-8")
    # One line differs; it keeps its quoting style and its own comment.
    assert _changed_lines(SERVICES_YAML, after) == [
        ("    image: 'registry.example.com/web:1.4.2'   # pinned\n",
         "    image: 'registry.example.com/web:1.5.0'   # pinned\n"),
    ]
    assert not diff_documents(load_document(str(source)), load_document(str(target))).changes


TAB_JSON = '{\n\t"zeta": 1,\n\t"alpha": {\n\t\t"b": [1, 2],\n\t\t"a": "x"\n\t},\n\t"mid": null\n}'
FOUR_SPACE_JSON = TAB_JSON.replace("\t", "    ") + "\n"


@pytest.mark.parametrize("original", [TAB_JSON, FOUR_SPACE_JSON], ids=["tabs-no-final-newline", "four-spaces"])
def test_json_keeps_indentation_key_order_and_final_newline(
    run_cli: RunCli, tmp_path: Path, original: str
) -> None:
    target = tmp_path / "settings.json"
    target.write_text(original, encoding="utf-8")
    source = tmp_path / "desired.yaml"
    # SOURCE lists keys in another order: key order is TARGET's own business.
    source.write_text("mid: null\nalpha:\n  a: y\n  b: [1, 2]\nzeta: 1\n", encoding="utf-8")

    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target")
    assert result.returncode == 0, result.stderr
    after = target.read_text(encoding="utf-8")
    changed = _changed_lines(original, after)
    assert len(changed) == 1
    assert changed[0][1].strip() == '"a": "y"'
    assert changed[0][0].replace('"x"', '"y"') == changed[0][1]
    assert after.endswith("\n") == original.endswith("\n")
    assert list(json.loads(after)) == ["zeta", "alpha", "mid"]


CSV_SEMICOLON_CRLF = 'id;name;note\r\n1;alpha;"semi; colon"\r\n2;beta;plain\r\n3;gamma;"say ""hi"""\r\n'


def test_csv_one_changed_cell_keeps_dialect_quoting_and_line_endings(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "items.csv"
    target.write_bytes(CSV_SEMICOLON_CRLF.encode())
    source = tmp_path / "items.json"
    source.write_text(json.dumps([
        {"id": "1", "name": "alpha", "note": "semi; colon"},
        {"id": "2", "name": "BETA", "note": "plain"},
        {"id": "3", "name": "gamma", "note": 'say "hi"'},
    ]), encoding="utf-8")

    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target")
    assert result.returncode == 0, result.stderr
    after = target.read_bytes().decode()
    assert after == CSV_SEMICOLON_CRLF.replace("2;beta;", "2;BETA;")


def test_csv_new_columns_are_appended_in_the_file_dialect(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "items.csv"
    target.write_bytes(CSV_SEMICOLON_CRLF.encode())
    source = tmp_path / "items.yaml"
    source.write_text(
        "- {id: '1', name: alpha, note: 'semi; colon'}\n"
        "- {id: '2', name: beta, note: plain, owner: bob}\n"
        "- {id: '3', name: gamma, note: 'say \"hi\"'}\n",
        encoding="utf-8",
    )
    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().decode() == (
        'id;name;note;owner\r\n1;alpha;"semi; colon";\r\n2;beta;plain;bob\r\n3;gamma;"say ""hi""";\r\n'
    )


def test_multi_document_yaml_keeps_its_documents_and_separators(run_cli: RunCli, tmp_path: Path) -> None:
    source, target = tmp_path / "desired.yaml", tmp_path / "deployed.yaml"
    shutil.copyfile(FIXTURES / "k8s-desired.yaml", source)
    shutil.copyfile(FIXTURES / "k8s-deployed.yaml", target)
    before = target.read_text(encoding="utf-8")
    result = run_cli("sync", str(source), str(target), "--direction", "source-to-target")
    assert result.returncode == 0, result.stderr
    after = target.read_text(encoding="utf-8")
    assert after.count("\n---\n") == before.count("\n---\n") == 1
    deployment = next(doc for doc in yaml.safe_load_all(after) if doc["kind"] == "Deployment")
    web = next(c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "web")
    assert web["image"] == "registry.example.com/web:1.4.2"
    assert "annotations" not in deployment["metadata"]
    # The Service document was equal on both sides: its text is untouched.
    service = before.split("---\n")[0]
    assert after.startswith(service)
    assert not diff_documents(load_document(str(source)), load_document(str(target))).changes


# ---------------------------------------------------------------------------------------------
# The write itself (nervsync_cli.write.write_document on documents loaded from disk).
# ---------------------------------------------------------------------------------------------


def _edited(path: Path, field: str, value: object) -> tuple[Document, Document]:
    """The loaded document of ``path`` and a copy whose first record has ``field`` = ``value``."""
    original = load_document(str(path))
    data = json.loads(json.dumps(original.data))
    data["records"][0][field] = value
    return original, dataclasses.replace(original, data=data)


def test_write_replaces_atomically_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "inventory.json"
    shutil.copyfile(FIXTURES / "inventory-target.json", path)
    path.chmod(0o640)
    old_text = path.read_text(encoding="utf-8")
    original, new = _edited(path, "status", "retired")
    with open(path, encoding="utf-8") as reader:
        # A reader that opened the file before the write keeps seeing the whole old file: the new
        # bytes went to another inode that was renamed over the name, never into this one.
        assert write_document(original, new) == str(path)
        assert reader.read() == old_text
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert json.loads(path.read_text(encoding="utf-8"))["records"][0]["status"] == "retired"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inventory.json"]  # no temporary file left


def test_write_of_an_unchanged_document_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    shutil.copyfile(FIXTURES / "inventory-source.yaml", path)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    original = load_document(str(path))
    same = dataclasses.replace(original, data=json.loads(json.dumps(original.data)))
    assert write_document(original, original) is None
    assert write_document(original, same) is None
    assert path.stat().st_mtime == 1_600_000_000


def test_write_to_another_file_leaves_the_original(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    shutil.copyfile(FIXTURES / "inventory-source.yaml", path)
    before = path.read_bytes()
    original, new = _edited(path, "vlan", 121)
    out = tmp_path / "out.yaml"
    assert write_document(original, new, str(out)) == str(out)
    assert path.read_bytes() == before
    changed = _changed_lines(before.decode(), out.read_text(encoding="utf-8"))
    assert changed == [("    vlan: 120\n", "    vlan: 121\n")]


def test_write_keeps_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "inventory-target.json").read_bytes())
    original, new = _edited(path, "vlan", 11)
    write_document(original, new)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert not raw[3:].startswith(b"\xef\xbb\xbf")
    assert json.loads(raw[3:])["records"][0]["vlan"] == 11


def test_sync_of_a_value_under_a_yaml_alias_changes_only_that_path(tmp_path: Path) -> None:
    """An alias shares one object between two paths when loaded; a sync must not edit both."""
    import subprocess
    import sys

    import yaml

    source = tmp_path / "source.yaml"
    target = tmp_path / "target.yaml"
    source.write_text("base: {x: 1}\nother: {x: 2}\n")
    target.write_text("base: &b {x: 1}\nother: *b\n")
    result = subprocess.run([sys.executable, "-m", "nervsync_cli", "sync", str(source), str(target),
                             "--direction", "source-to-target", "--no-state"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(target.read_text()) == {"base": {"x": 1}, "other": {"x": 2}}
