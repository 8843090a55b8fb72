"""The state store: the reconciled base of every synced pair, and the history that undo reads.

An SQLite database (``.nervsync/state.db`` by default). A sync commits base and history in
one transaction once its files are written: a crash before the commit leaves the files new and the
base old, and the next three-way sync sees both sides changed identically — no conflict, no loss.
(The transaction's rows are written while the files are, in a thread: see :class:`PendingRecord`.)
A lock file per pair keeps two syncs of the same pair from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import marshal
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path as FsPath
from typing import Any

import orjson

from .errors import OutputError, RefusedError

DEFAULT_STATE = os.path.join(".nervsync", "state.db")
LOCK_WAIT_SECONDS = 10.0
# A new database gets big pages: each sync stores a base and two file copies of up to hundreds of
# megabytes, and SQLite writes them a page at a time (64 KiB pages halve the cost of 4 KiB ones).
_PAGE_SIZE = 65536
# Values from this size on are written through blob I/O (see StateStore._insert).
_BLOB_MIN_BYTES = 1 << 20
_HISTORY_COLUMNS = ("run_id", "pair", "scope", "time", "source", "target", "direction", "strategy", "source_before",
                    "target_before", "source_hash", "target_hash", "base_before", "undone")
_BASE_COLUMNS = ("pair", "scope", "document", "updated")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS base (
    pair TEXT NOT NULL, scope TEXT NOT NULL, document TEXT NOT NULL, updated TEXT NOT NULL,
    PRIMARY KEY (pair, scope)
);
CREATE TABLE IF NOT EXISTS history (
    run_id TEXT PRIMARY KEY, pair TEXT NOT NULL, scope TEXT NOT NULL, time TEXT NOT NULL,
    source TEXT NOT NULL, target TEXT NOT NULL, direction TEXT NOT NULL, strategy TEXT NOT NULL,
    source_before BLOB, target_before BLOB, source_hash TEXT, target_hash TEXT,
    base_before TEXT, undone INTEGER NOT NULL DEFAULT 0
);
"""


def sha256(data: bytes | None) -> str | None:
    """Hex digest of a file's bytes (``None`` for a file that does not exist)."""
    return None if data is None else hashlib.sha256(data).hexdigest()


