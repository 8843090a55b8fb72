"""``diff --output json`` gives every change its file, line and column on both sides."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

REPO = Path(__file__).resolve().parents[1]


def _diff_json(*args: str) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-m", "nervsync_cli", "diff", *args, "-o", "json", "--positions"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1, result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    jsonschema.validate(report, json.loads((REPO / "schemas" / "diff.schema.json").read_text()))
    return report


def _line(file: str, number: int) -> str:
    return (REPO / file).read_text().splitlines()[number - 1]


def test_yaml_changes_point_at_the_lines_holding_the_values() -> None:
    report = _diff_json("fixtures/k8s-desired.yaml", "fixtures/k8s-deployed.yaml")
    image = next(c for c in report["changes"] if c["path"].endswith("image"))  # type: ignore[attr-defined]
    source, target = image["positions"]["source"], image["positions"]["target"]
    assert "web:1.4.2" in _line(source["file"], source["line"])
    assert "web:1.5.0" in _line(target["file"], target["line"])
    assert _line(target["file"], target["line"])[target["column"] - 1:].startswith("registry.example.com/web:1.5.0")


def test_json_and_yaml_sides_are_both_placed() -> None:
    report = _diff_json("fixtures/inventory-source.yaml", "fixtures/inventory-target.json")
    rack = next(c for c in report["changes"] if c["path"] == "records[id=fw-fra-01].location.rack")  # type: ignore[attr-defined]
    assert "R03" in _line(rack["positions"]["source"]["file"], rack["positions"]["source"]["line"])
    assert "R04" in _line(rack["positions"]["target"]["file"], rack["positions"]["target"]["line"])
    added = next(c for c in report["changes"] if c["kind"] == "added" and c["path"] == "records[id=rtr-waw-01]")  # type: ignore[attr-defined]
    assert added["positions"]["target"]["exact"] is True
    assert added["positions"]["source"]["exact"] is False
