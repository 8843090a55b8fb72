"""Loading two big inputs on two cores: TARGET in a forked child. Between two JSON files it hands
back only the records SOURCE does not already hold; between two versions of one table, where its
rows lie (:mod:`.formats.csv_pair`: the parent then takes SOURCE's own row for each row written
alike); a YAML or other CSV tree, whose parse costs more than a copy of it, comes back whole through
marshal (exact for every value a parser makes).

Parsing is most of a diff's time (and much of a sync's), and the GIL keeps it on one core. So the parent forks once both
files are read, and the child parses TARGET while the parent parses SOURCE. For two JSON files
(orjson both), sending TARGET's tree back would cost as much as parsing it, so the child writes its
records as one JSON array into shared memory, with each record's length and hash; the parent keeps
its own object for every record whose hash a SOURCE record shares (usually nearly all of them) and
parses the rest.

Hashes only suggest: the parent then serialises the list it rebuilt and compares the bytes with the
child's array. Equal bytes mean equal JSON values, types and key order included, because both
trees hold JSON's types only (orjson's parses, proved exact as the one-process loader proves them:
the child counts its side of the proof while serialising, the parent the text's side; orjson's
floats are finite, so none became ``null``). Anything else — a hash that lied, a file orjson
steps aside for, a child that failed — ends in ``None`` and the caller parses TARGET itself: the
result is always exactly the one-process result.

Forking only pays where a second core is free and TARGET is big; and it is only safe in a process
running one thread: fork copies the calling thread alone, and a lock another thread held at that
moment would stay locked in the child. (A terminal's progress display, a thread, starts once the
child is forked: see ``parse_both``'s ``started``.)
"""

from __future__ import annotations

import dataclasses
import gc
import marshal
import mmap
import operator
import os
import signal
import struct
import threading
from collections.abc import Callable
from itertools import accumulate, compress, count, repeat
from types import TracebackType
from typing import Any

import orjson

from .files import RawInput, gc_paused, parse_input, utf8_text, with_bom
from .formats.csv_format import CsvFormat
from .formats.csv_pair import Scan, assemble, parse_source, scan
from .formats.json_format import SLOW, JsonFormat, faithful_counts, has_exponent, key_colons, orjson_loads
from .model import Document

# Below this size TARGET parses in well under a tenth of a second: less than the fork and hand-over.
_MIN_BYTES = 4 * 1024 * 1024
# The child's message starts with the sizes of its two parts: the records' array, then a header.
_SIZES = struct.Struct("<QQ")
_SINK_SLACK = 1 << 20
# A tree handed over whole (see TargetInChild.start): its size, then marshal's bytes.
_WHOLE_SIZE = struct.Struct("<Q")
_WHOLE_FORMATS = frozenset({"yaml", "csv", "tsv"})


def bulk(data: Any) -> tuple[str | None, list[Any]] | None:
    """Where a document keeps its records: the document itself when it is a list (key ``None``),
    else its longest list-valued top-level field."""
    if isinstance(data, list):
        return None, data
    if not isinstance(data, dict):
        return None
    lists = [(key, value) for key, value in data.items() if isinstance(value, list)]
    return max(lists, key=lambda pair: len(pair[1])) if lists else None


def _skeleton(data: Any, key: str | None) -> bytes:
    """The document without its records (their field emptied), as JSON."""
    return orjson.dumps([] if key is None else {k: ([] if k == key else v) for k, v in data.items()})


@dataclasses.dataclass(frozen=True)
class Pool:
    """SOURCE's records by hash (of their orjson serialisation), and the counts that prove SOURCE's
    parse exact (:func:`~nervsync_cli.formats.json_format.faithful_counts`)."""

    records: dict[int, Any]
    colons: int
    exponent: bool


def pool_of(data: Any) -> Pool | None:
    """The :class:`Pool` of a tree orjson parsed; ``None`` if it has no records."""
    found = bulk(data)
    if found is None:
        return None
    key, items = found
    _, hashes, colons, exponent = _serialised(items, _skeleton(data, key))
    return Pool(dict(zip(hashes, items)), colons, exponent)


