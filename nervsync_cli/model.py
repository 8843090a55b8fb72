"""Pure value types shared by every stage: documents, diff options, changes and diffs.

A document is a plain JSON-like tree (dicts with string keys, lists, str, int, float, bool, None).
Identity is not stored in the tree: lists of mappings are matched by key at diff time
(:mod:`nervsync_cli.identity`), so the same tree serves diff, sync, merge and patches.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Document:
    """One loaded input: its tree and what is needed to write it back in its own style.

    Attributes:
        data: the JSON-like tree.
        name: how the user named the input (shown in messages; ``-`` for stdin).
        format: the format name (``json``, ``yaml``, ``csv``, ``tsv`` or a registered one).
        text: the original text, for format-preserving writes; ``None`` for in-memory documents.
        multi_document: a YAML stream of several documents, loaded as a list of them.
        bom: the file started with a UTF-8 byte order mark (kept when it is written back).
    """

    data: Any
    name: str
    format: str
    text: str | None = None
    multi_document: bool = False
    bom: bool = False


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
    """

    keys: tuple[KeyRule, ...] = ()
    ignore: tuple[Pattern, ...] = ()
    ignore_order: bool = False
    precision: int | None = None
    auto_keys: tuple[str, ...] = ("id", "key", "name", "uuid")
    lcs_limit: int = 20_000


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
