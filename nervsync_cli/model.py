"""Pure value types shared by every stage: documents, diff options, changes and diffs.

A document is a plain JSON-like tree (dicts with string keys, lists, str, int, float, bool, None).
Identity is not stored in the tree: lists of mappings are matched by key at diff time
(:mod:`nervsync_cli.identity`), so the same tree serves diff, sync, merge and patches.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .paths import Path, Pattern, format_path, record_of


class _Missing:
    """The value of a side that does not have the path (an added or removed change)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class _DecodedOnDemand:
    """A document's ``text`` that may be given as its UTF-8 bytes and is decoded when first read.

    A diff of two JSON files never needs their text (orjson parses the bytes, which it also checks
    for UTF-8), only a write does; decoding a 100 MB file costs about 0.2 s and as much memory
    again. The caller vouches that the bytes are UTF-8 (the JSON codec passes only bytes orjson
    accepted).
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, document: object, owner: type | None = None) -> str | None:
        if document is None:
            return None  # the dataclass default
        value: str | bytes | None = document.__dict__[self.slot]
        if isinstance(value, bytes):
            value = value.decode("utf-8")
            document.__dict__[self.slot] = value
        return value

    def __set__(self, document: object, value: str | bytes | None) -> None:
        document.__dict__[self.slot] = value


@dataclass(frozen=True)
class Document:
    """One loaded input: its tree and what is needed to write it back in its own style.

    Attributes:
        data: the JSON-like tree.
        name: how the user named the input (shown in messages; ``-`` for stdin).
        format: the format name (``json``, ``yaml``, ``csv``, ``tsv`` or a registered one).
        text: the original text, for format-preserving writes; ``None`` for in-memory documents.
            May be given as UTF-8 bytes, decoded on first use.
        multi_document: a YAML stream of several documents, loaded as a list of them.
        bom: the file started with a UTF-8 byte order mark (kept when it is written back).
        record_starts: where each row of a table (``data``, rows holding their cells' text) starts
            in the text's UTF-8 bytes (:meth:`original_bytes`), then their length; known to some
            loaders, it spares the rewrite finding them again. ``None`` if not known.
    """

    data: Any
    name: str
    format: str
    text: _DecodedOnDemand = _DecodedOnDemand()
    multi_document: bool = False
    bom: bool = False
    record_starts: list[int] | None = field(default=None, repr=False, compare=False)

    def with_data(self, data: Any) -> Document:
        """This document holding another tree; its text stays as it is (undecoded, if it still is)."""
        return dataclasses.replace(self, data=data, text=self.__dict__["_text"], record_starts=None)

    @property
    def has_text(self) -> bool:
        """Whether the document was loaded from text (in-memory documents have none), without
        decoding text that was given as bytes."""
        return self.__dict__["_text"] is not None

    def original_bytes(self) -> bytes | None:
        """The UTF-8 bytes of :attr:`text` (``None`` for in-memory documents), without decoding
        text that was given as bytes and not read since."""
        text: str | bytes | None = self.__dict__["_text"]  # where _DecodedOnDemand keeps ``text``
        return text.encode("utf-8") if isinstance(text, str) else text


@dataclass(frozen=True)
class KeyRule:
    """Identity fields for lists: for every list (``pattern`` is ``None``) or the lists it matches.

    Fields may be dotted (``metadata.name``) to reach into nested mappings.
    """

    fields: tuple[str, ...]
    pattern: Pattern | None = None


@dataclass(frozen=True)
class DiffOptions:
    """What to compare and how; the frozen options object lower layers receive from the CLI.

    Attributes:
        keys: explicit identity rules, most specific first.
        ignore: patterns whose subtrees are left out.
        ignore_order: compare lists without identity as multisets.
        precision: numbers closer than ``10**-precision`` are equal.
        auto_keys: the fields tried, in order, to find a key when no rule names one.
        lcs_limit: longest unkeyed list aligned by LCS; longer ones are compared by position.
        text_fields: strings at these paths merge as text (line, then word) in three-way merges;
            multi-line strings always do.
    """

    keys: tuple[KeyRule, ...] = ()
    ignore: tuple[Pattern, ...] = ()
    ignore_order: bool = False
    precision: int | None = None
    auto_keys: tuple[str, ...] = ("id", "key", "name", "uuid")
    lcs_limit: int = 20_000
    text_fields: tuple[Pattern, ...] = ()


class ChangeKind(str, Enum):
    """``added`` exists only in TARGET, ``removed`` only in SOURCE, ``changed`` differs."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: its kind, where it is, and the value on each side (``MISSING`` if absent)."""

    kind: ChangeKind
    path: Path
    source: Any = MISSING
    target: Any = MISSING

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (schema ``diff``): absent sides are left out."""
        out: dict[str, Any] = {"kind": self.kind.value, "path": format_path(self.path)}
        if self.source is not MISSING:
            out["source"] = self.source
        if self.target is not MISSING:
            out["target"] = self.target
        return out


@dataclass(frozen=True)
class Summary:
    """Counts by record (the first list item or top-level key a change falls in) and by change."""

    added: int
    removed: int
    changed: int
    changes: int

    def to_dict(self) -> dict[str, int]:
        """The JSON form."""
        return {"added": self.added, "removed": self.removed, "changed": self.changed, "changes": self.changes}


@dataclass
class Diff:
    """The result of comparing two documents."""

    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def summary(self) -> Summary:
        """Count added, removed and changed records, and all changes."""
        whole: dict[Path, ChangeKind] = {}
        touched: set[Path] = set()
        for change in self.changes:
            record = record_of(change.path)
            if record == change.path and change.kind is not ChangeKind.CHANGED:
                whole[record] = change.kind
            else:
                touched.add(record)
        kinds = Counter(whole.values())
        return Summary(
            added=kinds[ChangeKind.ADDED],
            removed=kinds[ChangeKind.REMOVED],
            changed=len(touched - whole.keys()),
            changes=len(self.changes),
        )


class SyncDirection(str, Enum):
    """Which side receives changes; values are the CLI spellings."""

    BIDIRECTIONAL = "bidirectional"
    SOURCE_TO_TARGET = "source-to-target"
    TARGET_TO_SOURCE = "target-to-source"


class ConflictStrategy(str, Enum):
    """How a field that differs on both sides is decided; values are the CLI spellings."""

    SOURCE_WINS = "source-wins"
    TARGET_WINS = "target-wins"
    LAST_UPDATE_WINS = "last-update-wins"
    MERGE = "merge"
    MANUAL = "manual"


class Side(str, Enum):
    """One of the two files."""

    SOURCE = "source"
    TARGET = "target"


class OpKind(str, Enum):
    """What an operation does at its path."""

    ADD = "add"
    REMOVE = "remove"
    SET = "set"


@dataclass(frozen=True)
class Op:
    """One edit of one side's tree.

    ``after`` (for ``add`` into a keyed list) names the sibling the new item goes after, so new
    records land next to their neighbours instead of at the end; ``None`` appends.
    """

    kind: OpKind
    path: Path
    value: Any = MISSING
    old: Any = MISSING
    after: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used in reports and plans."""
        out: dict[str, Any] = {"op": self.kind.value, "path": format_path(self.path)}
        if self.old is not MISSING:
            out["old"] = self.old
        if self.value is not MISSING:
            out["value"] = self.value
        return out


@dataclass
class Conflict:
    """A field (or unkeyed list, or record) that differs on both sides, and how it was decided.

    ``resolution`` is ``source``, ``target`` or ``value`` (an edited value), or ``None`` while
    unresolved; ``reason`` says which strategy decided and why. With a common base, ``base`` is
    its value and ``kind`` says what happened: ``both-changed``, ``delete-modify``,
    ``both-added``, or ``text`` / ``list`` (edits of one text or unkeyed list that overlap).
    """

    path: Path
    source: Any
    target: Any
    resolution: str | None = None
    value: Any = MISSING
    reason: str = ""
    source_time: str | None = None
    target_time: str | None = None
    base: Any = MISSING
    kind: str = "both-changed"

    @property
    def resolved(self) -> bool:
        """Whether a side or value was chosen."""
        return self.resolution is not None

    def chosen(self) -> Any:
        """The value both sides end up with."""
        if self.resolution == Side.SOURCE.value:
            return self.source
        if self.resolution == Side.TARGET.value:
            return self.target
        return self.value

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``--conflicts-out`` and reports)."""
        out: dict[str, Any] = {
            "path": format_path(self.path),
            "source": None if self.source is MISSING else self.source,
            "target": None if self.target is MISSING else self.target,
            "resolution": self.resolution,
            "reason": self.reason,
        }
        if self.resolution == "value":
            out["value"] = None if self.value is MISSING else self.value
        if self.base is not MISSING:
            out["base"] = self.base
        if self.kind != "both-changed":
            out["kind"] = self.kind
        if self.source_time or self.target_time:
            out["source_time"] = self.source_time
            out["target_time"] = self.target_time
        return out


@dataclass(frozen=True)
class SyncOptions:
    """Everything a sync needs besides the two documents.

    Attributes:
        diff: how the two sides are compared.
        direction: which side receives changes.
        strategy: how fields that differ on both sides are decided (bidirectional syncs).
        path: sync only this subtree (on both sides unless the side paths are given).
        source_path: where the records sit in SOURCE, when it differs from TARGET.
        target_path: where the records sit in TARGET.
        no_delete: one-way syncs never remove anything from the receiving side.
        no_create: one-way syncs never add anything the receiving side lacks.
        timestamp_field: the record field last-update-wins reads (else auto-detected).
        max_deletes: refuse a sync that would delete more items than this.
        path_strategies: per-path strategies (first matching pattern wins) for conflicts at or
            under those paths, e.g. ``metadata.annotations`` → target-wins.
        match: fields that pair records by content (``--match``); also their key rule.
    """

    diff: DiffOptions = field(default_factory=DiffOptions)
    direction: SyncDirection = SyncDirection.BIDIRECTIONAL
    strategy: ConflictStrategy = ConflictStrategy.MERGE
    path: Path = ()
    source_path: Path | None = None
    target_path: Path | None = None
    no_delete: bool = False
    no_create: bool = False
    timestamp_field: str | None = None
    max_deletes: int | None = None
    path_strategies: tuple[tuple[Pattern, ConflictStrategy], ...] = ()
    match: tuple[str, ...] = ()

    @property
    def roots(self) -> tuple[Path, Path]:
        """The subtree compared on each side."""
        source = self.source_path if self.source_path is not None else self.path
        target = self.target_path if self.target_path is not None else self.path
        return source, target
