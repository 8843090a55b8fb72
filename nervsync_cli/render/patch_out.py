"""Text forms of patches: JSON Patch one operation per line, merge patches, coloured unified diffs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.text import Text


def json_patch_text(operations: Sequence[dict[str, Any]]) -> str:
    """A JSON array with one operation per line: valid JSON that still reads (and diffs) as a list."""
    if not operations:
        return "[]\n"
    lines = ",\n".join("  " + json.dumps(op, ensure_ascii=False) for op in operations)
    return f"[\n{lines}\n]\n"


def merge_patch_text(patch: Any) -> str:
    """A merge patch as indented JSON."""
    return json.dumps(patch, indent=2, ensure_ascii=False) + "\n"


def replaced_lists_note(pointers: Sequence[str]) -> str:
    """The stderr note for lists a merge patch can only replace whole (RFC 7396 has no list edits)."""
    shown = ", ".join(pointer or '""' for pointer in pointers)
    return (f"nervsync: note: the merge patch replaces {len(pointers)} whole list{'s' if len(pointers) != 1 else ''} "
            f"({shown}): RFC 7396 cannot edit list items; --output jsonpatch can\n")


_LINE_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def print_unified(console: Console, text: str) -> None:
    """A unified diff, coloured like ``git diff`` when the console has colour, verbatim otherwise."""
    if not console.is_terminal or console.no_color:
        console.file.write(text)
        return
    for line in text.splitlines():
        style = next((style for prefix, style in _LINE_STYLES if line.startswith(prefix)), "")
        console.print(Text(line, style=style), soft_wrap=True)
