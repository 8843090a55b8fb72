"""Format-preserving CSV rewrite: unchanged rows keep their text, changed rows follow the file's dialect.

Rows are aligned by a unique ``id`` column, else by content; a row whose cells all still hold the
same values (``--coerce`` included: ``"1.50"`` still holds ``1.5``) is copied byte for byte,
quoting and all. Changed and new rows are written with the detected delimiter, quote character and
line ending, quoting only where needed, and each unchanged cell of a changed row keeps its text.

Given the rows the text was loaded into (``old``), the file is not parsed again: each row's extent
follows from how many line breaks its cells hold, and rows of the new table that are the very
objects of ``old`` are copied as runs of text.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count, pairwise, repeat
from operator import add, and_, eq, is_, not_, sub
from typing import Any, cast

from .base import csv_lines
from .csv_format import coerce_cell
from .json_update import align_by_content, align_by_key, paused_gc, same_value

__all__ = ["update_csv", "update_csv_bytes"]

_DELIMITERS = ",;\t|"
_LINE_BREAK = re.compile("\n")


class _Texts(Sequence[str]):
    """The texts of the records of ``body`` that start at ``offsets`` (the last one is the end).

    ``body`` may be the file's UTF-8 bytes (``offsets`` then count bytes): a record is decoded
    when read, and a run of records is a view of the bytes, never decoded.
    """

    def __init__(self, body: str | bytes, offsets: list[int]) -> None:
        self.body = body
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            raise TypeError("record texts are read one at a time")
        text = self.body[self.offsets[index] : self.offsets[index + 1]]
        return text if isinstance(text, str) else text.decode("utf-8")

    def run(self, first: int, last: int) -> str | memoryview:
        """The texts of records ``first`` to ``last`` (inclusive), as one piece."""
        start, end = self.offsets[first], self.offsets[last + 1]
        return self.body[start:end] if isinstance(self.body, str) else memoryview(self.body)[start:end]


class _Cells(Sequence[list[str]]):
    """The cells of loaded rows (mappings keyed by the header, cells as read), made when asked for."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            raise TypeError("rows are read one at a time")
        return list(self.rows[index].values())


@dataclass
class _Table:
    """The original file cut into physical records (a record keeps any blank lines after it)."""

    header: list[str]
    header_text: str
    cells: Sequence[list[str]]
    texts: Sequence[str]
    # The loaded rows, when ``cells`` were taken from them (see _split_as_loaded).
    rows: list[dict[str, Any]] | None = None


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
    lines = csv_lines(body)
    reader = csv.reader(iter(lines), **dialect.options())
    header = next(reader, [])
    header_text = "".join(lines[: reader.line_num])
    cells: list[list[str]] = []
    texts: list[str] = []
    consumed = reader.line_num
    for row in reader:
        text = "".join(lines[consumed : reader.line_num])
        consumed = reader.line_num
        if not row:  # a blank line: it stays with the record before it
            if texts:
                texts[-1] += text
            else:
                header_text += text
            continue
        cells.append(row)
        texts.append(text)
    return _Table(header, header_text, cells, texts)


def _split_at(body: bytes, header_text: str, dialect: _Dialect, rows: list[dict[str, Any]],
              starts: list[int]) -> _Table | None:
    """:func:`_split` of UTF-8 ``body`` from the rows it was loaded into and where each starts
    (byte offsets, then the length), its first ``header_text`` decoded; ``None`` if they do not
    fit the header."""
    header = next(csv.reader(io.StringIO(header_text, newline=""), **dialect.options()), [])
    if len(starts) != len(rows) + 1 or not rows or header != list(rows[0]):
        return None
    return _Table(header, header_text, _Cells(rows), _Texts(body, starts), rows)