def pair_id(source: str, target: str) -> str:
    """A stable identity for a pair of files, from their absolute paths."""
    joined = f"{os.path.abspath(source)}\0{os.path.abspath(target)}"
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class HistoryEntry:
    """One past sync: enough to list it and to undo it.

    ``source_before``/``target_before``: a file's bytes before the sync, or ``None`` where the sync
    did not write it (nothing to restore).
    """

    run_id: str
    time: str
    source: str
    target: str
    direction: str
    strategy: str
    source_before: bytes | None
    target_before: bytes | None
    source_hash: str | None
    target_hash: str | None
    undone: bool
    pair: str
    scope: str
    base_before: str | bytes | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of ``nervsync history --output json`` (no file contents)."""
        return {
            "run_id": self.run_id, "time": self.time, "source": self.source, "target": self.target,
            "direction": self.direction, "strategy": self.strategy, "source_hash": self.source_hash,
            "target_hash": self.target_hash, "undone": self.undone, "scope": self.scope,
        }


class StateStore:
    """Bases and history in SQLite; every write is one transaction."""

    def __init__(self, path: str = DEFAULT_STATE) -> None:
        """Open (or create) the database at ``path``.

        Raises:
            OutputError: the database cannot be created or opened there.
        """
        self.path = path
        try:
            FsPath(path).parent.mkdir(parents=True, exist_ok=True)
            # Used by one thread at a time: a PendingRecord's worker, then the thread that joined it.
            self.db = sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS, check_same_thread=False)
            self.db.execute(f"PRAGMA page_size = {_PAGE_SIZE}")  # (ignored once the database has tables)
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError.cannot(path, "open the state store", exc) from None

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def flush(self) -> None:
        """Have the operating system write what SQLite has written so far: a large transaction
        spills most of its pages before it commits, and the commit's own sync then finds them
        written, not queued behind the files the sync is writing at the same time."""
        with open(self.path, "rb") as handle:
            os.fsync(handle.fileno())

    def get_base(self, pair: str, scope: str) -> Any | None:
        """The stored base of a pair's scope, or ``None`` before its first sync."""
        document = self.get_base_document(pair, scope)
        return None if document is None else load_base(document)

    def get_base_document(self, pair: str, scope: str) -> str | bytes | None:
        """The stored base of a pair's scope as JSON text (or its UTF-8 bytes), or ``None``."""
        row = self.db.execute("SELECT document FROM base WHERE pair = ? AND scope = ?", (pair, scope)).fetchone()
        return None if row is None else row[0]

    def record(self, entry: HistoryEntry, base: Any, base_json: bytes | None = None) -> None:
        """Store the new base and the history entry together, or neither.

        ``base_json``: the base as JSON already (the UTF-8 bytes it was parsed from, which
        :func:`load_base` reads back as the same tree), stored instead of serialising ``base``.
        """
        with self.db:
            self._stage(entry, base, base_json)

    def _stage(self, entry: HistoryEntry, base: Any, base_json: bytes | None) -> int:
        """:meth:`record`'s rows, in the open (implicit) transaction, not committed; returns the
        history row's rowid."""
        document = dump_base(base) if base_json is None else base_json
        rowid = self._insert("INSERT", "history", _HISTORY_COLUMNS, (
            entry.run_id, entry.pair, entry.scope, entry.time, entry.source, entry.target, entry.direction,
            entry.strategy, entry.source_before, entry.target_before, entry.source_hash, entry.target_hash,
            entry.base_before, 0))
        self._put_base(entry.pair, entry.scope, document, entry.time)
        return rowid

    def _put_base(self, pair: str, scope: str, document: str | bytes | None, now: str) -> None:
        if document is None:
            self.db.execute("DELETE FROM base WHERE pair = ? AND scope = ?", (pair, scope))
        else:
            self._insert("INSERT OR REPLACE", "base", _BASE_COLUMNS, (pair, scope, document, now))

    def _insert(self, verb: str, table: str, columns: tuple[str, ...], row: tuple[Any, ...]) -> int:
        """``verb INTO table VALUES row``, writing large byte strings in place; returns the rowid.

        Bound as parameters, byte strings are copied by SQLite before it writes them (hundreds of
        megabytes for a pair of large files); written through incremental blob I/O into a blob
        inserted zero-filled, they are not (``Connection.blobopen``, Python 3.11).
        """
        large = {i for i, value in enumerate(row) if isinstance(value, bytes) and len(value) >= _BLOB_MIN_BYTES}
        if not hasattr(self.db, "blobopen"):
            large.clear()
        placeholders = ", ".join("zeroblob(?)" if i in large else "?" for i in range(len(row)))
        values = tuple(len(value) if i in large else value for i, value in enumerate(row))
        rowid = self.db.execute(f"{verb} INTO {table} VALUES ({placeholders})", values).lastrowid
        assert rowid is not None  # (an INSERT into a rowid table)
        for i in sorted(large):
            with self.db.blobopen(table, columns[i], rowid) as blob:
                blob.write(row[i])
        return rowid

    def history(self, pair: str | None = None) -> list[HistoryEntry]:
        """Past syncs, newest first (of one pair, or all)."""
        query = "SELECT * FROM history" + (" WHERE pair = ?" if pair else "") + " ORDER BY time DESC, rowid DESC"
        rows = self.db.execute(query, (pair,) if pair else ()).fetchall()
        return [_entry(row) for row in rows]

    def entry(self, run_id: str | None) -> HistoryEntry | None:
        """One run by id (a unique prefix is enough), or the newest not undone."""
        if run_id is None:
            rows = self.db.execute(
                "SELECT * FROM history WHERE undone = 0 ORDER BY time DESC, rowid DESC LIMIT 1").fetchall()
        else:
            rows = self.db.execute("SELECT * FROM history WHERE run_id LIKE ?", (run_id + "%",)).fetchall()
            if len(rows) > 1:
                raise RefusedError(f"run id {run_id!r} is ambiguous; give more characters")
        return _entry(rows[0]) if rows else None

    def mark_undone(self, entry: HistoryEntry) -> None:
        """Flag a run as undone and restore the base it replaced, in one transaction."""
        with self.db:
            self.db.execute("UPDATE history SET undone = 1 WHERE run_id = ?", (entry.run_id,))
            self._put_base(entry.pair, entry.scope, entry.base_before, _now())


