"""Options shared by several commands, as typer annotations, and their conversion to library types."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from ..identity import parse_key_option
from ..model import DiffOptions
from ..paths import Path, parse_path, parse_pattern

if TYPE_CHECKING:
    from ..config import CheckSpec


class Output(str, Enum):
    """``--output`` of diff."""

    TABLE = "table"
    SUMMARY = "summary"
    JSON = "json"
    YAML = "yaml"
    JSONPATCH = "jsonpatch"
    MERGEPATCH = "mergepatch"
    UNIFIED = "unified"


PATCH_OUTPUTS = frozenset({Output.JSONPATCH, Output.MERGEPATCH, Output.UNIFIED})
"""``diff --output`` values that print a patch instead of a report."""


SourceArg = Annotated[str, typer.Argument(help="SOURCE file (.json .yaml .yml .csv .tsv), or - for stdin.",
                                          show_default=False)]
TargetArg = Annotated[str, typer.Argument(help="TARGET file, or - for stdin.", show_default=False)]
SourceFormat = Annotated[str | None, typer.Option("--source-format", help="Format of SOURCE "
                         "(json, yaml, csv, tsv); default: from the extension.")]
TargetFormat = Annotated[str | None, typer.Option("--target-format", help="Format of TARGET.")]
Keys = Annotated[list[str] | None, typer.Option(
    "--key", "-k", help="Identity of list items: FIELD, a,b (composite), or PATH=FIELD[,FIELD] for one "
    "list. Repeatable. Default: auto-detect id, key, name, uuid.")]
PathOpt = Annotated[str | None, typer.Option("--path", help="Only this subtree, e.g. "
                    "spec.containers[name=web].")]
Ignore = Annotated[list[str] | None, typer.Option("--ignore", help="Leave out paths matching this "
                   "pattern (globs: *, [*], **). Repeatable.")]
IgnoreOrder = Annotated[bool, typer.Option("--ignore-order", help="Compare lists without a key as sets.")]
Precision = Annotated[int | None, typer.Option("--precision", min=0, max=15,
                      help="Numbers closer than 10^-N are equal.")]
Coerce = Annotated[bool, typer.Option("--coerce", help="CSV cells: integers, floats, true/false become "
                   "typed values and empty cells null.")]
Color = Annotated[bool | None, typer.Option("--color/--no-color", help="Force colour on or off "
                  "(default: on a terminal, unless NO_COLOR is set).", show_default=False)]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


def diff_options(keys: list[str] | None, ignore: list[str] | None, ignore_order: bool,
                 precision: int | None) -> DiffOptions:
    """The library's options object from the command line's values."""
    return DiffOptions(
        keys=tuple(parse_key_option(key) for key in keys or ()),
        ignore=tuple(parse_pattern(pattern) for pattern in ignore or ()),
        ignore_order=ignore_order,
        precision=precision,
    )


def path_option(text: str | None) -> Path:
    """``--path`` as a concrete path (the empty path: everything)."""
    return parse_path(text) if text else ()


ConfigOpt = Annotated[str | None, typer.Option(
    "--config", help="Take keys, ignored paths, list semantics, precision and text fields from this "
    "nervsync.yaml (the check comparing these two files, or --check NAME).")]
CheckOpt = Annotated[str | None, typer.Option("--check", help="With --config: the check whose rules apply.")]


def with_config(options: DiffOptions, config: str | None, check: str | None, source: str,
                target: str) -> tuple[DiffOptions, CheckSpec | None]:
    """``options`` plus the rules of the config's check for these files; command-line keys come first."""
    if config is None:
        if check is not None:
            raise UsageError("--check needs --config")
        return options, None
    from ..check import check_for_files
    from ..config import load_config

    spec = check_for_files(load_config(config), source, target, check)
    merged = DiffOptions(
        keys=(*options.keys, *spec.keys),
        ignore=(*spec.ignore, *options.ignore),
        ignore_order=options.ignore_order or spec.ignore_order,
        precision=options.precision if options.precision is not None else spec.precision,
        text_fields=(*spec.text, *options.text_fields),
    )
    return merged, spec
