"""The columnar engine: ``nervsync diff`` of big CSV/TSV tables with polars doing the bulk work.

The default (python) engine loads every row as a dict and compares dicts. Here polars parses both
files (multi-threaded, in Rust), joins the rows by key and compares whole rows at once; Python sees
only the rows that differ, and those go through the very same walker as the python engine. So the
result is the python engine's :class:`~nervsync_cli.model.Diff` — the same changes in the same order
with the same paths and values, the same warnings, the same errors — with memory held by polars'
string columns, not by Python objects.

Exactness comes first. polars reads CSV a little differently from Python's ``csv`` module in a few
corners (blank lines, short rows, a lone ``\\r`` as a line end, a dialect without doubled quotes);
every one of them is either detected here and answered with :class:`Unsupported` (the caller then
runs the python engine), or turns into a polars parse error (also :class:`Unsupported`). Errors
that the python engine would report (a malformed file, a key missing from the header) are left to
it, so their messages are its messages; a duplicate explicit key is reported here, word for word as
the python engine does.

How a whole row is compared: each row is packed into one string, its cells joined by the unit
separator (U+001F) in one shared column order. A table where some cell holds that character is left
to the python engine, so the packing is injective: two rows are equal exactly when their packed
strings are. One string per row keeps memory near the size of the files (polars string views), and
the rows that differ are unpacked in Python without reading the files again.

How rows that polars and ``csv`` might split differently are caught: a lone carriage return (a line
end to ``csv``, a character to polars) shows up inside a cell, and a cell over ``csv``'s field size
limit by its length. polars pads a short row with empty cells and reads a blank line as a row of
empty cells, where ``csv`` raises or skips: both leave the row's last cell empty, and only then are
the file's delimiter bytes counted. Outside quotes a row of W columns holds exactly W-1 of them, so
the count must equal (rows + 1) x (W - 1) plus the delimiters inside cells. A long row, a stray
quote and text after a closing quote are polars errors.
"""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .diff import _Walker, diff_documents
from .errors import DuplicateKeyError, InputError
from .formats import format_for_name, get_format
from .formats.csv_format import CsvFormat, coerce_cell, sniff_dialect
from .identity import Identity, match_segment
from .model import ChangeKind, Diff, DiffOptions, Document
from .paths import Index, Path, key_text

if TYPE_CHECKING:
    import polars as pl

TABLE_FORMATS = frozenset({"csv", "tsv"})
# ``--engine auto`` picks the columnar engine for two tables at least this big together: below it,
# importing polars costs more than it saves (measured: bench/profile.md).
AUTO_MIN_BYTES = 48 * 1024 * 1024
_PREFIX_BYTES = 4 * 65536  # enough bytes for the 64 Ki characters the dialect is sniffed on
_CHUNK = 8 * 1024 * 1024
_MANIFEST_FIELDS: tuple[tuple[str, ...], ...] = (
    ("kind", "metadata.name"),
    ("kind", "metadata.namespace", "metadata.name"),
    ("apiVersion", "kind", "metadata.namespace", "metadata.name"),
)
_T = TypeVar("_T")
_SEP = "\x1f"
_POS = "__nervsync_pos"


class Unsupported(Exception):
    """These inputs are outside what the columnar engine reproduces exactly; use the python engine."""


def available() -> bool:
    """Whether polars is installed."""
    return importlib.util.find_spec("polars") is not None


def table_format(spec: str, format_name: str | None) -> str | None:
    """The table format (``csv``/``tsv``) of an input, or ``None`` if it is not a table file."""
    if spec == "-":
        return None
    fmt = get_format(format_name) if format_name else format_for_name(spec)
    return fmt.name if fmt is not None and fmt.name in TABLE_FORMATS else None


def wants_columnar(engine: str, source: str, target: str, source_format: str | None,
                   target_format: str | None, path: Path = ()) -> bool:
    """Whether ``--engine`` (``auto``, ``python`` or ``columnar``) sends this diff to this module."""
    if engine == "python" or path:
        return False
    if table_format(source, source_format) is None or table_format(target, target_format) is None:
        return False
    if not available():
        return False
    if engine == "columnar":
        return True
    try:
        size = os.path.getsize(source) + os.path.getsize(target)
    except OSError:
        return False
    return size >= AUTO_MIN_BYTES


@dataclass
class _Table:
    """One input file as the engine sees it before polars reads it."""

    name: str
    format: str
    delimiter: str
    quotechar: str
    header: list[str]
    has_return: bool  # the file holds a carriage return somewhere


