"""Format-preserving CSV rewrite: unchanged rows keep their text, changed rows follow the file's dialect.

Rows are aligned by a unique ``id`` column, else by content; a row whose cells all still hold the
same values (``--coerce`` included: ``"1.50"`` still holds ``1.5``) is copied byte for byte,
quoting and all. Changed and new rows are written with the detected delimiter, quote character and
line ending, quoting only where needed, and each unchanged cell of a changed row keeps its text.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from .csv_format import coerce_cell
from .json_update import align_by_content, align_by_key, paused_gc, same_value

__all__ = ["update_csv"]

_DELIMITERS = ",;\t|"


@dataclass
class _Table:
    """The original file cut into physical records (a record keeps any blank lines after it)."""

    header: list[str]
    header_text: str
    cells: list[list[str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def _detect_terminator(text: str) -> str:
    newline = text.find("\n")
    if newline > 0 and text[newline - 1] == "\r":
        return "\r\n"
    if newline < 0 and "\r" in text:
        return "\r"
    return "\n"


def _detect_delimiter(first_line: str) -> str:
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda char: counts[char])
    return best if counts[best] else ","


def _detect_quotechar(sample: str, delimiter: str) -> str:
    """``"``, unless only apostrophes as quotes give every row of the sample the header's width."""
    if "'" not in sample or '"' in sample:
        return '"'
    complete = sample[: sample.rfind("\n") + 1] or sample
    for quotechar in ('"', "'"):
        rows = csv.reader(io.StringIO(complete, newline=""), delimiter=delimiter, quotechar=quotechar)
        if len({len(row) for row in rows if row}) == 1:
            return quotechar
    return '"'


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    quotechar: str
    terminator: str

    @classmethod
    def detect(cls, text: str) -> _Dialect:
        first_newline = text.find("\n")
        delimiter = _detect_delimiter(text if first_newline < 0 else text[:first_newline])
        return cls(delimiter, _detect_quotechar(text[:65536], delimiter), _detect_terminator(text))

    def options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`csv.reader` and :func:`csv.writer`."""
        return {
            "delimiter": self.delimiter,
            "quotechar": self.quotechar,
            # Writing with \r\n makes the writer quote cells holding either character; see _Writer.row.
            "lineterminator": "\r\n",
            "doublequote": True,
            "quoting": csv.QUOTE_MINIMAL,
        }


def _split(body: str, dialect: _Dialect) -> _Table:
    lines = io.StringIO(body, newline="").readlines()
    reader = csv.reader(iter(lines), **dialect.options())
    header = next(reader, [])
    table = _Table(header, "".join(lines[: reader.line_num]))
    consumed = reader.line_num
    for row in reader:
        text = "".join(lines[consumed : reader.line_num])
        consumed = reader.line_num
        if not row:  # a blank line: it stays with the record before it
            if table.texts:
                table.texts[-1] += text
            else:
                table.header_text += text
            continue
        table.cells.append(row)
        table.texts.append(text)
    return table


class _Writer:
    """Renders rows in the file's dialect, cell texts chosen per column."""

    def __init__(self, table: _Table, dialect: _Dialect, columns: list[str]) -> None:
        self.table = table
        self.columns = columns
        self.dialect = dialect
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, **dialect.options())
        self.positions = {name: i for i, name in enumerate(table.header)}
        self.spellings: dict[str, tuple[str, str]] = {}

    def row(self, cells: list[str]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        return self.buffer.getvalue()[:-2] + self.dialect.terminator

    def cell(self, column: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return self.bool_spelling(column)[0 if value else 1]
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return str(value)

    def bool_spelling(self, column: str) -> tuple[str, str]:
        """How the column already writes booleans: true/false in its case, or 1/0 in a 0/1 column."""
        known = self.spellings.get(column)
        if known is None:
            known = self._spelling(column)
            self.spellings[column] = known
        return known

    def _spelling(self, column: str) -> tuple[str, str]:
        position = self.positions.get(column)
        if position is None:
            return ("true", "false")
        seen: set[str] = set()
        for cells in self.table.cells:
            cell = cells[position] if position < len(cells) else ""
            lowered = cell.lower()
            if lowered in ("true", "false"):
                return _bool_case(cell)
            if cell:
                seen.add(cell)
        return ("1", "0") if seen and seen <= {"0", "1"} else ("true", "false")

    def holds(self, column: str, cell: str, value: Any) -> bool:
        """Whether ``cell`` still holds ``value`` (the text as loaded, or as ``--coerce`` reads it)."""
        if isinstance(value, str):
            return cell == value
        if self.cell(column, value) == cell:
            return True
        if isinstance(value, (dict, list)):
            try:
                return same_value(json.loads(cell), value)
            except ValueError:
                return False
        coerced = coerce_cell(cell)
        return type(coerced) is type(value) and coerced == value


def _bool_case(spelled: str) -> tuple[str, str]:
    if spelled.isupper():
        return ("TRUE", "FALSE")
    if spelled[0].isupper():
        return ("True", "False")
    return ("true", "false")


def _columns(header: list[str], new_rows: list[dict[str, Any]]) -> list[str]:
    present: dict[str, None] = {}
    for row in new_rows:
        present.update(dict.fromkeys(row))
    # A column no new row has was removed by the sync; with no rows at all, keep the header.
    kept = [name for name in header if name in present or not new_rows]
    return kept + [name for name in present if name not in header]


def _alignment(table: _Table, writer: _Writer, new_rows: list[dict[str, Any]]) -> list[int | None]:
    position = writer.positions.get("id")
    if position is not None:
        old_ids = [cells[position] if position < len(cells) else "" for cells in table.cells]
        keyed = align_by_key(old_ids, [writer.cell("id", row.get("id")) for row in new_rows])
        if keyed is not None:
            return keyed
    header = table.header
    old = [tuple(cells) for cells in table.cells]
    new = [tuple(writer.cell(name, row.get(name)) for name in header) for row in new_rows]
    return align_by_content(old, new)


def _record(table: _Table, writer: _Writer, old: int | None, row: dict[str, Any]) -> str:
    """The text of one output row: the original when nothing in it changed, else re-rendered."""
    columns = writer.columns
    if old is None:
        return writer.row([writer.cell(name, row.get(name)) for name in columns])
    header = table.header
    old_cells = table.cells[old]
    added = len(columns) - len(header)
    kept_all = added >= 0 and columns[: len(header)] == header
    # Fast path for the common case of text cells: one C-level comparison per row.
    added_blank = all(row.get(name) in (None, "") for name in columns[len(header) :])
    if kept_all and added_blank and old_cells == list(map(row.get, header)):
        return _with_cells_appended(table.texts[old], writer.dialect.delimiter * added)
    cells: list[str] = []
    changed = not kept_all  # a dropped column changes every row
    for name in columns:
        value = row.get(name)
        position = writer.positions.get(name)
        if position is not None and position < len(old_cells) and writer.holds(name, old_cells[position], value):
            cells.append(old_cells[position])
            continue
        cell = writer.cell(name, value)
        cells.append(cell)
        changed = changed or position is not None or cell != ""
    if not changed:
        return _with_cells_appended(table.texts[old], writer.dialect.delimiter * added)
    return writer.row(cells)


def _with_cells_appended(text: str, cells: str) -> str:
    """``text`` with ``cells`` inserted before its line terminator (and any blank lines after it)."""
    if not cells:
        return text
    body = text.rstrip("\r\n")
    return body + cells + text[len(body) :]


def _join(texts: list[str], terminator: str, final_newline: bool) -> str:
    out: list[str] = []
    for text in texts:
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += terminator
        out.append(text)
    joined = "".join(out)
    if not final_newline and joined.endswith(terminator):
        return joined[: -len(terminator)]
    return joined


def update_csv(original: str, new_rows: list[dict[str, Any]]) -> str:
    """Rewrite ``original`` CSV text so that it holds ``new_rows``, changing only what differs.

    The header keeps its order and text; columns new in ``new_rows`` are appended (rows without
    them get an empty cell) and columns no new row has are dropped. Rows align by a unique ``id``
    column, else by content. Unchanged rows keep their exact text; changed and new rows are
    written in the file's dialect with minimal quoting. ``None`` is written as an empty cell, a
    boolean as the column already spells booleans (``true``/``True``/``1``...), a list or mapping
    as compact JSON. A byte order mark and the final newline (or its absence) are kept.
    """
    prefix = "\ufeff" if original.startswith("\ufeff") else ""
    body = original[len(prefix) :]
    dialect = _Dialect.detect(body)
    with paused_gc():
        table = _split(body, dialect)
        columns = _columns(table.header, new_rows)
        writer = _Writer(table, dialect, columns)
        match = _alignment(table, writer, new_rows) if table.header else [None] * len(new_rows)
        records = [_record(table, writer, old, row) for old, row in zip(match, new_rows)]
    final_newline = body.endswith(("\n", "\r")) or not body
    texts = [_header_text(table, writer), *records]
    return prefix + _join(texts, dialect.terminator, final_newline)


def _header_text(table: _Table, writer: _Writer) -> str:
    header, columns = table.header, writer.columns
    if columns == header:
        return table.header_text
    if header and columns[: len(header)] == header:
        # Only appended columns: the existing header cells keep their text.
        added = writer.row(["", *columns[len(header) :]]).rstrip("\r\n")
        return _with_cells_appended(table.header_text, added)
    return writer.row(columns)
