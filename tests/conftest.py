"""Shared fixtures: running the real CLI in a subprocess, the shared data folder, generated data.

The CLI always runs as ``python -m nervsync_cli`` with this interpreter (the project's virtualenv),
with stdin, stdout and stderr on pipes, so what it prints is what a script would see.
"""

# mypy: allow-untyped-defs, allow-incomplete-defs
# (pyproject relaxes these for module "tests.*", which tests/ without __init__.py never is)

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = REPO / "fixtures"
GEN_DATA = SHARED / "bench" / "gen_data.py"

# Colour and width variables of the developer's shell must not leak into what tests compare.
_SCRUBBED = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "TERM")


class RunCli(Protocol):
    """Signature of the ``run_cli`` fixture."""

    def __call__(self, *args: str, input: str | bytes | None = None, cwd: str | Path | None = None,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]: ...


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a CLI run: the current one without colour settings, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def _run(*args: str, input: str | bytes | None = None, cwd: str | Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    data = input.encode("utf-8") if isinstance(input, str) else input
    # The timeout only guards against a hang; no test asserts on how long a run takes.
    raw = subprocess.run(
        [sys.executable, "-m", "nervsync_cli", *args],
        input=data if data is not None else b"",
        capture_output=True, cwd=cwd, env=cli_env(env), timeout=120, check=False,
    )
    return subprocess.CompletedProcess(
        raw.args, raw.returncode, raw.stdout.decode("utf-8"), raw.stderr.decode("utf-8")
    )


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """``run_cli(*args, input=None, cwd=None, env=None)``: run ``nervsync`` and return the result.

    Without ``cwd`` it runs in the test's temporary folder, so that what a command keeps beside
    it (a sync's ``.nervsync/state.db``) never lands in the repository.
    """
    def run(*args: str, input: str | bytes | None = None, cwd: str | Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return _run(*args, input=input, cwd=tmp_path if cwd is None else cwd, env=env)

    return run


@pytest.fixture(scope="session")
def shared() -> Path:
    """The read-only shared data folder next to the repository; skips when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def bench_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 1,000-record source/target pairs (JSON, YAML, CSV) and truth.json, generated once."""
    if not GEN_DATA.is_file():
        pytest.skip(f"{GEN_DATA} not found")
    out = tmp_path_factory.mktemp("gen_data")
    subprocess.run(
        [sys.executable, "../shared/bench/gen_data.py", "--out", str(out), "--sizes", "1000"],
        cwd=REPO, check=True, capture_output=True, timeout=300,
    )
    return out / "1000"


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], str]:
    """``write(name, content)``: a file in the test's folder; returns its path as a string."""

    def _write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            # newline="" keeps the test's own line endings (CRLF tests write "\r\n" on purpose).
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
        return str(path)

    return _write


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str, code: int = 2) -> str:
    """The run failed with ``code`` and exactly one ``nervsync: error:`` line naming ``fragments``."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("nervsync: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert result.stdout == ""
    return line


@pytest.fixture
def one_line_error() -> Callable[..., str]:
    """``one_line_error(result, *fragments, code=2)``: see :func:`assert_one_line_error`."""
    return assert_one_line_error


def json_report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The parsed ``--output json`` report of a run."""
    import json

    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.fixture
def report() -> Callable[[subprocess.CompletedProcess[str]], dict[str, Any]]:
    """``report(result)``: the parsed ``--output json`` of a run."""
    return json_report


@pytest.fixture
def cli_environment() -> Callable[[dict[str, str] | None], dict[str, str]]:
    """``cli_environment(extra)``: the environment ``run_cli`` uses, for tests that spawn differently."""
    return cli_env