def _prefix(spec: str) -> tuple[str, bool]:
    """The first characters of a file (at least 64 Ki unless the file is shorter), BOM removed.

    Returns the text and whether it is the whole file.
    """
    with open(spec, "rb") as handle:
        raw = handle.read(_PREFIX_BYTES + 1)
    complete = len(raw) <= _PREFIX_BYTES
    raw = raw[:_PREFIX_BYTES]
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        text = decoder.decode(raw, final=complete)
    except UnicodeDecodeError:
        raise Unsupported(f"{spec}: not UTF-8") from None
    return text, complete


def _bytes_present(spec: str, needles: tuple[bytes, ...]) -> list[bool]:
    """Which of these single bytes occur in a file (memchr scans of chunks)."""
    found = [False] * len(needles)
    with open(spec, "rb", buffering=0) as handle:
        while not all(found) and (chunk := handle.read(_CHUNK)):
            for k, needle in enumerate(needles):
                found[k] = found[k] or needle in chunk
    return found


def _count_bytes(spec: str, byte: bytes) -> int:
    """How often a byte occurs in a file, read in chunks."""
    total = 0
    with open(spec, "rb", buffering=0) as handle:
        while chunk := handle.read(_CHUNK):
            total += chunk.count(byte)
    return total


def _open(spec: str, format_name: str) -> _Table:
    """Read what the python engine reads before the rows: dialect and header, checked the same way.

    Raises:
        Unsupported: the python engine must handle this file (it may well reject it).
    """
    text, complete = _prefix(spec)
    if not text.strip() or text.lstrip()[:1] in ("{", "["):
        raise Unsupported("empty or JSON-looking file")
    fmt = get_format(format_name)
    assert isinstance(fmt, CsvFormat)
    dialect = sniff_dialect(text, fmt.delimiter)
    delimiter, quotechar = dialect.delimiter, dialect.quotechar
    if (len(delimiter) != 1 or not delimiter.isascii() or delimiter in "\r\n\"'0123456789:"
            or quotechar not in ('"', "'") or not dialect.doublequote or dialect.escapechar is not None
            or dialect.skipinitialspace or dialect.quoting == csv.QUOTE_NONE):
        raise Unsupported(f"{spec}: dialect outside what polars reads the same way")
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration):
        raise Unsupported("header") from None
    if not complete and text.count("\n") < reader.line_num:
        raise Unsupported("header longer than the sniffed prefix")
    try:
        CsvFormat._check_header(header, spec)
    except InputError:
        raise Unsupported("bad header") from None
    if len(header) < 2:
        # One column: a blank line would not change the delimiter count, so it cannot be told apart.
        raise Unsupported("single-column table")
    has_separator, has_return = _bytes_present(spec, (_SEP.encode("ascii"), b"\r"))
    if has_separator:
        raise Unsupported(f"{spec}: holds the unit separator the packed rows are joined with")
    return _Table(spec, format_name, delimiter, quotechar, header, has_return)


def _pack(columns: Sequence[str]) -> pl.Expr:
    """One string per row: the cells joined by the unit separator (absent from the file)."""
    import polars as pl

    return pl.concat_str([pl.col(column) for column in columns], separator=_SEP)


def _polars_call(name: str, call: Callable[[], _T]) -> _T:
    """Run a polars computation; any polars failure means: leave these files to the python engine."""
    try:
        return call()
    except Unsupported:
        raise
    except BaseException as exc:  # polars errors, and pyo3 panics (which derive from BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        raise Unsupported(f"{name}: polars: {exc}") from None