def _split_as_loaded(body: str, dialect: _Dialect, rows: list[dict[str, Any]]) -> _Table | None:
    """:func:`_split` without parsing, from the rows ``body`` was loaded into; ``None`` if it cannot tell.

    The rows must have been read with ``"`` quotes (as ``CsvFormat.load`` does): a header that
    ``dialect`` reads into the same two or more column names has the same delimiter, so the rows'
    cells are the cells :func:`_split` would read. A record spans one line more than its cells
    hold line breaks, so where the file's line breaks add up to that for every record, the
    record boundaries follow by counting; a blank line (which :func:`_split` attaches to the
    record before it) or a lone carriage return breaks the count and falls back to parsing.
    """
    if not rows or dialect.quotechar != '"' or body.count("\r") != body.count("\r\n"):
        return None
    try:
        breaks = list(map(str.count, map("".join, map(dict.values, rows)), repeat("\n")))
    except TypeError:  # typed cells (--coerce): their text is not known
        return None
    reader = csv.reader(io.StringIO(body, newline=""), **dialect.options())
    header = next(reader, [])
    if len(header) < 2 or header != list(rows[0]):
        return None
    header_lines = sum(cell.count("\n") for cell in header) + 1
    # Where each line ends (after its line break; the last line, which may have none, at the end).
    line_ends = [*map(re.Match.end, _LINE_BREAK.finditer(body)), len(body)]
    if len(line_ends) - body.endswith("\n") != header_lines + sum(breaks) + len(rows):
        return None
    # Record k ends with line header_lines + (breaks + 1 of records 0..k).
    lines_before = accumulate(map(add, breaks, repeat(1)), initial=header_lines)
    offsets = [line_ends[lines - 1] for lines in lines_before]
    return _Table(header, body[: offsets[0]], _Cells(rows), _Texts(body, offsets), rows)


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


def _columns(table: _Table, new_rows: list[dict[str, Any]]) -> list[str]:
    header = table.header
    present: dict[str, None] = {}
    rows = new_rows
    if table.rows is not None and rows:
        # A loaded row holds the header's columns only: the rows of new_rows that are loaded rows
        # add nothing but those, whose order the header decides.
        loaded = set(map(id, table.rows))
        rows = list(compress(new_rows, map(not_, map(loaded.__contains__, map(id, new_rows)))))
        if len(rows) < len(new_rows):
            present.update(dict.fromkeys(header))
    # The union of the rows' distinct key tuples (mostly one), in order of first appearance.
    for keys in dict.fromkeys(map(tuple, rows)):
        present.update(dict.fromkeys(keys))
    # A column no new row has was removed by the sync; with no rows at all, keep the header.
    kept = [name for name in header if name in present or not new_rows]
    return kept + [name for name in present if name not in header]


def _alignment(table: _Table, writer: _Writer, new_rows: list[dict[str, Any]]) -> list[int | None]:
    position = writer.positions.get("id")
    if position is not None:
        if table.rows is not None:
            old_ids = list(map(dict.get, table.rows, repeat("id")))
        else:
            old_ids = [cells[position] if position < len(cells) else "" for cells in table.cells]
        values = list(map(dict.get, new_rows, repeat("id")))
        new_ids = values if set(map(type, values)) <= {str} else [writer.cell("id", value) for value in values]
        keyed = align_by_key(old_ids, new_ids)
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


def _records(table: _Table, writer: _Writer, match: Sequence[int | None],
             new_rows: list[dict[str, Any]]) -> list[str | memoryview]:
    """The texts of the output rows; runs of loaded rows kept as they are are copied in one piece."""
    rows, texts = table.rows, table.texts
    if rows is None or not isinstance(texts, _Texts) or writer.columns != table.header or not new_rows:
        return [_record(table, writer, old, row) for old, row in zip(match, new_rows)]
    # A row that is the loaded row itself holds its cells as read: _record would copy its text.
    # Runs of such rows, in their old order, are found by C-level passes and copied in one piece.
    olds = [len(rows) if old is None else old for old in match]
    kept = list(map(is_, new_rows, map([*rows, None].__getitem__, olds)))
    follows = map(and_, map(eq, map(sub, olds[1:], olds[:-1]), repeat(1)), map(and_, kept[1:], kept[:-1]))
    starts = [0, *compress(count(1), map(not_, follows)), len(new_rows)]
    pieces: list[str | memoryview] = []
    for start, end in pairwise(starts):
        if kept[start]:
            pieces.append(texts.run(olds[start], olds[end - 1]))
        else:  # (a row not kept ends its run at once)
            pieces.append(_record(table, writer, match[start], new_rows[start]))
    return pieces


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


