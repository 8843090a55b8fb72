"""``nervsync apply PLAN`` and ``nervsync show PLAN``: saved sync plans (see :mod:`nervsync_cli.planfile`)."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from ..errors import ExitStatus
from ..model import Side
from ..planfile import PlanFile, apply_plan, drifted, load_plan, plan_to_dict
from ..render.console import make_console
from ..render.report import to_json
from ..render.sync_table import conflict_table, ops_table
from .app import app
from .options import Color, Debug

PlanArg = Annotated[str, typer.Argument(help="A plan written by nervsync sync --plan-out.", show_default=False)]


class ShowOutput(str, Enum):
    """``--output`` of show."""

    TABLE = "table"
    JSON = "json"


@app.command("apply")
def apply_command(
    plan: PlanArg,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; the exit code tells.")] = False,
    debug: Debug = False,
) -> int:
    """Apply a saved sync plan exactly, to the files it was made for.

    Refused (exit 2, nothing written) when the plan has unresolved conflicts, or when either
    file changed since the plan was made (SHA-256 of its bytes, and the old value of every
    path the plan touches). File names are as given to sync: apply from the same directory.

    Example: nervsync sync a.yaml b.json --plan-out plan.json && nervsync apply plan.json
    """
    plan_file = load_plan(plan)
    applied = apply_plan(plan_file)
    if not quiet:
        changes = len(plan_file.plan.source_ops) + len(plan_file.plan.target_ops)
        if applied.written:
            sys.stdout.write(f"applied {changes} change{'s' if changes != 1 else ''}: wrote "
                             f"{', '.join(applied.written)}\n")
        else:
            sys.stdout.write("already in sync: nothing to do\n")
    return ExitStatus.OK


def render_plan(console: Console, plan_file: PlanFile, plan_name: str) -> None:
    """The plan as the sync tables, then when and for what it was made and whether it still applies."""
    plan = plan_file.plan
    if plan.conflicts:
        console.print(conflict_table(plan.conflicts))
    for side in Side:
        ops = plan.ops(side)
        if ops:
            console.print(ops_table(side, plan_file.guard(side).file, ops, done=False))
    if not plan.source_ops and not plan.target_ops and not plan.conflicts:
        console.print("already in sync: nothing to do")
    console.print(Text(f"plan made {plan_file.created_at} ({plan_file.direction}, {plan_file.strategy})",
                       style="dim"))
    stale = [(guard.file, why) for guard in (plan_file.source, plan_file.target)
             if (why := drifted(guard)) is not None]
    for file, why in stale:
        console.print(Text(f"{file}: {why}: apply will refuse this plan", style="bold red"))
    unresolved = len(plan.unresolved)
    if unresolved:
        console.print(Text(f"{unresolved} unresolved conflict{'s' if unresolved != 1 else ''}: apply will refuse "
                           "this plan", style="bold red"))
    elif not stale and (plan.source_ops or plan.target_ops):
        console.print(f"apply with: nervsync apply {plan_name}")


@app.command("show")
def show_command(
    plan: PlanArg,
    output: Annotated[ShowOutput, typer.Option("--output", "-o", help="table or json (the plan, checked).")] = (
        ShowOutput.TABLE),
    color: Color = None,
    debug: Debug = False,
) -> int:
    """Show a saved sync plan as the sync tables, and whether it can still be applied.

    Example: nervsync show plan.json
    """
    plan_file = load_plan(plan)
    if output is ShowOutput.JSON:
        sys.stdout.write(to_json(plan_to_dict(plan_file)))
    else:
        render_plan(make_console(color=color), plan_file, plan)
    return ExitStatus.OK
