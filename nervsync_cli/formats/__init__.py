"""Format codecs: text in, JSON-like tree out, and back. No disk access here (see ``files``).

Built-in formats are JSON, YAML, CSV and TSV; :func:`register_format` adds more.
"""

from __future__ import annotations

import threading

from ..errors import UsageError
from .base import Format
from .csv_format import CsvFormat
from .json_format import JsonFormat
from .yaml_format import YamlFormat

__all__ = ["Format", "format_for_name", "format_names", "get_format", "register_format"]

_registry: dict[str, Format] = {}
_by_extension: dict[str, Format] = {}
_lock = threading.Lock()


def register_format(fmt: Format, *, replace: bool = False) -> None:
    """Make ``fmt`` available by its name and file extensions.

    Raises:
        UsageError: the name is taken and ``replace`` is false.
    """
    with _lock:
        if fmt.name in _registry and not replace:
            raise UsageError(f"format {fmt.name!r} is already registered")
        _registry[fmt.name] = fmt
        for extension in fmt.extensions:
            _by_extension[extension.lower()] = fmt


def get_format(name: str) -> Format:
    """The format registered under ``name``.

    Raises:
        UsageError: no such format.
    """
    try:
        return _registry[name.lower()]
    except KeyError:
        raise UsageError(f"unknown format {name!r} (known: {', '.join(format_names())})") from None


def format_names() -> list[str]:
    """Names of all registered formats."""
    return sorted(_registry)


def format_for_name(filename: str) -> Format | None:
    """The format a file name's extension implies, if any."""
    dot = filename.rfind(".")
    if dot < 0:
        return None
    return _by_extension.get(filename[dot:].lower())


_BUILTIN: tuple[Format, ...] = (
    JsonFormat(), YamlFormat(), CsvFormat("csv", (".csv",), None), CsvFormat("tsv", (".tsv",), "\t"),
)
for _fmt in _BUILTIN:
    register_format(_fmt)