class _Side:
    """One table: its scans, its key texts, and how its rows are unpacked."""

    def __init__(self, table: _Table, order: Sequence[str], coerce: bool) -> None:
        self.table = table
        self.name = table.name
        self.order = list(order)  # the column order rows are packed in (shared by both sides)
        self.coerce = coerce
        self.height = 0
        self._cells: pl.DataFrame | None = None
        self._keys: dict[str, pl.Series] = {}

    def scan(self) -> pl.LazyFrame:
        import polars as pl

        table = self.table
        frame = pl.scan_csv(table.name, separator=table.delimiter, quote_char=table.quotechar, has_header=True,
                            infer_schema=False, empty_string_is_null=False, truncate_ragged_lines=False,
                            raise_if_empty=False, encoding="utf8")
        if frame.collect_schema().names() != table.header:
            raise Unsupported(f"{table.name}: polars read another header")
        return frame

    def load_key_cells(self, columns: Sequence[str]) -> None:
        """Read the first candidate key column (a projected scan: cheap) and the row count.

        Other candidate columns are read when the choice of key gets to them (:meth:`key`).
        """
        import polars as pl

        def read() -> pl.DataFrame:
            return self.scan().select(pl.len().alias(_POS), *columns[:1]).collect(engine="streaming") \
                if not columns else self.scan().select(*columns[:1]).collect(engine="streaming")

        cells = _polars_call(self.name, read)
        if columns:
            self.height = cells.height
            self._cells = cells
        else:
            self.height = int(cells[_POS][0]) if cells.height else 0

    def has(self, fields: Sequence[str]) -> bool:
        """Every row carries these fields as scalars (``key_of`` is not None): plain header columns."""
        return all("." not in field and field in self.table.header for field in fields)

    def key(self, field: str) -> pl.Series:
        """The identity text of each row's cell in a key column (``key_text``, of the coerced cell)."""
        import polars as pl

        if field not in self._keys:
            if self._cells is None or field not in self._cells.columns:
                more = _polars_call(self.name, lambda: self.scan().select(field).collect(engine="streaming"))
                self._cells = more if self._cells is None else self._cells.with_columns(more[field])
            cells = self._cells[field]
            if self.coerce:
                cells = pl.Series(field, [key_text(coerce_cell(cell)) for cell in cells.to_list()], pl.String)
            self._keys[field] = cells
        return self._keys[field]

    def keys(self, fields: Sequence[str]) -> pl.DataFrame:
        import polars as pl

        return pl.DataFrame([self.key(field).alias(f"k{i}") for i, field in enumerate(fields)])

    def unique(self, fields: Sequence[str]) -> bool:
        """``identity._unique_keys``: every row has the fields and no two rows share a key."""
        if self.height == 0:
            return True
        if not self.has(fields):
            return False
        if len(fields) == 1:
            return bool(self.key(fields[0]).n_unique() == self.height)
        return bool(self.keys(fields).is_unique().all())

    def rows(self, fields: tuple[str, ...] | None, position: str, packed: str) -> pl.LazyFrame:
        """Key texts (``k0``..., or none), position and packed row of every row, plus sanity flags.

        ``bad``: the row may be read differently by ``csv`` (a carriage return in a cell, a cell
        maybe over the field size limit); ``suspect``: its last cell is empty (a padded short row or
        a blank line, or just an empty cell).
        """
        import polars as pl

        row = _pack(self.order)
        bad = row.str.len_bytes() > csv.field_size_limit()
        if self.table.has_return:
            bad = bad | row.str.contains("\r", literal=True)
        frame = self.scan().with_row_index(position)
        keys: list[pl.Expr] = []
        if fields is not None and not self.coerce:
            keys = [pl.col(field).alias(f"k{i}") for i, field in enumerate(fields)]
        frame = frame.select(*keys, position, row.alias(packed), bad.alias("bad"),
                             row.str.ends_with(_SEP).alias("suspect"))
        if fields is not None and self.coerce:
            texts = self.keys(fields).with_row_index(position)
            frame = frame.join(texts.lazy(), on=position, how="left")
        return frame

    def row(self, packed: str) -> dict[str, Any]:
        """The row as the python engine loads it: header order, cells as strings or coerced."""
        cells = dict(zip(self.order, packed.split(_SEP)))
        if self.coerce:
            return {column: coerce_cell(cells[column]) for column in self.table.header}
        return {column: cells[column] for column in self.table.header}

    def check_suspects(self) -> None:
        """Rows with an empty last cell exist: prove by counting delimiters that none is a short row.

        Raises:
            Unsupported: a blank line or a short row (or the count cannot be made).
        """
        import polars as pl

        table = self.table
        width = len(table.header)
        delimiter = table.delimiter

        def inside() -> int:
            query = self.scan().select(_pack(self.order).str.count_matches(delimiter, literal=True).sum())
            return int(query.collect(engine="streaming").item() or 0)

        in_cells = _polars_call(self.name, inside)
        in_header = sum(cell.count(delimiter) for cell in table.header)
        expected = (self.height + 1) * (width - 1) + in_header + in_cells
        if _count_bytes(table.name, delimiter.encode("ascii")) != expected:
            raise Unsupported(f"{table.name}: blank lines or short rows")
        del pl