def _join_bytes(pieces: Sequence[str | memoryview], terminator: str, final_newline: bool) -> bytes:
    """:func:`_join` of texts and views of UTF-8 bytes, as UTF-8."""
    out: list[bytes | memoryview] = []
    end = terminator.encode("ascii")
    for piece in pieces:
        if out and bytes(out[-1][-1:]) not in (b"\n", b"\r"):
            out[-1] = bytes(out[-1]) + end
        out.append(piece.encode("utf-8") if isinstance(piece, str) else piece)
    joined = b"".join(out)
    if not final_newline and joined.endswith(end):
        return joined[: -len(end)]
    return joined


def update_csv(original: str, new_rows: list[dict[str, Any]], *, old: list[dict[str, Any]] | None = None) -> str:
    """Rewrite ``original`` CSV text so that it holds ``new_rows``, changing only what differs.

    The header keeps its order and text; columns new in ``new_rows`` are appended (rows without
    them get an empty cell) and columns no new row has are dropped. Rows align by a unique ``id``
    column, else by content. Unchanged rows keep their exact text; changed and new rows are
    written in the file's dialect with minimal quoting. ``None`` is written as an empty cell, a
    boolean as the column already spells booleans (``true``/``True``/``1``...), a list or mapping
    as compact JSON. A byte order mark and the final newline (or its absence) are kept.

    ``old``, if given, must be the rows ``original`` was loaded into by ``CsvFormat.load``. It
    changes nothing in the result, only the cost: the text is not parsed again (unless the rows
    cannot tell its records apart), and rows of ``new_rows`` that are the very objects of ``old``
    are copied without being compared.
    """
    prefix = "\ufeff" if original.startswith("\ufeff") else ""
    body = original[len(prefix) :]
    dialect = _Dialect.detect(body)
    with paused_gc():
        table = _split_as_loaded(body, dialect, old) if old is not None else None
        pieces = _pieces(table or _split(body, dialect), dialect, new_rows)
    final_newline = body.endswith(("\n", "\r")) or not body
    return prefix + _join(cast("list[str]", pieces), dialect.terminator, final_newline)


def update_csv_bytes(original: bytes, new_rows: list[dict[str, Any]], *, old: list[dict[str, Any]],
                     starts: list[int]) -> bytes:
    """:func:`update_csv` of UTF-8 bytes (without a byte order mark), given the rows they were
    loaded into (``old``, cells as read) and where each of those starts (byte offsets, then the
    length): runs of rows kept as they are are copied as bytes, never decoded, nor is the result
    encoded but for the rows written anew."""
    # Enough to detect the dialect as on the whole text: the header, and 64 Ki characters after it.
    sample_end = starts[0] + 4 * 65536
    sample = codecs.getincrementaldecoder("utf-8")().decode(original[:sample_end], final=sample_end >= len(original))
    dialect = _Dialect.detect(sample)
    table = None
    if "\n" in sample or sample_end >= len(original):
        table = _split_at(original, original[:starts[0]].decode("utf-8"), dialect, old, starts)
    if table is None:
        return update_csv(original.decode("utf-8"), new_rows, old=old).encode("utf-8")
    with paused_gc():
        pieces = _pieces(table, dialect, new_rows)
    return _join_bytes(pieces, dialect.terminator, original.endswith((b"\n", b"\r")) or not original)


def _pieces(table: _Table, dialect: _Dialect, new_rows: list[dict[str, Any]]) -> list[str | memoryview]:
    """The header's and the records' texts of the rewrite of ``table`` holding ``new_rows``."""
    columns = _columns(table, new_rows)
    writer = _Writer(table, dialect, columns)
    match = _alignment(table, writer, new_rows) if table.header else [None] * len(new_rows)
    return [_header_text(table, writer), *_records(table, writer, match, new_rows)]


def _header_text(table: _Table, writer: _Writer) -> str:
    header, columns = table.header, writer.columns
    if columns == header:
        return table.header_text
    if header and columns[: len(header)] == header:
        # Only appended columns: the existing header cells keep their text.
        added = writer.row(["", *columns[len(header) :]]).rstrip("\r\n")
        return _with_cells_appended(table.header_text, added)
    return writer.row(columns)
