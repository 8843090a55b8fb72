"""``nervsync history`` and ``nervsync undo``."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ..errors import ExitStatus, RefusedError, UsageError
from ..files import atomic_write_bytes, read_bytes_if_exists
from ..render.console import make_console
from ..state import DEFAULT_STATE, StateStore, pair_id, pair_lock, sha256
from .app import app
from .options import Color, Debug

HISTORY_SCHEMA_VERSION = 1
StatePath = Annotated[str, typer.Option("--state", help="The state database.")]


class HistoryOutput(str, Enum):
    """``--output`` of history."""

    TABLE = "table"
    JSON = "json"


def _store(path: str) -> StateStore:
    if not os.path.exists(path):
        raise UsageError(f"{path}: no state database here (it is created by the first sync)")
    return StateStore(path)


@app.command()
def history(
    source: Annotated[str | None, typer.Argument(help="Only syncs of this SOURCE…", show_default=False)] = None,
    target: Annotated[str | None, typer.Argument(help="…and this TARGET.", show_default=False)] = None,
    state: StatePath = DEFAULT_STATE,
    output: Annotated[HistoryOutput, typer.Option("--output", "-o", help="table or json.")] = HistoryOutput.TABLE,
    color: Color = None,
    debug: Debug = False,
) -> int:
    """List past syncs, newest first.

    Example: nervsync history desired.yaml deployed.yaml --output json
    """
    if (source is None) != (target is None):
        raise UsageError("give both SOURCE and TARGET, or neither")
    store = _store(state)
    entries = store.history(pair_id(source, target) if source and target else None)
    if output is HistoryOutput.JSON:
        sys.stdout.write(json.dumps({"schema_version": HISTORY_SCHEMA_VERSION,
                                     "runs": [e.to_dict() for e in entries]}, indent=2) + "\n")
        return ExitStatus.OK
    table = Table(title=Text(f"{len(entries)} sync{'s' if len(entries) != 1 else ''} in {state}"),
                  title_justify="left")
    for column in ("run", "time", "source", "target", "direction", "strategy", ""):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(entry.run_id[:12], entry.time, Text(entry.source), Text(entry.target), entry.direction,
                      entry.strategy, Text("undone", style="dim") if entry.undone else "")
    make_console(color=color).print(table)
    return ExitStatus.OK


@app.command()
def undo(
    run_id: Annotated[str | None, typer.Argument(help="The run to undo (a prefix is enough); default: the "
                                                 "latest not undone.", show_default=False)] = None,
    state: StatePath = DEFAULT_STATE,
    force: Annotated[bool, typer.Option("--force", help="Undo even if a file changed since that sync.")] = False,
    debug: Debug = False,
) -> int:
    """Restore both files of a sync to their bytes before it, and its base.

    Refuses (exit 2, nothing written) if either file changed since that sync, unless --force.

    Example: nervsync undo 3f2a9c
    """
    store = _store(state)
    entry = store.entry(run_id)
    if entry is None:
        raise UsageError("no such run" if run_id else "nothing to undo")
    if entry.undone:
        raise RefusedError(f"run {entry.run_id[:12]} was already undone")
    with pair_lock(state, entry.pair):
        paths = (entry.source, entry.target)
        befores = (entry.source_before, entry.target_before)
        current = [read_bytes_if_exists(path) for path in paths]
        expected = (entry.source_hash, entry.target_hash)
        # Only a file undo would write can be clobbered: one the run never wrote is left alone.
        changed = [path for path, data, want, before in zip(paths, current, expected, befores)
                   if before is not None and sha256(data) != want]
        if changed and not force:
            raise RefusedError(f"{', '.join(changed)} changed since run {entry.run_id[:12]}; nothing was "
                               "written (use --force to undo anyway)")
        for path, before, now in zip(paths, befores, current):
            if before is not None and before != now:
                atomic_write_bytes(path, before)
        store.mark_undone(entry)
    restored = " and ".join(path for path, before in zip(paths, befores) if before is not None) or "nothing"
    sys.stderr.write(f"nervsync: undid run {entry.run_id[:12]}: restored {restored}\n")
    return ExitStatus.OK
