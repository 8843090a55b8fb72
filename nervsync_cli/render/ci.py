"""CI outputs of ``nervsync check``: GitHub Actions annotations, GitLab Code Quality, JUnit XML, Markdown.

Every output names each change at a file and line (see :mod:`nervsync_cli.positions`), so CI shows
it next to the line that drifted. Accepted drift is reported softly (a warning, an ``info`` issue, a
passing test) so it stays visible without failing the build.
"""

from __future__ import annotations

import hashlib
import html
import json
import xml.etree.ElementTree as ET
from typing import Any

from ..check import CheckResult, CheckRun, Finding, Status, error_position
from ..errors import NervsyncError
from ..model import MISSING, ChangeKind
from ..paths import format_path
from ..positions import Position
from .diff_table import value_text

_STATUS_ICON = {
    Status.PASS: "✅", Status.ACCEPTED: "☑️", Status.FIXED: "🔧",
    Status.DRIFT: "❌", Status.CONFLICTS: "⚔️", Status.ERROR: "💥",
}


def describe(finding: Finding) -> str:
    """One line: ``spec.replicas: 3 → 2`` / ``beta: only in TARGET: true``."""
    change = finding.change
    path = format_path(change.path)
    if change.kind is ChangeKind.CHANGED:
        return f"{path}: {value_text(change.source)} → {value_text(change.target)}"
    if change.kind is ChangeKind.ADDED:
        return f"{path}: only in target: {value_text(change.target)}"
    return f"{path}: only in source: {value_text(change.source)}"


def _both_sides(finding: Finding) -> str:
    """``source a.yaml:3:5; target b.json:7:12`` (``absent, near …`` for the side without the value)."""
    sides = []
    for name, position in (("source", finding.positions.source), ("target", finding.positions.target)):
        if position is not None:
            sides.append(f"{name} {position}" if position.exact else f"{name} absent, near {position}")
    return "; ".join(sides)


def _anchor(result: CheckResult, finding: Finding) -> Position | None:
    return finding.anchor(prefer_source=result.spec.annotate.value == "source")


# --------------------------------------------------------------------------------------------
# GitHub Actions
# --------------------------------------------------------------------------------------------


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _gh_command(level: str, message: str, title: str, position: Position | None) -> str:
    properties = []
    if position is not None:
        properties.append(f"file={_gh_property(position.file)}")
        properties.append(f"line={position.line}")
        if position.column is not None and not position.file.endswith((".csv", ".tsv")):
            properties.append(f"col={position.column}")
    properties.append(f"title={_gh_property(title)}")
    return f"::{level} {','.join(properties)}::{_gh_data(message)}"


def github_annotations(run: CheckRun) -> list[str]:
    """Workflow commands: ``::error`` per drifting change, ``::warning`` per accepted one, per check error."""
    lines = []
    for result in run.results:
        if result.error is not None:
            lines.append(_gh_command("error", str(result.error), f"nervsync check {result.name}: error",
                                     error_position(result.error)))
        for finding in result.findings:
            level = "warning" if finding.accepted else "error"
            state = "accepted drift" if finding.accepted else finding.change.kind.value
            message = f"{describe(finding)} ({_both_sides(finding)})"
            title = f"nervsync check {result.name}: {state}"
            lines.append(_gh_command(level, message, title, _anchor(result, finding)))
    return lines


def github_error(error: NervsyncError) -> str:
    """One ``::error`` annotation for an error that stopped the run (a bad config), at its file and line."""
    return _gh_command("error", str(error), "nervsync check: error", error_position(error)) + "\n"


def github_output(run: CheckRun) -> str:
    """What ``--output github`` prints: the annotations, then one plain line per check for the log."""
    lines = github_annotations(run)
    for result in run.results:
        lines.append(f"nervsync check {result.name}: {result.status.value} "
                     f"({len(result.drift)} changes, {len(result.accepted)} accepted)")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# GitLab Code Quality
# --------------------------------------------------------------------------------------------


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _gitlab_issue(description: str, check: str, fingerprint: str, severity: str,
                  position: Position | None) -> dict[str, Any]:
    location: dict[str, Any] = {"path": position.file if position else "",
                                "lines": {"begin": position.line if position else 1}}
    return {"type": "issue", "description": description, "check_name": f"nervsync/{check}",
            "fingerprint": fingerprint, "severity": severity, "categories": ["Bug Risk"], "location": location}


def gitlab_report(run: CheckRun) -> list[dict[str, Any]]:
    """Code Quality issues: one per change (``major``, or ``info`` when accepted), ``blocker`` per error."""
    issues = []
    for result in run.results:
        if result.error is not None:
            issues.append(_gitlab_issue(f"{result.name}: {result.error}", result.name,
                                        _fingerprint(result.name, "error", str(result.error)), "blocker",
                                        error_position(result.error)))
        for finding in result.findings:
            key = finding.key
            severity = "info" if finding.accepted else "major"
            description = f"{result.name}: {describe(finding)}" + (" (accepted)" if finding.accepted else "")
            issues.append(_gitlab_issue(description, result.name,
                                        _fingerprint(key.check, key.pair, key.path, key.hash), severity,
                                        _anchor(result, finding)))
    return issues


