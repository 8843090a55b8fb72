"""``nervsync merge``: the git merge driver."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated

import typer

from ..errors import ExitStatus
from ..files import decode, read_bytes
from ..formats import Format, format_for_name, get_format
from ..merging import merge_texts
from ..model import ConflictStrategy
from ..paths import parse_pattern
from ..render.console import make_console
from ..render.sync_table import conflict_table
from .app import app
from .options import Color, Debug, Ignore, Keys, diff_options

MERGE_SCHEMA_VERSION = 1


class MergeOutput(str, Enum):
    """``--output`` of merge."""

    TABLE = "table"
    JSON = "json"


def _format(explicit: str | None, names: list[str | None], text: str) -> Format:
    if explicit:
        return get_format(explicit)
    for name in names:
        found = format_for_name(name) if name else None
        if found is not None:
            return found
    return get_format("json" if text.lstrip()[:1] in ("{", "[") else "yaml")


@app.command()
def merge(
    base: Annotated[str, typer.Argument(help="The common ancestor (git's %O).", show_default=False)],
    ours: Annotated[str, typer.Argument(help="Our version (git's %A); the merge is written here.",
                                        show_default=False)],
    theirs: Annotated[str, typer.Argument(help="Their version (git's %B).", show_default=False)],
    out: Annotated[str | None, typer.Option("--out", "-o", help="Write the merge here instead of OURS.")] = None,
    strategy: Annotated[ConflictStrategy, typer.Option(help="How conflicting fields are decided.")] = (
        ConflictStrategy.MERGE),
    name: Annotated[str | None, typer.Option(help="The file's real name (git's %P), to tell its format.")] = None,
    file_format: Annotated[str | None, typer.Option("--format", help="json, yaml, csv or tsv.")] = None,
    key: Keys = None,
    ignore: Ignore = None,
    text_field: Annotated[list[str] | None, typer.Option(help="Merge strings here as text. Repeatable.")] = None,
    output: Annotated[MergeOutput, typer.Option("--output", help="table (conflicts on stderr) or json (stdout).")] = (
        MergeOutput.TABLE),
    color: Color = None,
    debug: Debug = False,
) -> int:
    """Three-way merge of one JSON, YAML or CSV file, record by record and field by field.

    Exit 0 when clean (the merge is written), 1 with conflicts (OURS gets git conflict markers
    around the smallest conflicting regions and the conflict table goes to stderr).

    Example (.git/config): [merge "nervsync"] driver = nervsync merge %O %A %B --name %P
    """
    from ..files import atomic_write

    texts = tuple(decode(read_bytes(path), path)[0] for path in (base, ours, theirs))
    fmt = _format(file_format, [name, ours, base, theirs], texts[1])
    options = diff_options(key, ignore, False, None)
    if text_field:
        from dataclasses import replace

        options = replace(options, text_fields=tuple(parse_pattern(p) for p in text_field))
    result = merge_texts(fmt, (texts[0], texts[1], texts[2]), (base, ours, theirs), options, strategy)
    destination = out or ours
    atomic_write(destination, result.text)
    if result.fallback:
        sys.stderr.write(f"nervsync: warning: {result.fallback}; merged line by line\n")
    if output is MergeOutput.JSON:
        sys.stdout.write(json.dumps({
            "schema_version": MERGE_SCHEMA_VERSION, "clean": result.clean, "written": destination,
            "fallback": result.fallback, "text_conflicts": result.text_conflicts,
            "conflicts": [c.to_dict() for c in result.conflicts],
        }, indent=2, ensure_ascii=False) + "\n")
    elif result.conflicts and not result.clean:
        make_console(sys.stderr, color=color).print(conflict_table(result.conflicts))
    return ExitStatus.OK if result.clean else ExitStatus.DIFFERENCES