def _serialised(items: list[Any], skeleton: bytes,
                sink: mmap.mmap | None = None) -> tuple[list[int], list[int], int, bool]:
    """Each record's length and hash as orjson serialises it, and the colons and exponents of the
    whole document (records and ``skeleton``: see
    :func:`~nervsync_cli.formats.json_format.faithful_counts`). ``sink``: where to write each
    record, then a comma, as it is serialised.

    Each record's bytes are dropped at once: kept, a hundred thousand of them would cost more in
    fresh memory than the serialising itself.
    """
    stats = []
    for text in map(orjson.dumps, items):
        if sink is not None:
            sink.write(text)
            sink.write(b",")
        stats.append((len(text), hash(text), text.count(b":"), b"+" in text and has_exponent(text)))
    lengths, hashes, colons, exponents = (list(column) for column in zip(*stats)) if stats else ([], [], [], [])
    return (lengths, hashes, sum(colons) + skeleton.count(b":"),
            any(exponents) or has_exponent(skeleton))


@dataclasses.dataclass(frozen=True)
class Message:
    """TARGET as the child hands it over: its records as orjson's JSON array, each one's length and
    hash, the rest of the document (``skeleton``) with the records' field (``key``) emptied, and
    the counts that prove the parse exact (:func:`~nervsync_cli.formats.json_format.faithful_counts`)."""

    array: bytes
    skeleton: bytes
    key: str | None
    lengths: list[int]
    hashes: list[int]
    colons: int
    exponent: bool

    @classmethod
    def receive(cls, sink: mmap.mmap) -> Message:
        """What :func:`publish` wrote in ``sink``."""
        array_size, header_size = _SIZES.unpack_from(sink)
        end = _SIZES.size + array_size
        return cls(sink[_SIZES.size:end], *marshal.loads(sink[end:end + header_size]))


def publish(data: Any, sink: mmap.mmap) -> bool:
    """Write the :class:`Message` for ``data``, a tree orjson parsed, into ``sink``: the array first,
    each record as it is serialised, then the rest, then the sizes at the start. ``False`` if
    ``data`` has no records.

    Raises:
        ValueError: the message does not fit in ``sink``.
    """
    found = bulk(data)
    if found is None:
        return False
    key, items = found
    skeleton = _skeleton(data, key)
    sink.seek(_SIZES.size)
    sink.write(b"[")
    lengths, hashes, colons, exponent = _serialised(items, skeleton, sink)
    if items:
        sink.seek(-1, os.SEEK_CUR)  # the last record's comma
    sink.write(b"]")
    array_size = sink.tell() - _SIZES.size
    header = marshal.dumps((skeleton, key, lengths, hashes, colons, exponent))
    sink.write(header)
    sink[:_SIZES.size] = _SIZES.pack(array_size, len(header))
    return True


def rebuild(message: Message, pool: Pool) -> Any | None:
    """TARGET's tree from the child's ``message``, sharing the ``pool`` records (SOURCE's) whose
    hashes match; ``None`` if the result does not serialise exactly as TARGET's records did."""
    items = list(map(pool.records.get, message.hashes))
    missing = list(compress(count(), map(operator.is_, items, repeat(None))))
    if missing:
        lengths = message.lengths
        starts = list(accumulate((n + 1 for n in lengths), initial=1))
        for i in missing:
            items[i] = orjson.loads(message.array[starts[i]:starts[i] + lengths[i]])
    if orjson.dumps(items) != message.array:
        return None
    if message.key is None:
        return items
    data = orjson.loads(message.skeleton)
    data[message.key] = items
    return data


