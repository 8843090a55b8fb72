"""Three-way merge of two documents against their common base, field by field (SyncML's model).

Per node, with base ``b`` and sides ``s`` (SOURCE) and ``t`` (TARGET):

* ``s == t``: both agree (unchanged, or changed identically) — take it;
* ``s == b``: only TARGET changed (a deletion too) — take ``t``; ``t == b``: take ``s``;
* both changed: mappings merge key by key, keyed lists item by item (item order merged like an
  RGA), lists without identity merge with RGA semantics, text merges line by line (then word by
  word); anything else is a conflict for the strategy. A deletion on one side of something the
  other side modified is a ``delete-modify`` conflict, never a silent loss; two items added with
  the same key merge their fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .identity import Identity, Side, index_items, match_segment
from .merge.sequence import merge_sequences
from .merge.text import merge_text
from .model import MISSING, Conflict, DiffOptions
from .paths import Index, Path, matches
from .values import equal

Decide = Callable[[Conflict], None]


@dataclass
class MergeResult:
    """The merged tree and every conflict met on the way (decided or not)."""

    merged: Any
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def unresolved(self) -> list[Conflict]:
        """Conflicts no strategy decided."""
        return [c for c in self.conflicts if not c.resolved]


class _Merger:
    def __init__(self, options: DiffOptions, decide: Decide | None, names: tuple[str, str, str]) -> None:
        self.options = options
        self.decide = decide
        self.names = names
        self.identity = Identity(options)
        self.conflicts: list[Conflict] = []

    def equal(self, a: Any, b: Any) -> bool:
        return equal(a, b, self.options.precision)

    def conflict(self, path: Path, b: Any, s: Any, t: Any, kind: str) -> Any:
        """Record a conflict, let the strategy decide it, and return the value to keep."""
        conflict = Conflict(path, s, t, base=b, kind=kind)
        self.conflicts.append(conflict)
        if self.decide is not None:
            self.decide(conflict)
        return conflict.chosen() if conflict.resolved else s

    def node(self, b: Any, s: Any, t: Any, path: Path) -> Any:
        if self.options.ignore and any(matches(p, path, prefix=True) for p in self.options.ignore):
            return s
        if self.equal(s, t):
            return s
        if self.equal(b, s):
            return t
        if self.equal(b, t):
            return s
        if s is MISSING or t is MISSING:
            return self.conflict(path, b, s, t, "delete-modify")
        kind = "both-changed" if b is not MISSING else "both-added"
        if isinstance(s, dict) and isinstance(t, dict):
            return self.mapping(b if isinstance(b, dict) else {}, s, t, path)
        if isinstance(s, list) and isinstance(t, list):
            return self.sequence(b if isinstance(b, list) else [], s, t, path, kind)
        if isinstance(s, str) and isinstance(t, str) and isinstance(b, str) and self.is_text(path, b, s, t):
            return self.text(b, s, t, path)
        return self.conflict(path, b, s, t, kind)

    def mapping(self, b: dict[str, Any], s: dict[str, Any], t: dict[str, Any], path: Path) -> Any:
        from .paths import Field

        merged: dict[str, Any] = {}
        for key in _union_order(list(b), list(s), list(t)):
            value = self.node(b.get(key, MISSING), s.get(key, MISSING), t.get(key, MISSING), (*path, Field(key)))
            if value is not MISSING:
                merged[key] = value
        return merged

    def sequence(self, b: list[Any], s: list[Any], t: list[Any], path: Path, kind: str) -> Any:
        sides = [Side(b, self.names[0]), Side(s, self.names[1]), Side(t, self.names[2])]
        fields = self.identity.choose(path, sides)
        if fields is not None:
            return self.keyed(b, s, t, path, fields)
        if len(b) == len(s) == len(t) and all(_similar(x, y) and _similar(x, z) for x, y, z in zip(b, s, t)):
            # Items edited in place on both sides (steps of a workflow, hooks of a repo): merge
            # them pairwise, so a conflict is as small as the field that really conflicts.
            merged = [self.node(x, y, z, (*path, Index(i))) for i, (x, y, z) in enumerate(zip(b, s, t))]
            return [item for item in merged if item is not MISSING]
        result = merge_sequences(b, s, t)
        if result.clean:
            return result.items
        return self.conflict(path, b, s, t, "list")

    def keyed(self, b: list[Any], s: list[Any], t: list[Any], path: Path, fields: tuple[str, ...]) -> list[Any]:
        indexes = [index_items(items, fields, name, path) for items, name in zip((b, s, t), self.names)]
        order = _union_order(*[list(index) for index in indexes])
        merged: list[Any] = []
        for key in order:
            b_item, s_item, t_item = (items[index[key]] if key in index else MISSING
                                      for items, index in zip((b, s, t), indexes))
            value = self.node(b_item, s_item, t_item, (*path, match_segment(fields, key)))
            if value is not MISSING:
                merged.append(value)
        return merged

    def is_text(self, path: Path, *values: str) -> bool:
        return any("\n" in v for v in values) or any(matches(p, path) for p in self.options.text_fields)

    def text(self, b: str, s: str, t: str, path: Path) -> Any:
        result = merge_text(b, s, t)
        if result.clean:
            return result.text
        return self.conflict(path, b, s, t, "text")


def _similar(base: Any, side: Any) -> bool:
    """Whether ``side`` reads as an edit of ``base`` (not a different item in its place)."""
    if isinstance(base, dict) and isinstance(side, dict):
        return base == side or any(
            key in side and not isinstance(value, (dict, list)) and equal(side[key], value)
            for key, value in base.items()
        )
    return not isinstance(base, (dict, list)) and not isinstance(side, (dict, list))


def _union_order(base: Sequence[Any], source: Sequence[Any], target: Sequence[Any]) -> list[Any]:
    """All keys in a merged order: each side's order respected, inserts kept near their neighbours.

    The order of distinct keys is merged like an RGA list (:func:`merge_sequences`), then keys it
    dropped (deleted on one side only; the per-key merge decides their fate) are put back.
    """
    wrap = [[[k] for k in keys] for keys in (base, source, target)]
    merged = merge_sequences(*wrap).items
    order = [item[0] for item in merged]
    seen = set(order)
    if len(seen) != len(order):
        order = list(dict.fromkeys(order))
    for keys in (source, target, base):
        for key in keys:
            if key not in seen:
                seen.add(key)
                order.append(key)
    return order


def merge_trees(base: Any, source: Any, target: Any, options: DiffOptions | None = None,
                decide: Decide | None = None, names: tuple[str, str, str] = ("base", "source", "target"),
                path: Path = ()) -> MergeResult:
    """Three-way merge of ``source`` and ``target`` given their common ``base``.

    ``decide`` is called on every conflict (a strategy); undecided conflicts keep SOURCE's value
    in ``merged`` and are listed in ``unresolved``.

    Raises:
        DuplicateKeyError, InputError: from keys on any of the three sides.
    """
    merger = _Merger(options or DiffOptions(), decide, names)
    merged = merger.node(base, source, target, path)
    return MergeResult(merged, merger.conflicts)