def _choose(identity: Identity, sides: tuple[_Side, _Side]) -> tuple[tuple[str, ...] | None, bool]:
    """:meth:`Identity.choose` for two tables (rows are flat mappings of one header each).

    Returns the key fields (``None``: rows have no identity) and whether they are known to be unique.
    """
    rule = identity.explicit_rule(())
    if rule is not None:
        if not all(side.height == 0 or side.has(rule.fields) for side in sides):
            raise Unsupported("explicit key missing: the python engine reports it")
        return rule.fields, False
    if not any(side.height for side in sides):
        return None, False
    for global_rule in identity.global_rules:
        if all(side.height == 0 or side.has(global_rule.fields) for side in sides):
            return global_rule.fields, False
    auto = tuple((name,) for name in identity.auto_keys)
    for fields in (*auto, *_MANIFEST_FIELDS) if auto else ():
        if all(side.unique(fields) for side in sides):
            return fields, True
    return None, False


def _key_columns(identity: Identity, options: DiffOptions, header: Sequence[str]) -> list[str]:
    """Header columns that some rule or the automatic choice might take as the key."""
    wanted: list[str] = []
    for rule in options.keys:
        wanted += rule.fields
    wanted += identity.auto_keys
    wanted += [field for fields in _MANIFEST_FIELDS for field in fields]
    return [column for column in dict.fromkeys(wanted) if column in header]


def _first_duplicate(side: _Side, fields: tuple[str, ...]) -> str | None:
    """The python engine's message for the first repeated key of one side, if any."""
    import polars as pl

    keys = side.keys(fields).with_row_index(_POS)
    columns = [f"k{i}" for i in range(len(fields))]
    repeated = keys.filter(~pl.struct(columns).is_first_distinct())
    if repeated.height == 0:
        return None
    position = int(repeated[_POS][0])
    key = tuple(str(value) for value in keys.row(position)[1:])
    same = keys.filter(pl.all_horizontal([pl.col(c) == v for c, v in zip(columns, key)]))
    first = int(same[_POS][0])
    shown = ",".join(f"{f}={v}" for f, v in zip(fields, key))
    return f"duplicate key {shown} in the top-level list: items [{first}] and [{position}]"


def _compare(sides: tuple[_Side, _Side], fields: tuple[str, ...] | None, same_columns: bool) -> pl.DataFrame:
    """Rows that differ, with what is needed to report them.

    Keyed (``fields``): the full join of the two tables on their key texts; positional (``None``):
    on row number. Columns ``k0``..., ``i`` and ``j`` (positions, null on the side lacking the row),
    ``a`` and ``b`` (packed rows). Sorted: rows of SOURCE by ``i``, then rows only in TARGET by ``j``.

    Raises:
        Unsupported: polars failed, or a row may read differently with ``csv``.
    """
    import polars as pl

    source, target = sides
    if fields is None:
        left = source.rows(None, "i", "a").with_columns(pl.col("i").alias("p"))
        right = target.rows(None, "j", "b").with_columns(pl.col("j").alias("p"))
        on = ["p"]
    else:
        left, right = source.rows(fields, "i", "a"), target.rows(fields, "j", "b")
        on = [f"k{i}" for i in range(len(fields))]
    joined = left.join(right, on=on, how="full", coalesce=True, suffix="_t")
    one_sided = pl.col("i").is_null() | pl.col("j").is_null()
    # Different column sets: every common row differs (its mapping has other keys).
    differs = one_sided | (pl.col("a") != pl.col("b")) if same_columns else pl.lit(True)
    flagged = pl.col("bad").fill_null(False) | pl.col("bad_t").fill_null(False)
    suspect = pl.col("suspect").fill_null(False) | pl.col("suspect_t").fill_null(False)
    query = joined.filter(differs | flagged | suspect)

    def run() -> pl.DataFrame:
        return query.collect(engine="streaming")

    found = _polars_call(f"{source.name}, {target.name}", run)
    if found.height and bool((found["bad"].fill_null(False) | found["bad_t"].fill_null(False)).any()):
        raise Unsupported("a row that csv may read differently")
    suspects = found["suspect"].fill_null(False), found["suspect_t"].fill_null(False)
    for side, flags in zip(sides, suspects):
        if found.height and bool(flags.any()):
            side.check_suspects()
    if same_columns:
        found = found.filter(pl.col("i").is_null() | pl.col("j").is_null() | (pl.col("a") != pl.col("b")))
    keys = [c for c in found.columns if c.startswith("k") and c[1:].isdigit()]
    found = found.select(*keys, "i", "j", "a", "b")
    return pl.concat([found.filter(pl.col("i").is_not_null()).sort("i"), found.filter(pl.col("i").is_null()).sort("j")])