class TargetInChild:
    """TARGET being parsed by a forked child; a context manager that never leaves the child behind.

    The child writes its message into anonymous shared memory mapped before the fork: no copy
    through a pipe, and the parent learns it is complete when the child exits.
    """

    def __init__(self, pid: int, sink: mmap.mmap, target: RawInput) -> None:
        self._pid: int | None = pid
        self._sink = sink
        self._target = target

    @classmethod
    def start(cls, source: RawInput, target: RawInput, coerce: bool = False) -> TargetInChild | None:
        """Fork a child parsing ``target`` (``coerce``: see :func:`~nervsync_cli.files.parse_input`);
        ``None`` where that does not pay or is not safe.

        Two JSON inputs take the records' hand-over (:meth:`document`); two versions of one table,
        where TARGET's rows lie (:meth:`scanned`); a YAML or CSV TARGET, whose parse costs more than
        a copy of its tree, is handed over whole (:meth:`whole_document`).
        """
        how = _hand_over(source, target)
        if (how is None or len(target.body) < _MIN_BYTES or not _spare_core() or not hasattr(os, "fork")
                or threading.active_count() > 1):
            return None
        # Room for TARGET re-serialised: orjson's compact form is about as long as the input (longer
        # only for numbers written with exponents), marshal's about as long as block YAML and up to
        # four times a CSV file of one-letter cells. A message that does not fit fails, and the
        # parent parses TARGET itself. (Untouched pages of the mapping cost nothing.)
        sink = mmap.mmap(-1, (4 if how == "whole" else 2) * len(target.body) + _SINK_SLACK)
        pid = os.fork()
        if pid == 0:
            _child(target, sink, how, coerce)
        return cls(pid, sink, target)

    def document(self, pool: Pool) -> Document | None:
        """TARGET's document, sharing ``pool``'s records where they are the same; ``None``: parse it
        yourself. ``pool``: SOURCE's, whose parse was proved exact."""
        # Counted while the child may still be busy: the half of its proof that needs only the text.
        colons = key_colons(self._target.body)
        if not self._wait():
            return None
        message = Message.receive(self._sink)
        self._sink.close()
        if message.exponent or message.colons != colons:
            return None
        with gc_paused(freeze=True):
            data = rebuild(message, pool)
        if data is None:
            return None
        document = Document(data=data, name=self._target.name, format=self._target.format.name, text=self._target.body)
        return with_bom(document, self._target)

    def whole_document(self) -> Document | None:
        """TARGET's document as the child parsed it, handed over whole; ``None``: parse it yourself
        (the child failed, perhaps on an error the parent's own parse will report)."""
        message = self._message()
        if message is None:
            return None
        with gc_paused(freeze=True):
            data, multi_document = marshal.loads(message)
        document = Document(data=data, name=self._target.name, format=self._target.format.name,
                            text=self._target.body, multi_document=multi_document)
        return with_bom(document, self._target)

    def scanned(self) -> Scan | None:
        """Where TARGET's rows lie, as the child found them; ``None``: load it yourself."""
        message = self._message()
        return None if message is None else Scan(**marshal.loads(message))

    def _message(self) -> bytes | None:
        """The bytes the child sent, once it is done; ``None`` if it failed."""
        if not self._wait():
            return None
        (size,) = _WHOLE_SIZE.unpack_from(self._sink)
        message = self._sink[_WHOLE_SIZE.size:_WHOLE_SIZE.size + size]
        self._sink.close()
        return message

    def _wait(self) -> bool:
        assert self._pid is not None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        return os.waitstatus_to_exitcode(status) == 0

    def __enter__(self) -> TargetInChild:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None
        self._sink.close()