def gitlab_output(run: CheckRun) -> str:
    """The Code Quality report as JSON text."""
    return json.dumps(gitlab_report(run), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------
# JUnit XML (the Jenkins / Ant format most CI systems read)
# --------------------------------------------------------------------------------------------


def _failure_text(result: CheckResult) -> str:
    lines = []
    for finding in result.failing:
        anchor = _anchor(result, finding)
        lines.append(f"{anchor or '?'}: {finding.change.kind.value} {describe(finding)}")
    if result.fix is not None:
        lines += [f"conflict {format_path(c.path)}: {value_text(c.source)} vs {value_text(c.target)}"
                  for c in result.fix.unresolved]
    return "\n".join(lines)


def _testcase(result: CheckResult) -> ET.Element:
    case = ET.Element("testcase", name=result.name, classname=f"nervsync.check.{result.name}", time="0")
    status = result.status
    if status is Status.ERROR:
        error = ET.SubElement(case, "error", message=str(result.error), type=type(result.error).__name__)
        error.text = str(result.error)
    elif status.failed:
        if status is Status.CONFLICTS and result.fix is not None:
            message = f"{len(result.fix.unresolved)} unresolved conflicts: nothing was written"
        else:
            message = f"{len(result.failing)} changes"
        failure = ET.SubElement(case, "failure", message=message, type=status.value)
        failure.text = _failure_text(result)
    notes = [f"accepted: {describe(f)}" for f in result.accepted] + [f"warning: {w}" for w in result.warnings]
    if notes:
        ET.SubElement(case, "system-out").text = "\n".join(notes)
    return case


def junit_report(run: CheckRun) -> str:
    """``<testsuites>`` with one ``<testsuite>`` per config and one ``<testcase>`` per check."""
    failures = sum(r.status in (Status.DRIFT, Status.CONFLICTS) for r in run.results)
    errors = sum(r.status is Status.ERROR for r in run.results)
    counts = {"tests": str(len(run.results)), "failures": str(failures), "errors": str(errors)}
    suites = ET.Element("testsuites", {"name": "nervsync check", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": f"nervsync check {run.config.file}", **counts,
                                                "skipped": "0", "time": "0"})
    for result in run.results:
        suite.append(_testcase(result))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# --------------------------------------------------------------------------------------------
# Markdown (a PR comment, or GitHub's job summary)
# --------------------------------------------------------------------------------------------


def _md_code(value: Any) -> str:
    if value is MISSING:
        return "—"
    text = html.escape(value_text(value)).replace("|", "&#124;").replace("\n", "<br>")
    return f"<code>{text}</code>"


def _md_where(position: Position | None) -> str:
    return "" if position is None else f" <sub>{html.escape(str(position))}</sub>"


def _md_change_rows(result: CheckResult) -> list[str]:
    rows = ["| | path | source | target |", "|---|---|---|---|"]
    mark = {ChangeKind.ADDED: "➕", ChangeKind.REMOVED: "➖", ChangeKind.CHANGED: "✏️"}
    for finding in result.findings:
        change = finding.change
        accepted = " *(accepted)*" if finding.accepted else ""
        path = html.escape(format_path(change.path)).replace("|", "&#124;")
        rows.append(f"| {mark[change.kind]} | <code>{path}</code>{accepted} "
                    f"| {_md_code(change.source)}{_md_where(finding.positions.source)} "
                    f"| {_md_code(change.target)}{_md_where(finding.positions.target)} |")
    return rows


def _md_details(result: CheckResult) -> list[str]:
    changes = len(result.findings)
    head = f"<details><summary><b>{html.escape(result.name)}</b> — {_STATUS_ICON[result.status]} " \
           f"{result.status.value}, {changes} change{'s' if changes != 1 else ''}</summary>"
    lines = [head, ""]
    if result.error is not None:
        lines.append(f"```\n{result.error}\n```")
    if result.findings:
        lines += _md_change_rows(result)
    if result.fix is not None and result.fix.conflicts:
        lines += ["", "**Conflicts**", "", "| path | source | target | resolution |", "|---|---|---|---|"]
        lines += [f"| <code>{html.escape(format_path(c.path))}</code> | {_md_code(c.source)} | {_md_code(c.target)} "
                  f"| {c.resolution or 'unresolved'} |" for c in result.fix.conflicts]
    return [*lines, "", "</details>", ""]


def markdown_report(run: CheckRun) -> str:
    """A summary table and a collapsible ``<details>`` per check with changes, ready for a PR comment."""
    failed = sum(result.status.failed for result in run.results)
    title = (f"all {len(run.results)} checks passed" if not failed
             else f"{failed} of {len(run.results)} checks failed")
    lines = [f"### nervsync check: {title}", "", "| check | status | files | changes | accepted |",
             "|---|---|---:|---:|---:|"]
    for result in run.results:
        lines.append(f"| {html.escape(result.name)} | {_STATUS_ICON[result.status]} {result.status.value} "
                     f"| {len(result.pairs)} | {len(result.drift)} | {len(result.accepted)} |")
    lines.append("")
    for result in run.results:
        if result.findings or result.error is not None or (result.fix and result.fix.conflicts):
            lines += _md_details(result)
    return "\n".join(lines)
