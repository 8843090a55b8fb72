"""The columnar engine: ``nervsync diff`` of big CSV/TSV tables with polars doing the bulk work.

The default (python) engine loads every row as a dict and compares dicts. Here polars parses both
files at once (multi-threaded, in Rust, each file read once), joins the rows by key and compares
whole rows at once; Python sees only the rows that differ, and those go through the very same walker
as the python engine. So the result is the python engine's :class:`~nervsync_cli.model.Diff` — the
same changes in the same order with the same paths and values, the same warnings, the same errors —
with memory held by polars' string columns, not by Python objects.

Exactness comes first. polars reads CSV a little differently from Python's ``csv`` module in a few
corners (blank lines, short rows, a lone ``\\r`` as a line end, a dialect without doubled quotes);
every one of them is either detected here and answered with :class:`Unsupported` (the caller then
runs the python engine), or turns into a polars parse error (also :class:`Unsupported`). Errors
that the python engine would report (a malformed file, a key missing from the header) are left to
it, so their messages are its messages; a duplicate explicit key is reported here, word for word as
the python engine does.

How a whole row is compared: each row is packed into one string, its cells joined by the unit
separator (U+001F) in one shared column order. A file holding that byte anywhere is left to the
python engine, so the packing is injective: two rows are equal exactly when their packed strings
are. One string per row keeps memory near the size of the files (polars string views). The key
texts are joined carrying row positions only (by binary search when SOURCE's keys increase down the
file, else by a hash join), the packed rows of each matched pair are compared where they lie, and the
rows that differ are unpacked in Python without reading the files again.

How rows that polars and ``csv`` might split differently are caught, in the same pass that packs
them: a lone carriage return (a line end to ``csv``, a character to polars) shows up inside a cell,
and a cell over ``csv``'s field size limit by its length. polars pads a short row with empty cells
and reads a blank line as a row of empty cells, where ``csv`` raises or skips: both leave the row's
last cell (in the file's column order) empty, and only then are the file's delimiter bytes counted.
Outside quotes a row of W columns holds exactly W-1 of them, so the count must equal
(rows + 1) x (W - 1) plus the delimiters inside cells. A long row, a stray quote and text after a
closing quote are polars errors.
"""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
import mmap
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import compress, count
from operator import itemgetter, ne
from typing import TYPE_CHECKING, Any, TypeVar

from .diff import _Walker, diff_documents
from .errors import DuplicateKeyError, InputError
from .formats import format_for_name, get_format
from .formats.csv_format import CsvFormat, coerce_cell, sniff_dialect
from .identity import Identity, match_segment
from .model import ChangeKind, Diff, DiffOptions, Document
from .paths import Field, Index, Path, key_text

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
# Names of the engine's own columns next to the header's: they hold the unit separator, which no
# header cell can (a file holding it is left to the python engine).
_ROW, _BAD, _SUSPECT = _SEP + "row", _SEP + "bad", _SEP + "suspect"
_POS = "pos"


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