def parse_both(source: RawInput, target: RawInput, *, coerce: bool = False,
               started: Callable[[], object] | None = None) -> tuple[Document, Document]:
    """:func:`~nervsync_cli.files.parse_input` of both (``freeze_gc``), TARGET in a child where that
    pays. ``started`` is called once the child is forked (or not), before the parsing: a caller may
    start threads there (a progress display), which the fork must not find."""
    def here(raw: RawInput) -> Document:
        return parse_input(raw, coerce=coerce, freeze_gc=True)

    table = _same_table(source, target)
    child = TargetInChild.start(source, target, coerce)
    if started is not None:
        started()
    if child is None:
        return _table_pair(source, target, coerce) if table else (here(source), here(target))
    with child:
        if table:
            return _table_pair(source, target, coerce, child)
        if not isinstance(target.format, JsonFormat):
            source_doc = here(source)
            return source_doc, child.whole_document() or here(target)
        with gc_paused(freeze=True):
            data = orjson_loads(source.body)
            pool = pool_of(data) if data is not SLOW else None
        if pool is None or not faithful_counts(source.body, pool.colons, pool.exponent):
            return here(source), here(target)
        target_doc = child.document(pool)
    source_doc = with_bom(Document(data=data, name=source.name, format=source.format.name, text=source.body), source)
    return source_doc, target_doc or here(target)


def _hand_over(source: RawInput, target: RawInput) -> str | None:
    """What a child parsing TARGET hands back: ``records`` (two JSON files), ``scan`` (two
    versions of one table), ``whole`` (a tree), or ``None``: no child."""
    if isinstance(source.format, JsonFormat) and isinstance(target.format, JsonFormat):
        return "records"
    if _same_table(source, target):
        return "scan"
    return "whole" if target.format.name in _WHOLE_FORMATS else None


def _same_table(source: RawInput, target: RawInput) -> bool:
    """Two versions of one table, by their format and header line: TARGET then shares SOURCE's
    rows (:mod:`.formats.csv_pair`)."""
    if not (isinstance(source.format, CsvFormat) and source.format is target.format):
        return False
    return source.body[:source.body.find(b"\n") + 1] == target.body[:target.body.find(b"\n") + 1]


def _table_pair(source: RawInput, target: RawInput, coerce: bool,
                child: TargetInChild | None = None) -> tuple[Document, Document]:
    """Two versions of one table, TARGET sharing SOURCE's rows where it can (:mod:`.formats.csv_pair`),
    ``child`` scanning TARGET if given."""
    fmt = source.format
    assert isinstance(fmt, CsvFormat)
    with gc_paused(freeze=True):
        parsed = parse_source(fmt, utf8_text(source.body, source.name), source.name, coerce=coerce)
        if parsed is None:  # SOURCE has an error to report, or is not simple enough
            return parse_input(source, coerce=coerce), parse_input(target, coerce=coerce)
        text = utf8_text(target.body, target.name)
        found = child.scanned() if child is not None else scan(fmt, text)
        shared = None if found is None else assemble(fmt, parsed, (text, target.body, target.name), found,
                                                     coerce=coerce)
    target_doc = with_bom(shared, target) if shared is not None else parse_input(target, coerce=coerce, freeze_gc=True)
    return with_bom(parsed.document, source), target_doc


def _child(target: RawInput, sink: mmap.mmap, how: str, coerce: bool) -> None:
    """The child's whole life: it must never return into the caller's code, whatever happens."""
    code = 1
    try:
        # A short-lived process that builds one big tree: the collector would only rescan it.
        gc.disable()
        if how == "records":
            data = orjson_loads(target.body)
            if data is not SLOW and publish(data, sink):
                code = 0
            return
        if how == "scan":
            assert isinstance(target.format, CsvFormat)
            found = scan(target.format, utf8_text(target.body, target.name))
            if found is None:
                return
            message = marshal.dumps(vars(found))
        else:
            # marshal keeps every value a parser makes exactly (big integers, NaN, non-string keys);
            # a value it cannot write raises, and the parent parses TARGET itself.
            document = parse_input(target, coerce=coerce)
            message = marshal.dumps((document.data, document.multi_document))
        sink.write(_WHOLE_SIZE.pack(len(message)))
        sink.write(message)
        code = 0
    finally:
        os._exit(code)


def _spare_core() -> bool:
    # The child costs work the parent does not save on one core: there it would only slow the run.
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return len(usable) >= 2
