"""``nervsync sync``."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from enum import Enum
from typing import Annotated, Any

import typer

from ..errors import ExitStatus, UsageError
from ..events import EventRecorder
from ..fieldmap import FieldMap
from ..files import STDIN, append_text, document_bytes, files_sha256, load_document, mtime
from ..model import MISSING, ConflictStrategy, Document, SyncDirection, SyncOptions
from ..paths import format_path, parse_pattern
from ..render.progress import StageProgress
from ..resolve import load_resolutions
from ..state import DEFAULT_STATE, StateSession, state_session
from ..sync import SyncOutcome, conflict_dicts, finish_events, sync_documents
from ..tree import get_at
from ..write import write_document
from .app import app
from .diff_cmd import load_pair
from .options import (
    CheckOpt,
    Coerce,
    Color,
    ConfigOpt,
    Debug,
    Ignore,
    IgnoreOrder,
    Keys,
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


class SyncOutput(str, Enum):
    """``--output`` of sync."""

    TABLE = "table"
    JSON = "json"


def _load_aux(spec: str | None) -> Any:
    return None if spec is None else load_document(spec).data


def _custom_resolver(strategy: ConflictStrategy) -> Any:
    if strategy is ConflictStrategy.MANUAL and sys.stdin.isatty() and sys.stdout.isatty():
        from ..render.console import make_console
        from .prompt import PromptResolver

        return PromptResolver(make_console())
    return None


@app.command()
def sync(
    source: SourceArg,
    target: TargetArg,
    direction: Annotated[SyncDirection, typer.Option(help="Which side receives changes.")] = (
        SyncDirection.BIDIRECTIONAL),
    strategy: Annotated[ConflictStrategy, typer.Option(help="How a field that differs on both sides is "
                        "decided (bidirectional).")] = ConflictStrategy.MERGE,
    key: Keys = None,
    path: PathOpt = None,
    source_path: Annotated[str | None, typer.Option(help="Where the records sit in SOURCE.")] = None,
    target_path: Annotated[str | None, typer.Option(help="Where the records sit in TARGET.")] = None,
    ignore: Ignore = None,
    ignore_order: IgnoreOrder = False,
    precision: Precision = None,
    coerce: Coerce = False,
    source_format: SourceFormat = None,
    target_format: TargetFormat = None,
    no_delete: Annotated[bool, typer.Option("--no-delete", help="Never remove from the receiving side.")] = False,
    no_create: Annotated[bool, typer.Option("--no-create", help="Never add to the receiving side.")] = False,
    timestamp_field: Annotated[str | None, typer.Option(help="Record field for last-update-wins "
                               "(default: updated_at, updatedAt, modified, last_modified, timestamp).")] = None,
    map_file: Annotated[str | None, typer.Option("--map", help="YAML/JSON file renaming SOURCE fields to "
                        "TARGET fields, e.g. {content: body}.")] = None,
    conflicts_out: Annotated[str | None, typer.Option(help="Write the conflicts as JSON, to edit and pass "
                             "back with --resolutions.")] = None,
    resolutions: Annotated[str | None, typer.Option(help="Decisions for conflicts (the --conflicts-out "
                           "file with resolution set to source, target or value).")] = None,
    source_out: Annotated[str | None, typer.Option(help="Write SOURCE's result here (- for stdout).")] = None,
    target_out: Annotated[str | None, typer.Option(help="Write TARGET's result here (- for stdout).")] = None,
    events: Annotated[str | None, typer.Option(help="Append sync events to this JSON Lines file.")] = None,
    max_deletes: Annotated[int | None, typer.Option(min=0, help="Refuse a sync deleting more items.")] = None,
    state: Annotated[str, typer.Option(help="The state database keeping each pair's base and history.")] = (
        DEFAULT_STATE),
    no_state: Annotated[bool, typer.Option("--no-state", help="Neither read nor store a base.")] = False,
    base: Annotated[str | None, typer.Option(help="The common base, overriding the stored one.")] = None,
    match: Annotated[str | None, typer.Option(help="Pair records by these fields (FIELD[,FIELD]) when the "
                     "two sides number them differently.")] = None,
    text_field: Annotated[list[str] | None, typer.Option(help="Merge strings here as text (three-way). "
                          "Repeatable.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; write nothing.")] = False,
    plan_out: Annotated[str | None, typer.Option("--plan-out", help="Save the plan here instead of applying it "
                        "(- for stdout); 'nervsync apply PLAN' applies it later if neither file changed.")] = None,
    output: Annotated[SyncOutput, typer.Option("--output", "-o", help="table or json.")] = SyncOutput.TABLE,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; the exit code tells.")] = False,
    color: Color = None,
    debug: Debug = False,
    config: ConfigOpt = None,
    check: CheckOpt = None,
) -> int:
    """Make SOURCE and TARGET agree, in the chosen direction and with the chosen strategy.

    Unresolved conflicts exit 1 and write nothing. Writes are atomic and keep each file's
    formatting (YAML comments, JSON indentation, CSV dialect): only changed parts change.

    Example: nervsync sync desired.yaml deployed.yaml --direction source-to-target --dry-run
    """
    keys = [*([match] if match else []), *(key or [])]
    compare, spec = with_config(diff_options(keys, ignore, ignore_order, precision), config, check, source, target)
    if text_field:
        compare = replace(compare, text_fields=tuple(parse_pattern(p) for p in text_field))
    options = SyncOptions(
        diff=compare, direction=direction, strategy=strategy,
        match=tuple(f.strip() for f in match.split(",")) if match else (),
        path_strategies=tuple((rule.pattern, rule.strategy) for rule in (spec.sync.paths if spec else ())
                              if rule.strategy is not None and rule.direction is None),
        path=path_option(path),
        source_path=path_option(source_path) if source_path else None,
        target_path=path_option(target_path) if target_path else None,
        no_delete=no_delete, no_create=no_create, timestamp_field=timestamp_field, max_deletes=max_deletes,
    )
    if (source_out == "-" and target_out == "-") and not dry_run:
        raise UsageError("--source-out and --target-out cannot both be standard output")
    if plan_out is not None and (source_out is not None or target_out is not None):
        raise UsageError("--plan-out saves the plan instead of writing files: drop --source-out/--target-out "
                         "(nervsync apply writes the files in place)")
    planning = dry_run or plan_out is not None
    field_map = FieldMap.from_data(_load_aux(map_file), map_file) if map_file else None
    decided = load_resolutions(_load_aux(resolutions), resolutions) if resolutions else None
    if events:
        # Opened before anything is done: a log that cannot be written must not fail a sync whose
        # files are already written.
        append_text(events, "")
    recorder = EventRecorder()
    written: list[str] = []
    in_place = source_out is None and target_out is None and STDIN not in (source, target)
    state_path = None if no_state or not in_place else state
    try:
        with StageProgress() as progress, \
                state_session(state_path, source, target, _scope(options), create=not planning) as session:
            source_doc, target_doc = load_pair(
                source, target, source_format, target_format, coerce, progress, split=True)
            common = _base(base, options, session)
            progress("planning")
            outcome = sync_documents(
                source_doc, target_doc, options, custom_resolver=_custom_resolver(strategy), resolutions=decided,
                mtimes=(mtime(source), mtime(target)), field_map=field_map, events=recorder, apply=not planning,
                base=common,
            )
            if plan_out is not None:
                from ..planfile import make_plan_file, write_plan

                write_plan(plan_out, make_plan_file(source_doc, target_doc, outcome.plan, options, coerce=coerce))
            if conflicts_out:
                _write_conflicts(conflicts_out, outcome)
            if outcome.applied:
                progress("writing")
                if session is None:
                    written = _write(source_doc, target_doc, outcome, source_out, target_out)
                else:
                    with session.pending(
                        (_before(source_doc, outcome.source), _before(target_doc, outcome.target)),
                        get_at(outcome.source.data, options.roots[0]), direction.value, strategy.value,
                        run_id=recorder.run_id, base_json=_base_json(source_doc, outcome, options),
                    ) as pending:
                        written = _write(source_doc, target_doc, outcome, source_out, target_out)
                        source_digest, target_digest = files_sha256(source, target)
                        pending.commit((source_digest, target_digest),
                                       (source_doc.name in written, target_doc.name in written))
        finish_events(recorder, outcome, written)
    except Exception as exc:
        if not any(e["event"] == "sync.failed" for e in recorder.events):
            recorder.publish("sync.failed", reason=str(exc))
        raise
    finally:
        if events:
            append_text(events, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in recorder.events))
    if plan_out != "-":  # a plan on stdout is the whole output
        _render(outcome, source, target, written, planning, output, quiet, color)
    if plan_out not in (None, "-") and not quiet and output is SyncOutput.TABLE:
        sys.stdout.write(f"plan saved to {plan_out}: apply it with 'nervsync apply {plan_out}'\n")
    return ExitStatus.DIFFERENCES if outcome.plan.unresolved else ExitStatus.OK


def _scope(options: SyncOptions) -> str:
    """The part of the pair a base belongs to: syncs of different subtrees keep separate bases."""
    source_root, target_root = options.roots
    return format_path(source_root) + " -> " + format_path(target_root)


def _base(base_file: str | None, options: SyncOptions, session: StateSession | None) -> Any:
    """``--base`` (its subtree at SOURCE's root), else the stored base, else none."""
    if base_file is not None:
        return get_at(load_document(base_file).data, options.roots[0])
    if session is not None and session.base is not None:
        return session.base
    return MISSING


def _base_json(source_doc: Document, outcome: SyncOutcome, options: SyncOptions) -> bytes | None:
    """The new base as JSON without serialising it, where SOURCE's own bytes are that: SOURCE is a
    JSON file, the sync left it as loaded, and its whole tree is the synced part."""
    unchanged = outcome.source is source_doc and not options.roots[0]
    if unchanged and source_doc.format == "json" and not source_doc.multi_document:
        return source_doc.original_bytes()
    return None


def _before(document: Document, new: Document) -> bytes | None:
    """What undo restores of a file: its bytes before the sync, if the sync may write it (a copy of
    an untouched file would only grow the store, by the whole file for a big one)."""
    return document_bytes(document) if new.data is not document.data else None


def _write_conflicts(path: str, outcome: SyncOutcome) -> None:
    from ..files import atomic_write

    atomic_write(path, json.dumps({"conflicts": conflict_dicts(outcome.plan.conflicts)}, indent=2,
                                  ensure_ascii=False) + "\n")


def _write(source_doc: Document, target_doc: Document, outcome: SyncOutcome, source_out: str | None,
           target_out: str | None) -> list[str]:
    # Checked before writing anything: a side read from stdin has no file to receive its changes,
    # and dropping them silently would report a sync that did not happen.
    sides = (("SOURCE", source_doc, outcome.plan.source_ops, source_out),
             ("TARGET", target_doc, outcome.plan.target_ops, target_out))
    for side, document, ops, out in sides:
        if ops and out is None and document.name == STDIN:
            raise UsageError(f"{side} is standard input and would be changed: name where the result goes "
                             f"with --{side.lower()}-out FILE (- for stdout)")
    written = []
    for original, new, out in ((target_doc, outcome.target, target_out), (source_doc, outcome.source, source_out)):
        where = write_document(original, new, out)
        if where is not None:
            written.append(where)
    return written


def _render(outcome: SyncOutcome, source: str, target: str, written: list[str], dry_run: bool,
            output: SyncOutput, quiet: bool, color: bool | None) -> None:
    if quiet:
        return
    # Imported here: rich takes a tenth of a second to import, which a quiet run does not need.
    from ..render.console import make_console
    from ..render.report import sync_report, to_json
    from ..render.sync_table import render_sync

    for warning in outcome.plan.warnings:
        sys.stderr.write(f"nervsync: warning: {warning}\n")
    stdout_taken = "-" in written
    if output is SyncOutput.JSON:
        text = to_json(sync_report(outcome, source, target, written, dry_run))
        (sys.stderr if stdout_taken else sys.stdout).write(text)
        return
    console = make_console(sys.stderr if stdout_taken else None, color=color)
    plan = outcome.plan
    for pair in plan.matched:
        console.print(f"matched {format_path(pair.path)}: source {pair.source_ids} ↔ target {pair.target_ids}",
                      markup=False)
    render_sync(console, plan.conflicts, plan.source_ops, plan.target_ops, (source, target),
                outcome.applied, written)
