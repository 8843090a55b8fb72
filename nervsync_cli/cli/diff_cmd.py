"""``nervsync diff``."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from ..columnar import diff_files, wants_columnar
from ..diff import as_streams, diff_documents
from ..errors import ExitStatus, UsageError
from ..files import STDIN, parse_input, read_input
from ..model import MISSING, Document
from ..paths import Path, format_path
from ..render.progress import StageProgress
from ..render.report import diff_report, to_json, to_yaml
from ..split_load import parse_both
from ..tree import get_at
from .app import app, keep_until_exit
from .options import (
    PATCH_OUTPUTS,
    CheckOpt,
    Coerce,
    Color,
    ConfigOpt,
    Debug,
    Ignore,
    IgnoreOrder,
    Keys,
    Output,
    PathOpt,
    Precision,
    SourceArg,
    SourceFormat,
    TargetArg,
    TargetFormat,
    diff_options,
    path_option,
    with_config,
)


def load_pair(source: str, target: str, source_format: str | None, target_format: str | None,
              coerce: bool, progress: StageProgress, *, split: bool = False) -> tuple[Document, Document]:
    """Read and parse both inputs, kept until the process ends; both may not be stdin.

    ``split``: parse TARGET in a second process where that pays (:mod:`..split_load`). The two
    trees may then share records, so only a caller that edits neither in place may ask (a sync
    copies what it changes: :func:`..apply.applied_copy`).
    """
    if source == STDIN and target == STDIN:
        raise UsageError("SOURCE and TARGET cannot both be standard input")
    inputs = read_input(source, source_format), read_input(target, target_format)
    stage = f"loading {source} and {target}"
    if split:
        # The display starts once the child is forked: a thread would keep the fork from happening.
        source_doc, target_doc = parse_both(*inputs, coerce=coerce, started=lambda: progress(stage))
    else:
        progress(stage)
        source_doc, target_doc = (parse_input(raw, coerce=coerce, freeze_gc=True) for raw in inputs)
    keep_until_exit(source_doc, target_doc)
    return as_streams(source_doc, target_doc)


def check_subtree(source: Document, target: Document, subtree: Path) -> None:
    """Refuse a ``--path`` found in neither file: a typo must not pass as "no differences".

    Raises:
        UsageError: neither document has the path.
    """
    if subtree and get_at(source.data, subtree) is MISSING and get_at(target.data, subtree) is MISSING:
        raise UsageError(f"--path {format_path(subtree)}: exists in neither {source.name} nor {target.name}")


class Engine(str, Enum):
    """``--engine`` of diff."""

    AUTO = "auto"
    PYTHON = "python"
    COLUMNAR = "columnar"


@app.command()
def diff(
    source: SourceArg,
    target: TargetArg,
    output: Annotated[Output, typer.Option("--output", "-o", help="table, summary, json, yaml; or a patch turning "
                      "SOURCE into TARGET: jsonpatch (RFC 6902), mergepatch (RFC 7396), unified (diff -u "
                      "of the normalized documents).")] = Output.TABLE,
    key: Keys = None,
    path: PathOpt = None,
    ignore: Ignore = None,
    ignore_order: IgnoreOrder = False,
    precision: Precision = None,
    coerce: Coerce = False,
    source_format: SourceFormat = None,
    target_format: TargetFormat = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; the exit code tells.")] = False,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="terraform's codes: 0 none, 2 differences, 1 error.")] = False,
    color: Color = None,
    debug: Debug = False,
    config: ConfigOpt = None,
    check: CheckOpt = None,
    positions: Annotated[bool, typer.Option(
        "--positions/--no-positions", help="json/yaml: give each change's file, line and column on both sides "
        "(the python engine; nervsync check always gives them).",
    )] = False,
    engine: Annotated[Engine, typer.Option(
        "--engine", help="auto: the columnar engine (polars) for CSV/TSV tables of 48 MiB and more "
        "together, else python; python; columnar: for any two CSV/TSV files. Same results either way.",
    )] = Engine.AUTO,
) -> int:
    """Show what differs between SOURCE and TARGET, record by record.

    List items are matched by identity (id, key, name, uuid, or --key), not by position.
    "added" means only in TARGET, "removed" only in SOURCE.

    Example: nervsync diff desired.yaml deployed.json --key records=id --output json

    Example: nervsync diff a.json b.json --output jsonpatch > p.json; nervsync patch a.json p.json
    """
    options, _ = with_config(diff_options(key, ignore, ignore_order, precision), config, check, source, target)
    subtree = path_option(path)
    # Commands, outputs and options a run does not use are imported only when used: a CLI that
    # scripts call thousands of times should start in as little time as it can.
    if output in PATCH_OUTPUTS:
        from .patch_cmd import print_patch

        return print_patch(output.value, source, target, source_format, target_format, coerce, options, subtree,
                           quiet, color)
    documents = None
    with StageProgress() as progress:
        result = None
        if wants_columnar(engine.value, source, target, source_format, target_format, subtree):
            progress("comparing (columnar)")
            # None: these files are outside what it reproduces exactly; the python engine takes them.
            result = diff_files(source, target, options, engine=engine.value, source_format=source_format,
                                target_format=target_format, coerce=coerce)
        if result is None:
            source_doc, target_doc = load_pair(source, target, source_format, target_format, coerce, progress,
                                               split=True)
            check_subtree(source_doc, target_doc, subtree)
            progress("comparing")
            result = diff_documents(source_doc, target_doc, options, subtree)
            documents = (source_doc, target_doc)
    if not quiet:
        for warning in result.warnings:
            sys.stderr.write(f"nervsync: warning: {warning}\n")
        if output in (Output.JSON, Output.YAML):
            report = diff_report(result, source, target)
            if positions and documents is not None:
                from ..positions import add_positions

                add_positions(report, result, *documents)
            sys.stdout.write((to_json if output is Output.JSON else to_yaml)(report))
        else:
            from ..render.console import make_console
            from ..render.diff_table import render_diff_table, render_summary

            console = make_console(color=color)
            if output is Output.SUMMARY:
                render_summary(console, result)
            else:
                render_diff_table(console, result, source, target)
    return ExitStatus.DIFFERENCES if result else ExitStatus.OK
