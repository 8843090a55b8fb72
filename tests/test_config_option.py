"""``diff --config`` and ``sync --config`` take a check's rules from nervsync.yaml."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def nervsync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nervsync_cli", *args], capture_output=True, text=True, cwd=cwd)


def test_diff_uses_the_rules_of_the_check_that_compares_the_two_files(tmp_path: Path) -> None:
    shutil.copytree(REPO / "fixtures" / "drift", tmp_path / "drift")
    work = tmp_path / "drift"
    pair = ("desired/settings.yaml", "deployed/settings.yaml")
    plain = json.loads(nervsync("diff", *pair, "-o", "json", cwd=work).stdout)
    ruled = json.loads(nervsync("diff", *pair, "-o", "json", "--config", "nervsync.yaml", cwd=work).stdout)
    plain_paths = {c["path"] for c in plain["changes"]}
    ruled_paths = {c["path"] for c in ruled["changes"]}
    # The check ignores metadata.generated_at and compares locales as a set.
    assert "metadata.generated_at" in plain_paths
    assert "metadata.generated_at" not in ruled_paths
    assert ruled_paths < plain_paths
    named = nervsync("diff", *pair, "-o", "json", "--config", "nervsync.yaml", "--check", "settings", cwd=work)
    assert {c["path"] for c in json.loads(named.stdout)["changes"]} == ruled_paths


def test_config_without_a_matching_check_is_a_usage_error(tmp_path: Path) -> None:
    shutil.copytree(REPO / "fixtures" / "drift", tmp_path / "drift")
    result = nervsync("diff", "desired/settings.yaml", "deployed/service.json", "--config", "nervsync.yaml",
                      cwd=tmp_path / "drift")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--check NAME" in result.stderr


def test_sync_with_config_leaves_ignored_paths_alone(tmp_path: Path) -> None:
    shutil.copytree(REPO / "fixtures" / "drift", tmp_path / "drift")
    work = tmp_path / "drift"
    pair = ("desired/settings.yaml", "deployed/settings.yaml")
    before = (work / pair[1]).read_text()
    result = nervsync("sync", *pair, "--direction", "source-to-target", "--config", "nervsync.yaml",
                      "--no-state", "-o", "json", cwd=work)
    assert result.returncode == 0, result.stderr
    touched = {op["path"] for op in json.loads(result.stdout)["applied"]["target"]}
    assert touched
    assert not any(path.startswith("metadata.generated_at") for path in touched)
    assert (work / pair[1]).read_text() != before
    assert nervsync("diff", *pair, "--config", "nervsync.yaml", "-q", cwd=work).returncode == 0
