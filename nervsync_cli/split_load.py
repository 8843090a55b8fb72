"""Loading two big JSON inputs on two cores: TARGET in a forked child, which hands back only the
records SOURCE does not already hold.

Parsing is most of a diff's time, and the GIL keeps it on one core. So the parent forks once both
files are read: the child parses TARGET (orjson, proved exact as usual) while the parent parses
SOURCE. Sending TARGET's tree back would cost as much as parsing it, so the child sends its records
as JSON text plus one hash per record; the parent keeps its own object for every record whose hash
a SOURCE record shares (usually nearly all of them) and parses only the rest.

Hashes only suggest: the parent then serialises the list it rebuilt and compares the bytes with the
child's serialisation of TARGET's list. Equal bytes mean equal JSON values, types and key order
included, because both trees hold JSON's types only (orjson's fast path proved exact; its floats
are finite, so none turned into ``null``). Anything else — a hash that lied, a file orjson steps
aside for, a child that failed — ends in ``None`` and the caller parses TARGET itself: the result
is always exactly the one-process result.

Forking only pays where a second core is free and TARGET is big; and it is only safe in a process
running one thread (a terminal's progress display is another): fork copies the calling thread
alone, and a lock another thread held at that moment would stay locked in the child.
"""

from __future__ import annotations

import dataclasses
import gc
import marshal
import os
import signal
import struct
import threading
from itertools import accumulate
from types import TracebackType
from typing import Any

import orjson

from .files import RawInput, gc_paused, parse_input, with_bom
from .formats.json_format import SLOW, JsonFormat, faithful_counts, has_exponent, orjson_loads
from .model import Document

# Below this size TARGET parses in well under a tenth of a second: less than the fork and hand-over.
_MIN_BYTES = 4 * 1024 * 1024
_HEADER = struct.Struct("<Q")


def bulk(data: Any) -> tuple[str | None, list[Any]] | None:
    """Where a document keeps its records: the document itself when it is a list (key ``None``),
    else its longest list-valued top-level field."""
    if isinstance(data, list):
        return None, data
    if not isinstance(data, dict):
        return None
    lists = [(key, value) for key, value in data.items() if isinstance(value, list)]
    return max(lists, key=lambda pair: len(pair[1])) if lists else None


@dataclasses.dataclass(frozen=True)
class Survey:
    """One orjson-parsed tree serialised record by record: what proves it exact, and what the
    child sends of it (its records' lengths and hashes, and the rest of the document as JSON)."""

    key: str | None
    items: list[Any]
    skeleton: bytes
    lengths: list[int]
    hashes: list[int]
    colons: int
    exponent: bool

    def faithful(self, data_bytes: bytes) -> bool:
        """Whether the tree is the exact parse of ``data_bytes`` (:func:`faithful_counts`)."""
        return faithful_counts(data_bytes, self.colons, self.exponent)


def survey(data: Any) -> Survey | None:
    """The :class:`Survey` of a tree orjson parsed; ``None`` if it has no records.

    Each record is serialised once and its bytes dropped at once (kept, a hundred thousand of them
    would cost more in fresh memory than the serialising itself).
    """
    found = bulk(data)
    if found is None:
        return None
    key, items = found
    skeleton = orjson.dumps([] if key is None else {k: ([] if k == key else v) for k, v in data.items()})
    stats = [(len(text), hash(text), text.count(b":"), b"+" in text and has_exponent(text))
             for text in map(orjson.dumps, items)]
    lengths, hashes, colons, exponents = (list(column) for column in zip(*stats)) if stats else ([], [], [], [])
    return Survey(key, items, skeleton, lengths, hashes, sum(colons) + skeleton.count(b":"),
                  any(exponents) or has_exponent(skeleton))


def encode(records: Survey) -> bytes:
    """The child's message: a header (its size first), then the records as one JSON array."""
    header = marshal.dumps((records.key, records.skeleton, records.lengths, records.hashes))
    return _HEADER.pack(len(header)) + header + orjson.dumps(records.items)


