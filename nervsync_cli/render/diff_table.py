"""The human view of a diff: a rich table grouped by record, old → new values, a summary line."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..model import MISSING, Change, ChangeKind, Diff, Summary
from ..paths import format_path, record_of

_STYLE = {ChangeKind.ADDED: "green", ChangeKind.REMOVED: "red", ChangeKind.CHANGED: "yellow"}
_MARK = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.CHANGED: "~"}
_MAX_VALUE = 160


def value_text(value: Any) -> str:
    """A one-line rendering of a value: scalars as JSON, containers compact, long ones cut."""
    if value is MISSING:
        return ""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _change_cell(change: Change) -> Text:
    if change.kind is ChangeKind.CHANGED:
        return Text.assemble(
            (value_text(change.source), "red"), (" → ", "dim"), (value_text(change.target), "green")
        )
    value = change.target if change.kind is ChangeKind.ADDED else change.source
    return Text(value_text(value), style=_STYLE[change.kind])


def summary_line(summary: Summary) -> str:
    """``2 added, 1 removed, 3 changed records (7 changes)``, or ``no differences``."""
    if not summary.changes:
        return "no differences"
    return (
        f"{summary.added} added, {summary.removed} removed, {summary.changed} changed records "
        f"({summary.changes} change{'s' if summary.changes != 1 else ''})"
    )


def render_diff_table(console: Console, diff: Diff, source: str, target: str) -> None:
    """Print the changes as a table grouped by record, then the summary line."""
    summary = diff.summary()
    if diff.changes:
        table = Table(title=Text(f"{source} → {target}"), title_justify="left", show_lines=False, expand=False)
        table.add_column("", no_wrap=True)
        table.add_column("record", style="bold", overflow="fold")
        table.add_column("field", overflow="fold")
        table.add_column("source → target", overflow="fold")
        for record, changes in groupby(diff.changes, key=lambda c: record_of(c.path)):
            first = True
            for change in changes:
                inner = change.path[len(record):]
                table.add_row(
                    Text(_MARK[change.kind], style=_STYLE[change.kind]),
                    Text(format_path(record) if first else ""),
                    Text(format_path(inner)) if inner else Text(change.kind.value, style="dim"),
                    _change_cell(change),
                )
                first = False
        console.print(table)
    console.print(summary_line(summary))


def render_summary(console: Console, diff: Diff) -> None:
    """Counts only."""
    console.print(summary_line(diff.summary()))
