"""A unified text diff (``diff -u``) of two documents, each normalized to canonical text first.

Normalizing (keys sorted, one indentation style, one value per line) makes the text diff show
changed values only, not the quoting, indentation or key order of the files.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any, Literal

Style = Literal["json", "yaml"]


def normalized_text(data: Any, style: Style = "json", *, stream: bool = False) -> str:
    """``data`` as sorted, indented JSON or block YAML; ``stream`` writes a list as YAML documents."""
    if style == "json":
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    options: dict[str, Any] = {"Dumper": dumper, "sort_keys": True, "allow_unicode": True,
                               "default_flow_style": False}
    if stream and isinstance(data, list):
        return str(yaml.dump_all(data, explicit_start=True, **options))
    return str(yaml.dump(data, **options))


def style_for(formats: Iterable[str]) -> Style:
    """JSON when every input is JSON, else YAML (the friendlier text for YAML and table files)."""
    return "json" if all(name == "json" for name in formats) else "yaml"


def unified_diff(source: Any, target: Any, source_name: str, target_name: str, style: Style = "json", *,
                 stream: bool = False, context: int = 3) -> str:
    """The unified diff of the normalized texts; empty when they are equal.

    ``source_name`` and ``target_name`` head the ``---`` and ``+++`` lines.
    """
    before = normalized_text(source, style, stream=stream).splitlines(keepends=True)
    after = normalized_text(target, style, stream=stream).splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, fromfile=source_name, tofile=target_name, n=context)
    # A last line without a newline would glue onto the next one; diff -u marks it instead.
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