def rebuild(message: bytes, pool: Survey) -> Any | None:
    """TARGET's tree from the child's ``message``, sharing the ``pool`` records (SOURCE's) whose
    hashes match; ``None`` if the result does not serialise exactly as TARGET's records did."""
    (size,) = _HEADER.unpack_from(message)
    key, skeleton, lengths, hashes = marshal.loads(message[_HEADER.size:_HEADER.size + size])
    array = memoryview(message)[_HEADER.size + size:]
    known = dict(zip(pool.hashes, pool.items))
    starts = list(accumulate((n + 1 for n in lengths), initial=1))
    items = list(map(known.get, hashes))
    for i in [i for i, item in enumerate(items) if item is None]:
        items[i] = orjson.loads(array[starts[i]:starts[i] + lengths[i]])
    if orjson.dumps(items) != array:
        return None
    if key is None:
        return items
    data = orjson.loads(skeleton)
    data[key] = items
    return data


class TargetInChild:
    """TARGET being parsed by a forked child; a context manager that never leaves the child behind."""

    def __init__(self, pid: int, fd: int, target: RawInput) -> None:
        self._pid: int | None = pid
        self._fd = fd
        self._target = target

    @classmethod
    def start(cls, source: RawInput, target: RawInput) -> TargetInChild | None:
        """Fork a child parsing ``target``; ``None`` where that does not pay or is not safe."""
        if (not isinstance(source.format, JsonFormat) or not isinstance(target.format, JsonFormat)
                or len(target.body) < _MIN_BYTES or not _spare_core() or not hasattr(os, "fork")
                or threading.active_count() > 1):
            return None
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _child(target, write_end)
        os.close(write_end)
        return cls(pid, read_end, target)

    def document(self, pool: Survey) -> Document | None:
        """TARGET's document, sharing ``pool``'s records where they are the same; ``None``: parse it
        yourself. ``pool``: the survey of SOURCE, proved exact."""
        with open(self._fd, "rb") as pipe:
            message = pipe.read()
        if not self._wait() or not message:
            return None
        with gc_paused(freeze=True):
            data = rebuild(message, pool)
        if data is None:
            return None
        document = Document(data=data, name=self._target.name, format=self._target.format.name, text=self._target.body)
        return with_bom(document, self._target)

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
            os.close(self._fd)


def parse_both(source: RawInput, target: RawInput, *, coerce: bool = False) -> tuple[Document, Document]:
    """:func:`~nervsync_cli.files.parse_input` of both (``freeze_gc``), TARGET in a child where that pays."""
    child = TargetInChild.start(source, target)
    if child is None:
        return parse_input(source, coerce=coerce, freeze_gc=True), parse_input(target, coerce=coerce, freeze_gc=True)
    # Both are JSON from here on, which ``coerce`` does not concern.
    with child:
        with gc_paused(freeze=True):
            surveyed = _load_surveyed(source)
        if surveyed is None:
            return parse_input(source, freeze_gc=True), parse_input(target, freeze_gc=True)
        source_doc, pool = surveyed
        target_doc = child.document(pool)
    return source_doc, target_doc or parse_input(target, freeze_gc=True)


def _load_surveyed(raw: RawInput) -> tuple[Document, Survey] | None:
    """orjson's parse of a JSON input proved exact, and its survey; ``None`` where either fails."""
    data = orjson_loads(raw.body)
    surveyed = survey(data) if data is not SLOW else None
    if surveyed is None or not surveyed.faithful(raw.body):
        return None
    return with_bom(Document(data=data, name=raw.name, format=raw.format.name, text=raw.body), raw), surveyed


def _child(target: RawInput, fd: int) -> None:
    """The child's whole life: it must never return into the caller's code, whatever happens."""
    code = 1
    try:
        # A short-lived process that builds one big tree: the collector would only rescan it.
        gc.disable()
        surveyed = _load_surveyed(target)
        if surveyed is not None:
            with open(fd, "wb") as pipe:
                pipe.write(encode(surveyed[1]))
            code = 0
    finally:
        os._exit(code)


def _spare_core() -> bool:
    # The child costs work the parent does not save on one core: there it would only slow the run.
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return len(usable) >= 2
