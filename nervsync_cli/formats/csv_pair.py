"""Loading two versions of one table so that their unchanged rows are one and the same object.

A sync or diff of two exports of a table reads rows that are mostly written alike in both files.
SOURCE is parsed as :meth:`CsvFormat.load` parses it, keeping each row's text; TARGET is only
:func:`scan`-ned for where its rows lie (no row objects: that can run in another process meanwhile,
see :mod:`..split_load`). :func:`assemble` then takes SOURCE's own row object for every TARGET row
written exactly as a SOURCE row, and parses the rest. Both trees hold the shared rows (a diff
finds them identical without comparing them), and where each TARGET row starts in the file's bytes
is known (its rewrite copies the unchanged rows as bytes without finding them again).

Why a row written alike is the same row: both files have the same header and dialect, and a row's
cells follow from its text alone. Anything unusual (a file that does not parse, another header or
dialect, a SOURCE row that would appear twice) gives up on sharing, and TARGET is loaded by
:meth:`CsvFormat.load`, errors and all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import accumulate, compress, count, repeat
from operator import and_, eq, is_, not_, sub
from typing import Any

from ..errors import InputError
from ..model import Document
from .base import csv_lines, first_non_space
from .csv_format import CsvFormat, coerce_cell, sniff_dialect

__all__ = ["Scan", "Source", "assemble", "parse_source", "scan"]


@dataclass(frozen=True)
class Scan:
    """Where a table's rows lie in its text (character offsets), found without building rows.

    Attributes:
        delimiter: the dialect's delimiter.
        header_end: where the header's lines end.
        starts: where each row starts.
        ends: where each row's own lines end (blank lines after it excluded).
        hashes: ``hash`` of each row's text (``text[start:end]``).
        byte_starts: where each row starts in the text's UTF-8 bytes.
    """

    delimiter: str
    header_end: int
    starts: list[int]
    ends: list[int]
    hashes: list[int]
    byte_starts: list[int]


@dataclass(frozen=True)
class Source:
    """SOURCE as :func:`assemble` needs it: its document, header (cells and text), dialect and row
    texts."""

    document: Document
    header: list[str]
    header_text: str
    dialect: Any
    texts: list[str]


@dataclass(frozen=True)
class _Parsed:
    """A table parsed as ``csv`` reads it, strictly: its lines, dialect, header (and the line it
    ends before), each row's cells (blank lines as empty rows), the line each row ends before, and
    whether there are blank lines."""

    lines: list[str]
    dialect: Any
    header: list[str]
    header_end: int
    cells: list[list[str]]
    ends: list[int]
    blank: bool


def _parse(fmt: CsvFormat, text: str) -> _Parsed | None:
    """``text`` parsed, or ``None`` if it does not load cleanly (:meth:`CsvFormat.load` then says why)."""
    if not text or text.isspace() or first_non_space(text) in ("{", "["):
        return None
    dialect = sniff_dialect(text, fmt.delimiter)
    lines = csv_lines(text)
    # Over a list of lines csv.reader is as fast as over the text, and tells where each row ends.
    reader = csv.reader(lines, dialect, strict=True)
    cells: list[list[str]] = []
    ends: list[int] = []
    try:
        header = next(reader)
        CsvFormat._check_header(header, "")
        header_end = reader.line_num
        for row in reader:
            cells.append(row)
            ends.append(reader.line_num)
    except (csv.Error, InputError, StopIteration):
        return None
    widths = set(map(len, cells))
    if widths - {len(header), 0}:
        return None
    return _Parsed(lines, dialect, header, header_end, cells, ends, 0 in widths)


def parse_source(fmt: CsvFormat, text: str, name: str, *, coerce: bool = False) -> Source | None:
    """SOURCE's document as :meth:`CsvFormat.load` makes it, with each row's text; ``None`` if it
    does not load cleanly (:meth:`CsvFormat.load` then reports why)."""
    parsed = _parse(fmt, text)
    if parsed is None:
        return None
    lines, header, cells, ends = parsed.lines, parsed.header, parsed.cells, parsed.ends
    spans = zip([parsed.header_end, *ends[:-1]], ends)
    texts = [lines[start] if end - start == 1 else "".join(lines[start:end]) for start, end in spans]
    if parsed.blank:  # blank lines, which load drops
        texts = list(compress(texts, cells))
        cells = list(compress(cells, cells))
    rows = [dict(zip(header, map(coerce_cell, row))) for row in cells] if coerce else \
        list(map(dict, map(zip, repeat(header), cells)))
    document = Document(data=rows, name=name, format=fmt.name, text=text)
    return Source(document, header, "".join(lines[:parsed.header_end]), parsed.dialect, texts)


def scan(fmt: CsvFormat, text: str) -> Scan | None:
    """Where the rows of ``text`` lie; ``None`` if it does not load cleanly."""
    parsed = _parse(fmt, text)
    if parsed is None:
        return None
    lines, cells = parsed.lines, parsed.cells
    offsets = list(accumulate(map(len, lines), initial=0))
    # (A character is a byte in ASCII text; otherwise each line's UTF-8 length is needed.)
    byte_offsets = offsets if text.isascii() else list(accumulate(map(len, map(str.encode, lines)), initial=0))
    kept = [parsed.header_end, *parsed.ends]
    starts = list(map(offsets.__getitem__, kept[:-1]))
    ends = list(map(offsets.__getitem__, kept[1:]))
    byte_starts = list(map(byte_offsets.__getitem__, kept[:-1]))
    if parsed.blank:  # blank lines: not rows, and part of the row before
        starts, ends, byte_starts = (list(compress(column, cells)) for column in (starts, ends, byte_starts))
    hashes = [hash(text[start:end]) for start, end in zip(starts, ends)]
    return Scan(parsed.dialect.delimiter, offsets[parsed.header_end], starts, ends, hashes, byte_starts)


def assemble(fmt: CsvFormat, source: Source, target: tuple[str, bytes, str], found: Scan, *,
             coerce: bool = False) -> Document | None:
    """TARGET's document from its ``(text, UTF-8 bytes, name)``, its :func:`scan` and SOURCE
    (:func:`parse_source` with the same ``coerce``); ``None`` if the two tables do not share a
    header and dialect."""
    text, raw, name = target
    if found.delimiter != source.dialect.delimiter or not text.startswith(source.header_text) or \
            found.header_end != len(source.header_text):
        return None
    rows: list[Any] = source.document.data
    none = len(rows)
    index = dict(zip(map(hash, source.texts), count()))
    shared = list(map(index.get, found.hashes, repeat(none)))
    candidates = list(map([*source.texts, ""].__getitem__, shared))
    # Equal hashes only suggest: the texts must be equal, characters and length.
    equal = map(and_, map(text.startswith, candidates, found.starts),
                map(eq, map(len, candidates), map(sub, found.ends, found.starts)))
    for k in compress(count(), map(not_, equal)):
        shared[k] = none
    if len(set(shared)) != len(shared) - shared.count(none) + (none in shared):
        return None  # a SOURCE row twice: a rewrite finds each row's place by identity
    pool = [*rows, None]
    target_rows = list(map(pool.__getitem__, shared))
    # Both dialects are sniffed: equal delimiters make them equal (quoting is never sniffed).
    for k in compress(count(), map(is_, target_rows, repeat(None))):
        cells = next(csv.reader(io.StringIO(text[found.starts[k]:found.ends[k]], newline=""), source.dialect))
        target_rows[k] = dict(zip(source.header, map(coerce_cell, cells) if coerce else cells))
    # The starts are of the text as read; coerced cells are not (the rewrite then parses again).
    starts = None if coerce else [*found.byte_starts, len(raw)]
    return Document(data=target_rows, name=name, format=fmt.name, text=raw, record_starts=starts)