class PendingRecord:
    """A history entry and a new base being written into an open transaction by a worker thread.

    A sync's files and its store are both hundreds of megabytes for large files; SQLite writes
    without holding the GIL, so the rows are written while the sync renders and writes its files,
    and only the commit waits for them. Nothing is committed before :meth:`commit`, which the
    caller runs once its files are written (see the module docstring); leaving the context
    without it rolls everything back.
    """

    def __init__(self, store: StateStore, entry: HistoryEntry, base: Any, base_json: bytes | None) -> None:
        self._store = store
        # The digests are known once the files are written; the row is staged with placeholders of
        # their length, which commit() overwrites in place: an UPDATE would rewrite the whole row,
        # file copies included.
        self._entry = replace(entry, source_hash=_DIGEST_PLACEHOLDER, target_hash=_DIGEST_PLACEHOLDER)
        self._rowid: int | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._stage, args=(base, base_json), name="nervsync-state", daemon=True)
        self._thread.start()

    def _stage(self, base: Any, base_json: bytes | None) -> None:
        try:
            self._rowid = self._store._stage(self._entry, base, base_json)
            self._store.flush()
        except BaseException as exc:  # re-raised by commit(), in the caller's thread
            self._error = exc

    def commit(self, after: tuple[str | None, str | None], written: tuple[bool, bool]) -> HistoryEntry:
        """Commit, with the files' SHA-256 digests now (``after``); a side staged with its old bytes
        but not ``written`` after all (its text came out the same) keeps none."""
        self._thread.join()
        if self._error is not None:
            self._store.db.rollback()
            raise self._error
        db, rowid = self._store.db, self._rowid
        assert rowid is not None  # (staged without an error)
        entry = self._entry
        befores = (entry.source_before, entry.target_before)
        with db:
            for side, digest, before, kept in zip(("source", "target"), after, befores, written):
                if digest is not None and len(digest) == len(_DIGEST_PLACEHOLDER):
                    with db.blobopen("history", f"{side}_hash", rowid) as blob:
                        blob.write(digest.encode("ascii"))
                else:
                    db.execute(f"UPDATE history SET {side}_hash = ? WHERE rowid = ?", (digest, rowid))
                if before is not None and not kept:
                    db.execute(f"UPDATE history SET {side}_before = NULL WHERE rowid = ?", (rowid,))
        return replace(entry, source_hash=after[0], target_hash=after[1],
                       source_before=befores[0] if written[0] else None,
                       target_before=befores[1] if written[1] else None)

    def __enter__(self) -> PendingRecord:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc_type is not None:
            self._thread.join()
            self._store.db.rollback()


_DIGEST_PLACEHOLDER = "0" * 64  # a SHA-256 hex digest's length