def _byte_present(spec: str, needle: bytes) -> bool:
    """Whether a byte occurs in a file: a memchr over a read-only mapping, no copy into Python."""
    with open(spec, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            return view.find(needle) >= 0


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
    if any(_SEP in cell for cell in header):
        # The engine's own column names hold it (the rest of the file is scanned while polars reads).
        raise Unsupported(f"{spec}: the header holds the unit separator")
    return _Table(spec, format_name, delimiter, quotechar, header)


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


def _scan(table: _Table) -> pl.LazyFrame:
    """The file as polars reads it: every cell a string, exactly as written (no nulls, no types)."""
    import polars as pl

    frame = pl.scan_csv(table.name, separator=table.delimiter, quote_char=table.quotechar, has_header=True,
                        infer_schema=False, empty_string_is_null=False, truncate_ragged_lines=False,
                        raise_if_empty=False, encoding="utf8")
    if frame.collect_schema().names() != table.header:
        raise Unsupported(f"{table.name}: polars read another header")
    return frame


def _rows_query(table: _Table, order: Sequence[str], columns: Sequence[str]) -> pl.LazyFrame:
    """One pass over a file: these key columns' cells, the packed row, and per-row sanity flags.

    ``bad``: the row may be read differently by ``csv`` (a carriage return in a cell, a cell maybe
    over the field size limit); ``suspect``: its last cell is empty (a padded short row or a blank
    line, or just an empty cell).
    """
    import polars as pl

    suspect = pl.col(table.header[-1]) == ""
    row = pl.col(_ROW)
    # (A line end polars reads as CRLF or LF never reaches a cell: only a lone or quoted ``\r`` does.)
    bad = (row.str.len_bytes() > csv.field_size_limit()) | row.str.contains("\r", literal=True)
    # Two steps, so that the rows are packed once and the flags read the packed column.
    packed = _scan(table).select(*columns, _pack(order).alias(_ROW), suspect.alias(_SUSPECT))
    return packed.with_columns(bad.alias(_BAD))


def _load(tables: tuple[_Table, _Table], orders: tuple[Sequence[str], Sequence[str]],
          columns: tuple[Sequence[str], Sequence[str]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both files read at once (each query streams on its own, so the two share the cores).

    Raises:
        Unsupported: polars failed, or a file holds the unit separator (the packing would not be
            injective).
    """
    import polars as pl

    def run() -> tuple[pl.DataFrame, pl.DataFrame]:
        queries = [_rows_query(table, order, cols) for table, order, cols in zip(tables, orders, columns)]
        source, target = pl.collect_all(queries, engine="streaming")
        # One chunk each: gathers by position then index the rows directly.
        return source.rechunk(), target.rechunk()

    # The separator scan (a memchr per file) runs while polars parses with the GIL released, so it
    # costs no wall time of its own when a core has slack; polars alone rarely keeps both busy.
    with ThreadPoolExecutor(max_workers=1) as pool:
        clash = pool.submit(_separator_present, tables)
        frames = _polars_call(f"{tables[0].name}, {tables[1].name}", run)
        if clash.result():
            raise Unsupported("a file holds the unit separator the packed rows are joined with")
    return frames


def _separator_present(tables: tuple[_Table, _Table]) -> bool:
    """Whether either file holds the unit separator anywhere."""
    return any(_byte_present(table.name, _SEP.encode("ascii")) for table in tables)


class _Side:
    """One table once read: its packed rows, its key texts, and how its rows are unpacked."""

    def __init__(self, table: _Table, order: Sequence[str], frame: pl.DataFrame, coerce: bool) -> None:
        self.table = table
        self.name = table.name
        self.coerce = coerce
        self.height = frame.height
        self.rows = frame[_ROW]  # packed in ``order``, the column order shared by both sides
        self._cells = {column: frame[column] for column in frame.columns if not column.startswith(_SEP)}
        self._keys: dict[str, pl.Series] = {}
        self._increasing: dict[str, bool] = {}
        self._bad = bool(frame[_BAD].any())
        self._suspect = bool(frame[_SUSPECT].any())
        position = {column: k for k, column in enumerate(order)}
        # Rows packed in another column order than the file's: cells are put back in header order.
        self._unpack = None if list(order) == table.header else itemgetter(*map(position.__getitem__, table.header))

    def check(self) -> None:
        """Prove that ``csv`` splits this file into the same rows and cells as polars did.

        Raises:
            Unsupported: a row ``csv`` may read differently, a blank line or a short row.
        """
        if self._bad:
            raise Unsupported(f"{self.name}: a row that csv may read differently")
        if self._suspect:
            self._check_delimiters()

    def _check_delimiters(self) -> None:
        """Rows with an empty last cell exist: prove by counting delimiters that none is a short row."""
        table = self.table
        width = len(table.header)
        delimiter = table.delimiter
        in_cells = int(self.rows.str.count_matches(delimiter, literal=True).sum() or 0)
        in_header = sum(cell.count(delimiter) for cell in table.header)
        expected = (self.height + 1) * (width - 1) + in_header + in_cells
        if _count_bytes(table.name, delimiter.encode("ascii")) != expected:
            raise Unsupported(f"{table.name}: blank lines or short rows")

    def has(self, fields: Sequence[str]) -> bool:
        """Every row carries these fields as scalars (``key_of`` is not None): plain header columns."""
        return all("." not in field and field in self.table.header for field in fields)

    def key(self, field: str) -> pl.Series:
        """The identity text of each row's cell in a key column (``key_text``, of the coerced cell)."""
        import polars as pl

        if field not in self._keys:
            if field not in self._cells:
                # A column the choice of key reached beyond the ones read with the rows: a narrow scan.
                more = _polars_call(self.name, lambda: _scan(self.table).select(field).collect(engine="streaming"))
                self._cells[field] = more[field]
            cells = self._cells[field]
            if self.coerce:
                cells = pl.Series(field, [key_text(coerce_cell(cell)) for cell in cells.to_list()], pl.String)
            self._keys[field] = cells
        return self._keys[field]

    def keys(self, fields: Sequence[str]) -> pl.DataFrame:
        """The key texts of every row, as columns ``k0``, ``k1``..."""
        import polars as pl

        return pl.DataFrame([self.key(field).alias(f"k{i}") for i, field in enumerate(fields)])

    def unique(self, fields: Sequence[str]) -> bool:
        """``identity._unique_keys``: every row has the fields and no two rows share a key."""
        if self.height == 0:
            return True
        if not self.has(fields):
            return False
        if len(fields) == 1:
            return self.increasing(fields[0]) or bool(self.key(fields[0]).n_unique() == self.height)
        return bool(self.keys(fields).is_unique().all())

    def increasing(self, field: str) -> bool:
        """The key texts of a column strictly increase down the file (so they are distinct).

        One comparison per row, where hashing every key would cost several times more; exports are
        often sorted by their key.
        """
        if field not in self._increasing:
            texts = self.key(field)
            self._increasing[field] = texts.len() < 2 or bool((texts.slice(1) > texts.slice(0, texts.len() - 1)).all())
        return self._increasing[field]

    def row(self, packed: str) -> dict[str, Any]:
        """The row as the python engine loads it: header order, cells as strings or coerced."""
        cells = packed.split(_SEP)
        if self._unpack is not None:
            cells = self._unpack(cells)
        if self.coerce:
            return dict(zip(self.table.header, map(coerce_cell, cells)))
        return dict(zip(self.table.header, cells))


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
    """Header columns read with the rows: those of ``--key`` rules and the first automatic key.

    Columns the choice of key may reach after these are read when it does (:meth:`_Side.key`).
    """
    wanted = [field for rule in options.keys for field in rule.fields]
    wanted += [name for name in identity.auto_keys if name in header][:1]
    return [column for column in dict.fromkeys(wanted) if column in header]


def _first_duplicate(side: _Side, fields: tuple[str, ...]) -> str | None:
    """The python engine's message for the first repeated key of one side, if any."""
    import polars as pl

    if side.unique(fields):
        return None
    keys = side.keys(fields).with_row_index(_POS)
    columns = [f"k{i}" for i in range(len(fields))]
    repeated = keys.filter(~pl.struct(columns).is_first_distinct())
    position = int(repeated[_POS][0])
    key = tuple(str(value) for value in keys.row(position)[1:])
    same = keys.filter(pl.all_horizontal([pl.col(c) == v for c, v in zip(columns, key)]))
    first = int(same[_POS][0])
    shown = ",".join(f"{f}={v}" for f, v in zip(fields, key))
    return f"duplicate key {shown} in the top-level list: items [{first}] and [{position}]"


def _pairs(sides: tuple[_Side, _Side], fields: tuple[str, ...] | None) -> pl.DataFrame:
    """Which row of SOURCE goes with which row of TARGET: columns ``k0``..., ``i`` and ``j``.

    Keyed: the full join of the key texts (unique on both sides by now) with row positions only,
    so the join never moves the packed rows. Positional: row ``p`` with row ``p``. A position is
    null on the side lacking the row. Rows come in no particular order.
    """
    import polars as pl

    source, target = sides
    if fields is None:
        positions = pl.DataFrame({"p": pl.int_range(max(source.height, target.height), eager=True)})
        return positions.select(i=pl.when(pl.col("p") < source.height).then("p"),
                                j=pl.when(pl.col("p") < target.height).then("p"))
    if len(fields) == 1 and source.height and source.increasing(fields[0]):
        return _sorted_pairs(source.key(fields[0]), target.key(fields[0]))
    on = [f"k{i}" for i in range(len(fields))]
    left = source.keys(fields).with_row_index("i")
    right = target.keys(fields).with_row_index("j")
    return left.join(right, on=on, how="full", coalesce=True)


def _sorted_pairs(source: pl.Series, target: pl.Series) -> pl.DataFrame:
    """:func:`_pairs` when SOURCE's keys strictly increase: a binary search of each TARGET key
    among them, cheaper than building and probing a hash table of both sides."""
    import polars as pl

    n = source.len()
    at = source.search_sorted(target, side="left")
    hit = (at < n) & (source.gather(at.clip(upper_bound=n - 1)) == target)
    pairs = pl.DataFrame({"k0": target, "at": at, "hit": hit}).with_row_index("j")
    pairs = pairs.select("k0", pl.when("hit").then("at").alias("i"), "j")
    alone = pl.repeat(True, n, eager=True).scatter(pairs["i"].drop_nulls(), False)
    removed = pl.DataFrame({"k0": source, "i": pl.int_range(n, eager=True, dtype=pl.get_index_type())})
    return pl.concat([pairs, removed.filter(alone)], how="diagonal")


def _compare(sides: tuple[_Side, _Side], fields: tuple[str, ...] | None, same_columns: bool) -> pl.DataFrame:
    """Rows that differ, with what is needed to report them.

    Columns ``k0``... (keyed only), ``i`` and ``j`` (positions, null on the side lacking the row),
    ``a`` and ``b`` (packed rows, null likewise). Sorted: rows of SOURCE by ``i``, then rows only in
    TARGET by ``j``.

    Raises:
        Unsupported: polars failed.
    """
    import polars as pl

    source, target = sides

    def run() -> pl.DataFrame:
        pairs = _pairs(sides, fields)
        matched = pl.col("i").is_not_null() & pl.col("j").is_not_null()
        both = pairs.filter(matched)
        if same_columns:
            both = both.filter(source.rows.gather(both["i"]) != target.rows.gather(both["j"]))
        # Different column sets: every common row differs (its mapping has other keys).
        found = pl.concat([pairs.filter(~matched), both]).sort("i", "j", nulls_last=True)
        keys = [column for column in found.columns if column not in ("i", "j")]
        return found.select(*keys, "i", "j", a=source.rows.gather(found["i"]), b=target.rows.gather(found["j"]))

    return _polars_call(f"{source.name}, {target.name}", run)


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
    columns = (_key_columns(identity, options, tables[0].header), _key_columns(identity, options, tables[1].header))
    frames = _load(tables, orders, columns)
    sides = _Side(tables[0], orders[0], frames[0], coerce), _Side(tables[1], orders[1], frames[1], coerce)
    del frames
    for side in sides:
        side.check()
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
    _report(walker, sides, fields, found, same_columns)
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
            found: pl.DataFrame, same_columns: bool) -> None:
    """Emit the changes of the differing rows in the python engine's order, through its walker."""
    source, target = sides
    width = len(fields) if fields is not None else 0
    # Text cells packed in one column order: the changed cells are found without building rows.
    by_cell = same_columns and not source.coerce
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
        elif by_cell:
            _changed_cells(walker, source.table.header, a, b, path)
        else:
            walker.node(source.row(a), target.row(b), path)


def _changed_cells(walker: _Walker, header: Sequence[str], a: str, b: str, path: Path) -> None:
    """``walker.node`` of two rows of text cells packed in ``header``'s order, from the packed rows:
    the walker compares such rows cell by cell in header order, as this does."""
    if walker.ignored(path):
        return
    cells_a, cells_b = a.split(_SEP), b.split(_SEP)
    for k in compress(count(), map(ne, cells_a, cells_b)):
        walker.node(cells_a[k], cells_b[k], (*path, Field(header[k])))


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
