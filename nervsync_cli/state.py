"""The state store: the reconciled base of every synced pair, and the history that undo reads.

An SQLite database (``.nervsync/state.db`` by default). A sync writes its files first, then
records base and history in one transaction: a crash in between leaves the files new and the base
old, and the next three-way sync sees both sides changed identically — no conflict, no loss.
A lock file per pair keeps two syncs of the same pair from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path as FsPath
from typing import Any

from .errors import RefusedError

DEFAULT_STATE = os.path.join(".nervsync", "state.db")
LOCK_WAIT_SECONDS = 10.0

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
    """One past sync: enough to list it and to undo it."""

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
    base_before: str | None

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
        self.path = path
        FsPath(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS)
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def get_base(self, pair: str, scope: str) -> Any | None:
        """The stored base of a pair's scope, or ``None`` before its first sync."""
        row = self.db.execute("SELECT document FROM base WHERE pair = ? AND scope = ?", (pair, scope)).fetchone()
        return None if row is None else json.loads(row[0])

    def record(self, entry: HistoryEntry, base: Any) -> None:
        """Store the new base and the history entry together, or neither."""
        now = entry.time
        with self.db:
            self.db.execute(
                "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (entry.run_id, entry.pair, entry.scope, now, entry.source, entry.target, entry.direction,
                 entry.strategy, entry.source_before, entry.target_before, entry.source_hash,
                 entry.target_hash, entry.base_before),
            )
            self._put_base(entry.pair, entry.scope, json.dumps(base, ensure_ascii=False), now)

    def _put_base(self, pair: str, scope: str, document: str | None, now: str) -> None:
        if document is None:
            self.db.execute("DELETE FROM base WHERE pair = ? AND scope = ?", (pair, scope))
        else:
            self.db.execute("INSERT OR REPLACE INTO base VALUES (?, ?, ?, ?)", (pair, scope, document, now))

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


def _entry(row: tuple[Any, ...]) -> HistoryEntry:
    (run_id, pair, scope, when, source, target, direction, strategy, source_before, target_before,
     source_hash, target_hash, base_before, undone) = row
    return HistoryEntry(run_id, when, source, target, direction, strategy, source_before, target_before,
                        source_hash, target_hash, bool(undone), pair, scope, base_before)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_entry(pair: str, scope: str, source: str, target: str, direction: str, strategy: str,
              before: tuple[bytes | None, bytes | None], after: tuple[bytes | None, bytes | None],
              base_before: Any | None, run_id: str | None = None) -> HistoryEntry:
    """A history entry for a sync that turned ``before`` bytes into ``after`` bytes."""
    return HistoryEntry(
        run_id or uuid.uuid4().hex, _now(), os.path.abspath(source), os.path.abspath(target), direction, strategy,
        before[0], before[1], sha256(after[0]), sha256(after[1]), False, pair, scope,
        None if base_before is None else json.dumps(base_before, ensure_ascii=False),
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
        self.base = store.get_base(self.pair, scope)

    def record(self, before: tuple[bytes | None, bytes | None], after: tuple[bytes | None, bytes | None],
               base: Any, direction: str, strategy: str, run_id: str | None = None) -> HistoryEntry:
        """Store the new base and a history entry for this run, in one transaction."""
        entry = new_entry(self.pair, self.scope, self.source, self.target, direction, strategy, before, after,
                          self.base, run_id)
        self.store.record(entry, base)
        return entry


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