def dump_base(base: Any) -> str | bytes:
    """A base as JSON: orjson's UTF-8 bytes where they read back as the same tree, else stdlib text.

    orjson is 8x faster on a large base, but writes NaN and infinities as ``null`` and refuses
    integers beyond 64 bits and non-string keys, which the standard library handles. SQLite keeps
    bytes as they are, and :func:`load_base` (and ``json.loads``) read either form.
    """
    try:
        # Subclasses and dates would be serialised by orjson but refused by the stdlib: refuse.
        dumped = orjson.dumps(base, option=orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME
                              | orjson.OPT_PASSTHROUGH_DATACLASS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(base, ensure_ascii=False)
    if b"null" in dumped and _may_hold_nonfinite_float(base):
        return json.dumps(base, ensure_ascii=False)
    return dumped


# marshal (format 2, without back-references) writes every float as b"g" and its IEEE 754 bytes,
# little-endian; a NaN or infinity has all exponent bits set, so its last two bytes are 0xf0-0xff
# and 0x7f or 0xff. Bytes inside strings can look the same: the stdlib then serialises, only slower.
_NONFINITE_FLOAT = re.compile(b"g.{6}[\xf0-\xff][\x7f\xff]", re.DOTALL)


def _may_hold_nonfinite_float(tree: Any) -> bool:
    """Whether ``tree`` may hold a NaN or an infinity (never false when it does)."""
    # A C-speed serialisation and one search: four times faster than walking a large tree.
    try:
        return _NONFINITE_FLOAT.search(marshal.dumps(tree, 2)) is not None
    except ValueError:  # a type marshal does not know, or nesting too deep for it
        return True


_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def load_base(document: str | bytes) -> Any:
    """Read a base stored by :func:`dump_base` (or by earlier versions, as stdlib JSON text)."""
    data = document.encode("utf-8") if isinstance(document, str) else document
    # orjson reads integers beyond 64 bits as floats (any run of 19 digits takes the stdlib) and
    # refuses NaN and infinities, which earlier versions stored.
    if b"0" * 19 not in data.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


def _entry(row: tuple[Any, ...]) -> HistoryEntry:
    (run_id, pair, scope, when, source, target, direction, strategy, source_before, target_before,
     source_hash, target_hash, base_before, undone) = row
    return HistoryEntry(run_id, when, source, target, direction, strategy, source_before, target_before,
                        source_hash, target_hash, bool(undone), pair, scope, base_before)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_entry(pair: str, scope: str, source: str, target: str, direction: str, strategy: str,
              before: tuple[bytes | None, bytes | None], after: tuple[str | None, str | None],
              base_before: str | bytes | None, run_id: str | None = None) -> HistoryEntry:
    """A history entry for a sync that turned ``before`` bytes into files whose :func:`sha256` is ``after``.

    ``base_before`` is the base the sync replaced, as stored (see :meth:`StateStore.get_base_document`).
    """
    return HistoryEntry(
        run_id or uuid.uuid4().hex, _now(), os.path.abspath(source), os.path.abspath(target), direction, strategy,
        before[0], before[1], after[0], after[1], False, pair, scope,
        base_before,
    )


@contextlib.contextmanager
def pair_lock(state_path: str, pair: str, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the pair's lock; wait up to ``wait`` seconds for another sync, then refuse.

    Raises:
        RefusedError: another sync of the same pair held the lock throughout.
    """
    folder = FsPath(state_path).parent / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{pair}.lock", "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RefusedError("another sync of these two files is running; try again when it ends") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class StateSession:
    """One sync's view of the store: the pair's base, and recording the outcome."""

    def __init__(self, store: StateStore, source: str, target: str, scope: str) -> None:
        self.store = store
        self.source = source
        self.target = target
        self.scope = scope
        self.pair = pair_id(source, target)
        # Kept as stored: it becomes the history's base_before without being serialised again.
        self.base_document = store.get_base_document(self.pair, scope)
        self.base = None if self.base_document is None else load_base(self.base_document)

    def pending(self, before: tuple[bytes | None, bytes | None], base: Any, direction: str, strategy: str,
                run_id: str | None = None, *, base_json: bytes | None = None) -> PendingRecord:
        """Begin storing the new base and a history entry for this run; :meth:`PendingRecord.commit`
        commits them once the files are written.

        ``before``: the bytes of each file the sync may write (``None`` for one it will not);
        ``base_json``: see :meth:`StateStore.record`.
        """
        entry = new_entry(self.pair, self.scope, self.source, self.target, direction, strategy, before,
                          (None, None), self.base_document, run_id)
        return PendingRecord(self.store, entry, base, base_json)


@contextlib.contextmanager
def state_session(state_path: str | None, source: str, target: str, scope: str,
                  create: bool = True) -> Iterator[StateSession | None]:
    """Open the store and hold the pair's lock for the whole sync; ``None`` when state is off.

    With ``create=False`` (dry runs) a missing database is not created.
    """
    if state_path is None or (not create and not os.path.exists(state_path)):
        yield None
        return
    store = StateStore(state_path)
    try:
        with pair_lock(state_path, pair_id(source, target)):
            yield StateSession(store, source, target, scope)
    finally:
        store.close()
