"""``nervsync check``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated

import typer

from ..accept import AcceptedDrift
from ..check import CheckRun, accept_all, run_checks
from ..config import Config, find_config, load_config
from ..errors import ExitStatus, InputError, UsageError
from ..files import append_text, atomic_write
from ..render.check_table import render_check_run
from ..render.ci import github_error, github_output, gitlab_output, junit_report, markdown_report
from ..render.console import make_console
from ..render.html import html_report
from ..render.report import to_json
from .app import app
from .options import Color, Debug


class CheckOutput(str, Enum):
    """``--output`` of check."""

    TABLE = "table"
    JSON = "json"
    GITHUB = "github"
    GITLAB = "gitlab"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"


_RENDERERS: dict[CheckOutput, Callable[[CheckRun], str]] = {
    CheckOutput.JSON: lambda run: to_json(run.to_dict()),
    CheckOutput.GITHUB: github_output,
    CheckOutput.GITLAB: gitlab_output,
    CheckOutput.JUNIT: junit_report,
    CheckOutput.MARKDOWN: markdown_report,
    CheckOutput.HTML: html_report,
}
_REPORT_EXTENSIONS = {".html": CheckOutput.HTML, ".htm": CheckOutput.HTML, ".md": CheckOutput.MARKDOWN,
                      ".markdown": CheckOutput.MARKDOWN, ".xml": CheckOutput.JUNIT, ".json": CheckOutput.JSON}


def _report_kinds(reports: list[str]) -> list[tuple[str, CheckOutput]]:
    """Each ``--report`` file with the output its extension names, checked before any check runs."""
    kinds = []
    for path in reports:
        kind = _REPORT_EXTENSIONS.get(os.path.splitext(path)[1].lower())
        if kind is None:
            raise UsageError(f"--report {path}: name a .html, .md, .xml (JUnit) or .json file")
        kinds.append((path, kind))
    return kinds


def _load(config: str | None) -> tuple[Config, AcceptedDrift]:
    config_file = config or str(find_config("."))
    loaded = load_config(config_file)
    shown = os.path.relpath(loaded.accepted_path)
    return loaded, AcceptedDrift.load(loaded.accepted_path, shown)


def _print_problems(run: CheckRun) -> None:
    for result in run.results:
        for warning in result.warnings:
            sys.stderr.write(f"nervsync: warning: check {result.name}: {warning}\n")
        if result.error is not None:
            sys.stderr.write(f"nervsync: error: check {result.name}: {result.error}\n")


def _show(run: CheckRun, output: CheckOutput, color: bool | None, accepted_note: str | None) -> None:
    if output is CheckOutput.TABLE:
        console = make_console(color=color)
        render_check_run(console, run)
        if accepted_note:
            console.print(accepted_note)
        return
    sys.stdout.write(_RENDERERS[output](run))
    if accepted_note:
        sys.stderr.write(f"nervsync: {accepted_note}\n")


@app.command()
def check(
    names: Annotated[list[str] | None, typer.Argument(help="Checks to run (default: every check of the config).",
                                                      show_default=False)] = None,
    config: Annotated[str | None, typer.Option("--config", "-c", help="Config file (default: nervsync.yaml, "
                      # A backslash keeps rich from reading the TOML table name as markup.
                      "else \\[tool.nervsync] in pyproject.toml, in the current folder).")] = None,
    output: Annotated[CheckOutput, typer.Option("--output", "-o", help="table, json, github (annotations and "
                      "job summary), gitlab (Code Quality), junit, markdown or html.")] = CheckOutput.TABLE,
    report: Annotated[list[str] | None, typer.Option("--report", help="Also write a report to FILE: .html, .md, "
                      ".xml (JUnit) or .json. Repeatable.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Run each failing check's configured sync (unresolved "
                   "conflicts write nothing).")] = False,
    accept: Annotated[bool, typer.Option("--accept", help="Record the current differences as accepted drift: "
                      "they stop failing until they change.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; the exit code tells.")] = False,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="terraform's codes: 0 none, 2 differences, 1 error.")] = False,
    color: Color = None,
    debug: Debug = False,
) -> int:
    """Run the drift checks of nervsync.yaml: exit 0 when all pass, 1 when any differs, 2 on error.

    Each check compares SOURCE and TARGET files (or globs paired by name) with its own rules;
    accepted drift (--accept) does not fail. Every change is reported at its file and line.

    Example: nervsync check --output github --report drift.html
    """
    if fix and accept:
        raise UsageError("--fix and --accept cannot be combined: fix the drift, or accept it")
    reports = _report_kinds(report or [])
    try:
        loaded, accepted = _load(config)
    except InputError as exc:
        if output is CheckOutput.GITHUB and not quiet:
            sys.stdout.write(github_error(exc))  # the config's line is annotated too
        raise
    run = run_checks(loaded, names or [], accepted=accepted, fix=fix)
    accepted_note = None
    if accept:
        accept_all(run, accepted)
        accepted.save(loaded.accepted_path)
        count = sum(len(result.findings) for result in run.results)
        where = os.path.relpath(loaded.accepted_path)
        accepted_note = f"accepted {count} difference{'s' if count != 1 else ''}: recorded in {where}"
    for path, kind in reports:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        atomic_write(path, _RENDERERS[kind](run))
    if output is CheckOutput.GITHUB and os.environ.get("GITHUB_STEP_SUMMARY"):
        append_text(os.environ["GITHUB_STEP_SUMMARY"], markdown_report(run) + "\n")
    if not quiet:
        _print_problems(run)
        _show(run, output, color, accepted_note)
    return ExitStatus(run.exit_status)
