"""The human view of a sync: the conflict table and the changes applied to each side."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..model import MISSING, Conflict, Op, OpKind, Side
from ..paths import format_path
from .diff_table import value_text

_OP_STYLE = {OpKind.ADD: ("+", "green"), OpKind.REMOVE: ("-", "red"), OpKind.SET: ("~", "yellow")}


def conflict_table(conflicts: list[Conflict]) -> Table:
    """One row per conflicting field: values, timestamps when used, resolution and why."""
    timed = any(c.source_time or c.target_time for c in conflicts)
    table = Table(title=Text(f"{len(conflicts)} conflict{'s' if len(conflicts) != 1 else ''}"),
                  title_justify="left")
    table.add_column("path", overflow="fold")
    table.add_column("source", overflow="fold")
    table.add_column("target", overflow="fold")
    if timed:
        table.add_column("source time")
        table.add_column("target time")
    table.add_column("resolution")
    table.add_column("why", overflow="fold")
    for conflict in conflicts:
        resolution = Text(conflict.resolution or "unresolved",
                          style="green" if conflict.resolved else "bold red")
        if conflict.resolution == "value":
            resolution.append(f" {value_text(conflict.value)}")
        row: list[Text | str] = [
            Text(format_path(conflict.path)),
            Text(value_text(conflict.source), style="cyan"),
            Text(value_text(conflict.target), style="magenta"),
        ]
        if timed:
            row += [conflict.source_time or "", conflict.target_time or ""]
        row += [resolution, Text(conflict.reason, style="dim")]
        table.add_row(*row)
    return table


def ops_table(side: Side, name: str, ops: list[Op], done: bool) -> Table:
    """The changes for one side: added, removed and updated paths with old → new values."""
    verb = "applied to" if done else "to apply to"
    table = Table(title=Text(f"{len(ops)} change{'s' if len(ops) != 1 else ''} {verb} {side.value} ({name})"),
                  title_justify="left")
    table.add_column("", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("old → new", overflow="fold")
    for op in ops:
        mark, style = _OP_STYLE[op.kind]
        if op.kind is OpKind.SET:
            cell = Text.assemble((value_text(op.old), "red"), (" → ", "dim"), (value_text(op.value), "green"))
        else:
            cell = Text(value_text(op.value if op.value is not MISSING else op.old), style=style)
        table.add_row(Text(mark, style=style), Text(format_path(op.path)), cell)
    return table


def render_sync(console: Console, conflicts: list[Conflict], source_ops: list[Op], target_ops: list[Op],
                names: tuple[str, str], done: bool, written: list[str]) -> None:
    """Conflicts first (they decide whether anything happens), then each side's changes."""
    if conflicts:
        console.print(conflict_table(conflicts))
    for side, ops, name in ((Side.SOURCE, source_ops, names[0]), (Side.TARGET, target_ops, names[1])):
        if ops:
            console.print(ops_table(side, name, ops, done))
    unresolved = sum(not c.resolved for c in conflicts)
    if unresolved:
        console.print(Text(f"{unresolved} unresolved conflict{'s' if unresolved != 1 else ''}: nothing was "
                           "written (choose a --strategy, or edit --conflicts-out and rerun with --resolutions)",
                           style="bold red"))
    elif not source_ops and not target_ops:
        console.print("already in sync: nothing to do")
    elif written:
        console.print(Text("wrote " + ", ".join(written)))
    elif not done:
        console.print("dry run: nothing was written")
