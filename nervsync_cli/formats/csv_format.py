"""CSV and TSV codec: a header row, one mapping per row, cells as strings unless coerced."""

from __future__ import annotations

import csv
import io
import re
from itertools import repeat
from typing import Any

from ..errors import InputError
from ..model import Document
from .base import first_non_space
from .sniff import sniff_delimiter

_SNIFF_BYTES = 64 * 1024
# JSON's number grammar: a cell like "007" or "+5" is a code, not a number, so it stays a string
# and still equals the same cell exported to JSON as a string.
_INT = re.compile(r"-?(0|[1-9]\d*)\Z")
_FLOAT = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?\Z")
_BOOLS = {"true": True, "false": False}


def coerce_cell(cell: str) -> Any:
    """``--coerce``: empty → null, integers, floats and true/false become typed values."""
    if cell == "":
        return None
    if _INT.match(cell):
        return int(cell)
    if _FLOAT.match(cell):
        return float(cell)
    return _BOOLS.get(cell.lower(), cell)


def sniff_dialect(text: str, delimiter: str | None) -> type[csv.Dialect] | csv.Dialect:
    """The file's dialect, sniffed on a sample only: sniffing a whole large file is very slow.

    Only the delimiter is taken from the sniffer. Its guesses of quoting (``'`` as quote character,
    no doubled quotes, skipping spaces after delimiters) are wrong often enough on real data to
    change cell values silently; RFC 4180 quoting is what spreadsheets and ``csv.writer`` produce.
    """
    if delimiter is not None:
        return csv.excel_tab if delimiter == "\t" else csv.excel
    sample = text[:_SNIFF_BYTES]
    try:
        # csv.Sniffer's delimiter, found without its slow regexes (see .sniff).
        found = sniff_delimiter(sample, ",;\t|")
    except csv.Error:
        return csv.excel
    if found == ",":
        return csv.excel
    return type("SniffedDialect", (csv.excel,), {"delimiter": found})


class CsvFormat:
    """Delimited tables: ``csv`` (dialect sniffed) and ``tsv`` (tab)."""

    def __init__(self, name: str, extensions: tuple[str, ...], delimiter: str | None) -> None:
        self.name = name
        self.extensions = extensions
        self.delimiter = delimiter

    def load(self, text: str, name: str, *, coerce: bool = False) -> Document:
        """Parse rows into mappings keyed by the header; ragged rows are errors."""
        if not text or text.isspace():  # (``strip()`` would copy the whole text)
            raise InputError(name, "file is empty")
        if first_non_space(text) in ("{", "["):
            # A header cell never starts with a brace; without this, a JSON file named .csv loads as
            # an empty table whose "header" is JSON text, and the diff says everything was removed.
            raise InputError(name, "looks like JSON, not CSV (name the format with --source-format/--target-format)",
                             1, 1)
        dialect = sniff_dialect(text, self.delimiter)
        # strict: an unterminated quote or text after a closing quote is an error, not silently
        # swallowed into one giant cell.
        reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
        try:
            header = next(reader)
            self._check_header(header, name)
            rows = self._rows_at_once(reader, header, coerce)
            if rows is None:
                # Something is wrong further down: read again row by row to report the first problem.
                reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
                next(reader)
                rows = self._rows(reader, header, name, coerce)
        except csv.Error as exc:
            raise InputError(name, f"invalid CSV: {exc}", reader.line_num) from None
        return Document(data=rows, name=name, format=self.name, text=text)

    @staticmethod
    def _check_header(header: list[str], name: str) -> None:
        if all(_INT.match(cell) or _FLOAT.match(cell) for cell in header):
            raise InputError(name, "the first row holds only numbers: a header row naming the columns is required",
                             1, 1)
        seen: set[str] = set()
        for column, cell in enumerate(header, 1):
            if cell == "":
                raise InputError(name, f"header cell {column} is empty (a header row is required)", 1, column)
            if cell in seen:
                raise InputError(name, f"column {cell!r} appears twice in the header", 1, column)
            seen.add(cell)

    @staticmethod
    def _rows_at_once(reader: Any, header: list[str], coerce: bool) -> list[dict[str, Any]] | None:
        """:meth:`_rows` for a well-formed table, without Python bytecode per row; ``None`` otherwise."""
        try:
            cells = list(reader)
        except csv.Error:
            return None
        lengths = set(map(len, cells))
        if lengths - {len(header), 0}:
            return None
        if 0 in lengths:
            cells = [row for row in cells if row]
        if coerce:
            return [dict(zip(header, map(coerce_cell, row))) for row in cells]
        return list(map(dict, map(zip, repeat(header), cells)))

    @staticmethod
    def _rows(reader: Any, header: list[str], name: str, coerce: bool) -> list[dict[str, Any]]:
        width = len(header)
        rows: list[dict[str, Any]] = []
        append = rows.append
        for row in reader:
            if len(row) != width:
                if not row:
                    continue
                raise InputError(
                    name, f"row has {len(row)} cells but the header has {width}", reader.line_num
                )
            append(dict(zip(header, map(coerce_cell, row) if coerce else row)))
        return rows

    def dump(self, data: Any, *, multi_document: bool = False) -> str:
        """A new table: header from the keys in first-seen order, minimal quoting."""
        rows = data if isinstance(data, list) else [data]
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=self.delimiter or ",", lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell_text(row.get(column)) for column in columns])
        return out.getvalue()

    def update(self, original: str, data: Any, *, multi_document: bool = False) -> str:
        """Rewrite only changed rows, in the file's own dialect (see :mod:`.csv_update`)."""
        from .csv_update import update_csv

        return str(update_csv(original, data))


def cell_text(value: Any) -> str:
    """How a value is written into a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
