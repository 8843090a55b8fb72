"""The human view of ``nervsync check``: one summary table, then what drifts and where."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..check import CheckResult, CheckRun, Finding, Status
from ..model import ChangeKind
from ..paths import format_path
from .diff_table import value_text
from .sync_table import conflict_table

STATUS_STYLE = {
    Status.PASS: ("✓ pass", "green"),
    Status.ACCEPTED: ("✓ accepted", "yellow"),
    Status.FIXED: ("✓ fixed", "cyan"),
    Status.DRIFT: ("✗ drift", "bold red"),
    Status.CONFLICTS: ("✗ conflicts", "bold red"),
    Status.ERROR: ("! error", "bold red"),
}
_MARK = {ChangeKind.ADDED: ("+", "green"), ChangeKind.REMOVED: ("-", "red"), ChangeKind.CHANGED: ("~", "yellow")}
# Enough to see what is going on in a terminal; the JSON, Markdown and HTML outputs list everything.
MAX_ROWS = 25


def _note(result: CheckResult) -> str:
    if result.error is not None:
        return str(result.error)
    if result.fix is not None:
        if result.fix.unresolved:
            return f"{len(result.fix.unresolved)} unresolved conflicts: nothing written"
        return "wrote " + ", ".join(result.fix.written) if result.fix.written else "nothing to write"
    return result.spec.description


def summary_table(run: CheckRun) -> Table:
    """One row per check: status, files compared, changes, accepted changes, and a note."""
    table = Table(title=Text(f"nervsync check ({run.config.file})"), title_justify="left")
    table.add_column("check", style="bold")
    table.add_column("status", no_wrap=True)
    table.add_column("files", justify="right")
    table.add_column("changes", justify="right")
    table.add_column("accepted", justify="right")
    table.add_column("note", overflow="fold")
    for result in run.results:
        label, style = STATUS_STYLE[result.status]
        table.add_row(Text(result.name), Text(label, style=style), str(len(result.pairs)),
                      str(len(result.drift)), str(len(result.accepted)), Text(_note(result), style="dim"))
    return table


def _where(finding: Finding, prefer_source: bool) -> str:
    anchor = finding.anchor(prefer_source)
    return str(anchor) if anchor is not None else ""


def changes_table(result: CheckResult) -> Table:
    """The changes that fail the check (after ``--fix``: those left), each at its file and line."""
    drift = result.failing
    left = " left" if result.fix is not None else ""
    table = Table(title=Text(f"{result.name}: {len(drift)} change{'s' if len(drift) != 1 else ''}{left}"),
                  title_justify="left")
    table.add_column("", no_wrap=True)
    table.add_column("where", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("source → target", overflow="fold")
    prefer_source = result.spec.annotate.value == "source"
    for finding in drift[:MAX_ROWS]:
        mark, style = _MARK[finding.change.kind]
        change = finding.change
        if change.kind is ChangeKind.CHANGED:
            cell = Text.assemble((value_text(change.source), "red"), (" → ", "dim"),
                                 (value_text(change.target), "green"))
        else:
            cell = Text(value_text(change.target if change.kind is ChangeKind.ADDED else change.source), style=style)
        # Text, not str: rich would read ``[name=web]`` in a path as markup and drop it.
        table.add_row(Text(mark, style=style), Text(_where(finding, prefer_source)), Text(format_path(change.path)),
                      cell)
    if len(drift) > MAX_ROWS:
        table.add_row("", "", Text(f"… and {len(drift) - MAX_ROWS} more (see --output json or --report)", style="dim"),
                      "")
    return table


def _closing_line(run: CheckRun) -> Text:
    failed = [result for result in run.results if result.status.failed]
    total = len(run.results)
    if not failed:
        return Text(f"all {total} checks passed" if total != 1 else "the check passed", style="green")
    return Text(f"{len(failed)} of {total} check{'s' if total != 1 else ''} failed: "
                + ", ".join(result.name for result in failed), style="bold red")


def render_check_run(console: Console, run: CheckRun) -> None:
    """Print the summary table, the drift of failing checks, conflicts of fixes, and a closing line."""
    console.print(summary_table(run))
    for result in run.results:
        if result.fix is not None and result.fix.conflicts:
            console.print(conflict_table(result.fix.conflicts))
        if result.status is Status.DRIFT:
            console.print(changes_table(result))
    console.print(_closing_line(run))
