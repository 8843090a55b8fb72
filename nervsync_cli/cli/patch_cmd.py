"""``nervsync patch``: apply an RFC 6902 JSON Patch or an RFC 7396 merge patch to a file."""

from __future__ import annotations

import dataclasses
import sys
from enum import Enum
from typing import Annotated, Any

import typer

from ..errors import ApplyError, ExitStatus, UsageError
from ..files import STDIN, atomic_write, decode, load_document, read_bytes
from ..formats import format_for_name, get_format
from ..model import DiffOptions, Document
from ..patch.jsonpatch import apply_json_patch, detect_patch_kind
from ..patch.mergepatch import apply_merge_patch
from ..paths import Path
from ..write import write_document
from .app import app
from .options import Coerce, Debug

_TABLE_FORMATS = ("csv", "tsv")


class PatchKind(str, Enum):
    """``--format`` of patch."""

    JSONPATCH = "jsonpatch"
    MERGEPATCH = "mergepatch"


def _load_patch(spec: str) -> Any:
    """The patch as data: JSON or YAML by extension, else by its first character (``[``/``{``: JSON)."""
    fmt = format_for_name(spec) if spec != STDIN else None
    text, _ = decode(read_bytes(spec), spec)
    if fmt is None:
        fmt = get_format("json" if text.lstrip()[:1] in ("[", "{", '"') else "yaml")
    elif fmt.name in _TABLE_FORMATS:
        raise UsageError(f"{spec}: a patch is JSON or YAML, not {fmt.name.upper()}")
    return fmt.load(text, spec).data


def _check_table(document: Document, data: Any) -> None:
    # A CSV file holds rows: anything else would be written as nonsense, so it is refused first.
    if document.format in _TABLE_FORMATS and not (
        isinstance(data, list) and all(isinstance(row, dict) for row in data)
    ):
        raise ApplyError(f"{document.name}: the patched document is not a list of rows, so it cannot be written "
                         f"as {document.format.upper()}")


def _write(original: Document, new: Document, out: str | None) -> str | None:
    """Write in the file's own style; an ``-o`` naming another format gets a fresh file in that format."""
    out_format = format_for_name(out) if out and out != STDIN else None
    if out is not None and out_format is not None and out_format.name != original.format:
        atomic_write(out, out_format.dump(new.data, multi_document=new.multi_document))
        return out
    return write_document(original, new, out)


@app.command("patch")
def patch_command(
    file: Annotated[str, typer.Argument(help="The JSON, YAML or CSV file to patch (- for stdin; the result then "
                                        "goes to stdout).", show_default=False)],
    patch: Annotated[str, typer.Argument(help="The patch: a JSON Patch (RFC 6902) or merge patch (RFC 7396), "
                                         "as JSON or YAML (- for stdin).", show_default=False)],
    out: Annotated[str | None, typer.Option("--out", "-o", help="Write the result here instead of FILE "
                                            "(- for stdout).")] = None,
    kind: Annotated[PatchKind | None, typer.Option("--format", help="jsonpatch or mergepatch (default: "
                                                   "detected: a list of objects with \"op\" is a JSON Patch).",
                                                   show_default=False)] = None,
    file_format: Annotated[str | None, typer.Option("--file-format", help="Format of FILE (json, yaml, csv, "
                                                    "tsv); default: from the extension.")] = None,
    coerce: Coerce = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; the exit code tells.")] = False,
    debug: Debug = False,
) -> int:
    """Apply PATCH to FILE, all or nothing, keeping FILE's format and layout.

    test operations are honoured. Any failing operation exits 2 with one line naming the
    operation's index and why, and nothing is written. Writes are atomic.

    Example: nervsync diff a.json b.json --output jsonpatch > p.json && nervsync patch a.json p.json
    """
    if file == STDIN and patch == STDIN:
        raise UsageError("FILE and PATCH cannot both be standard input")
    document = load_document(file, file_format, coerce=coerce)
    operations = _load_patch(patch)
    chosen = kind.value if kind is not None else detect_patch_kind(operations)
    try:
        if chosen == PatchKind.JSONPATCH.value:
            result = apply_json_patch(document.data, operations)
        else:
            result = apply_merge_patch(document.data, operations)
    except ApplyError as exc:
        raise ApplyError(f"{patch}: {exc.message}; nothing was written") from None
    _check_table(document, result)
    # A stream stays a stream: a patch that leaves one value (a JSON Patch ending in a move of /0 to
    # the root, as diff makes for a stream against a single document) is written as a stream of one
    # document, which reads back as that document, and the writer keeps the file's comments.
    if document.multi_document and not isinstance(result, list):
        result = [result]
    new = dataclasses.replace(document, data=result)
    destination = out if out is not None else (STDIN if file == STDIN else None)
    written = _write(document, new, destination)
    if not quiet and written != STDIN:
        stream = sys.stderr if written == STDIN else sys.stdout
        count = f"{len(operations)} operation{'s' if len(operations) != 1 else ''}" \
            if chosen == PatchKind.JSONPATCH.value else "merge patch"
        stream.write(f"wrote {written} ({count})\n" if written else f"{file} unchanged ({count}): nothing written\n")
    return ExitStatus.OK


def print_patch(output: str, source: str, target: str, source_format: str | None, target_format: str | None,
                coerce: bool, options: DiffOptions, subtree: Path, quiet: bool, color: bool | None) -> int:
    """``nervsync diff --output jsonpatch|mergepatch|unified``: the patch turning SOURCE into TARGET.

    The files are loaded as they are (not as streams) so the patch applies to SOURCE as written;
    the exit code is the diff's (0 none, 1 differences). Warnings go to stderr, as does the note
    on lists a merge patch can only replace whole.

    Raises:
        UsageError, InputError: as ``diff``; ApplyError: a merge patch cannot set a member to null.
    """
    from ..diff import as_streams
    from ..patch.generate import merge_patch_for, patch_documents
    from ..patch.unified import style_for, unified_diff
    from ..render.console import make_console
    from ..render.patch_out import json_patch_text, merge_patch_text, print_unified, replaced_lists_note
    from .diff_cmd import check_subtree

    if source == STDIN and target == STDIN:
        raise UsageError("SOURCE and TARGET cannot both be standard input")
    source_doc = load_document(source, source_format, coerce=coerce)
    target_doc = load_document(target, target_format, coerce=coerce)
    check_subtree(*as_streams(source_doc, target_doc), subtree)
    pair = patch_documents(source_doc, target_doc, options, subtree)
    text = ""
    if output == "jsonpatch":
        text = json_patch_text(pair.operations)
    elif output == "mergepatch":
        merge = merge_patch_for(source_doc.data, pair.patched)
        text = merge_patch_text(merge.patch)
        if merge.replaced_lists and not quiet:
            sys.stderr.write(replaced_lists_note(merge.replaced_lists))
    if not quiet:
        for warning in pair.diff.warnings:
            sys.stderr.write(f"nervsync: warning: {warning}\n")
        if output == "unified":
            stream = source_doc.multi_document or target_doc.multi_document
            style = style_for((source_doc.format, target_doc.format))
            print_unified(make_console(color=color), unified_diff(source_doc.data, pair.patched, source, target,
                                                                  style, stream=stream))
        else:
            sys.stdout.write(text)
    return ExitStatus.DIFFERENCES if pair.diff else ExitStatus.OK