def diff_tables(source: str, target: str, options: DiffOptions | None = None, *,
                source_format: str | None = None, target_format: str | None = None,
                coerce: bool = False) -> Diff:
    """Compare two CSV/TSV files as ``diff_documents`` compares them once loaded (whole files).

    Raises:
        Unsupported: use the python engine for these files (nothing has been reported yet).
        DuplicateKeyError: an explicit key is not unique, as the python engine reports it.
    """
    options = options or DiffOptions()
    formats = table_format(source, source_format), table_format(target, target_format)
    if formats[0] is None or formats[1] is None:
        raise Unsupported("not two tables")
    try:
        tables = _open(source, formats[0]), _open(target, formats[1])
    except OSError:
        raise Unsupported("unreadable: the python engine reports it") from None
    identity = Identity(options)
    same_columns = set(tables[0].header) == set(tables[1].header)
    orders = tables[0].header, tables[0].header if same_columns else tables[1].header
    sides = _Side(tables[0], orders[0], coerce), _Side(tables[1], orders[1], coerce)
    for side in sides:
        side.load_key_cells(_key_columns(identity, options, side.table.header))
    walker = _Walker(options, Document(None, source, formats[0]), Document(None, target, formats[1]))
    if walker.ignored(()) or (sides[0].height == sides[1].height == 0):
        return walker.diff
    fields, unique = _choose(identity, sides)
    if fields is not None and not unique:
        for side in sides:
            message = _first_duplicate(side, fields)
            if message is not None:
                # The python engine compares whole tables first: identical ones never reach the key.
                if _identical(sides, _compare(sides, None, same_columns), same_columns):
                    return walker.diff
                raise DuplicateKeyError(side.name, message)
    found = _compare(sides, fields, same_columns)
    if fields is None:
        if _identical(sides, found, same_columns):
            return walker.diff
        walker.diff.warnings.append(_no_key_warning())
    _report(walker, sides, fields, found)
    return walker.diff


def _no_key_warning() -> str:
    """The python engine's warning for a table without a key column, taken from the python engine."""
    one, other = Document([{"": "1"}], "", "csv"), Document([{"": "2"}], "", "csv")
    return diff_documents(one, other, DiffOptions(auto_keys=())).warnings[0]


def _identical(sides: tuple[_Side, _Side], positional: pl.DataFrame, same_columns: bool) -> bool:
    """``values.identical`` of the two whole tables, from their positional comparison."""
    from .values import identical

    source, target = sides
    if source.height != target.height or not same_columns:
        return False
    # Coerced cells may be equal with different text ("1.0" and "1.00"): ask the python rule.
    return all(source.coerce and identical(source.row(a), target.row(b))
               for a, b in positional.select("a", "b").iter_rows())


def _report(walker: _Walker, sides: tuple[_Side, _Side], fields: tuple[str, ...] | None,
            found: pl.DataFrame) -> None:
    """Emit the changes of the differing rows in the python engine's order, through its walker."""
    source, target = sides
    width = len(fields) if fields is not None else 0
    for row in found.iter_rows():
        i, j, a, b = row[width:]
        path: Path
        if fields is None:
            path = (Index(i if i is not None else j),)
        else:
            path = (match_segment(fields, tuple(str(value) for value in row[:width])),)
        if j is None:
            walker.emit(ChangeKind.REMOVED, path, source=source.row(a))
        elif i is None:
            walker.emit(ChangeKind.ADDED, path, target=target.row(b))
        else:
            walker.node(source.row(a), target.row(b), path)


def diff_files(source: str, target: str, options: DiffOptions | None = None, *, engine: str = "auto",
               source_format: str | None = None, target_format: str | None = None,
               coerce: bool = False) -> Diff | None:
    """The columnar diff when ``engine`` asks for it and the files allow it; ``None`` otherwise."""
    if not wants_columnar(engine, source, target, source_format, target_format):
        return None
    try:
        return diff_tables(source, target, options, source_format=source_format, target_format=target_format,
                           coerce=coerce)
    except Unsupported:
        return None
