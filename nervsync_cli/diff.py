"""The structural diff: two trees in, a list of changes out, in time linear in the records.

Whole values are compared by canonical bytes first (:func:`values.identical`), so unchanged records
cost one C-level comparison and no Python objects; only records that differ are walked field by
field. Lists of mappings are joined by key (a hash join, never pairwise), lists without identity
are aligned by LCS up to ``DiffOptions.lcs_limit`` items, compared by position beyond it, or compared
as multisets with ``ignore_order``.
"""

from __future__ import annotations

import difflib
from collections import defaultdict, deque
from typing import Any

from .identity import Identity, Side, index_items, match_segment
from .model import MISSING, Change, ChangeKind, Diff, DiffOptions, Document
from .paths import Field, Index, Path, format_path, matches
from .tree import get_at
from .values import canonical, identical, scalars_equal

_TABLE_FORMATS = frozenset({"csv", "tsv"})


class _Walker:
    """One comparison's state: options, identity choices, and the changes found so far."""

    def __init__(self, options: DiffOptions, source: Document, target: Document) -> None:
        self.options = options
        self.source = source
        self.target = target
        self.identity = Identity(options)
        self.diff = Diff()
        self.ignore = options.ignore

    def ignored(self, path: Path) -> bool:
        return bool(self.ignore) and any(matches(pattern, path, prefix=True) for pattern in self.ignore)

    def emit(self, kind: ChangeKind, path: Path, source: Any = MISSING, target: Any = MISSING) -> None:
        if not self.ignored(path):
            self.diff.changes.append(Change(kind, path, source, target))

    def node(self, s: Any, t: Any, path: Path) -> None:
        if self.ignored(path):
            return
        if isinstance(s, dict) and isinstance(t, dict):
            self.mapping(s, t, path)
        elif isinstance(s, list) and isinstance(t, list):
            self.sequence(s, t, path)
        elif (isinstance(s, (dict, list)) or isinstance(t, (dict, list))
              or not scalars_equal(s, t, self.options.precision)):
            self.emit(ChangeKind.CHANGED, path, s, t)

    def mapping(self, s: dict[str, Any], t: dict[str, Any], path: Path) -> None:
        for key, s_value in s.items():
            t_value = t.get(key, MISSING)
            if t_value is MISSING:
                self.emit(ChangeKind.REMOVED, (*path, Field(key)), source=s_value)
            elif not identical(s_value, t_value):
                self.node(s_value, t_value, (*path, Field(key)))
        for key, t_value in t.items():
            if key not in s:
                self.emit(ChangeKind.ADDED, (*path, Field(key)), target=t_value)

    def sequence(self, s: list[Any], t: list[Any], path: Path) -> None:
        documents = not path and (self.source.multi_document or self.target.multi_document)
        sides = (Side(s, self.source.name), Side(t, self.target.name))
        fields = self.identity.choose(path, sides, documents=documents)
        if fields is not None:
            self.keyed(s, t, path, fields)
        elif not path and (self.source.format in _TABLE_FORMATS or self.target.format in _TABLE_FORMATS):
            self.diff.warnings.append(
                "no key column (id) found: rows are matched by row number; name one with --key COLUMN"
            )
            self.positional(s, t, path)
        elif self.options.ignore_order:
            self.multiset(s, t, path)
        else:
            self.ordered(s, t, path)

    def keyed(self, s: list[Any], t: list[Any], path: Path, fields: tuple[str, ...]) -> None:
        s_index = index_items(s, fields, self.source.name, path)
        t_index = index_items(t, fields, self.target.name, path)
        for key, i in s_index.items():
            j = t_index.get(key)
            if j is None:
                self.emit(ChangeKind.REMOVED, (*path, match_segment(fields, key)), source=s[i])
            elif not identical(s[i], t[j]):
                self.node(s[i], t[j], (*path, match_segment(fields, key)))
        for key, j in t_index.items():
            if key not in s_index:
                self.emit(ChangeKind.ADDED, (*path, match_segment(fields, key)), target=t[j])

    def positional(self, s: list[Any], t: list[Any], path: Path) -> None:
        for i, (s_item, t_item) in enumerate(zip(s, t)):
            if not identical(s_item, t_item):
                self.node(s_item, t_item, (*path, Index(i)))
        for i in range(len(t), len(s)):
            self.emit(ChangeKind.REMOVED, (*path, Index(i)), source=s[i])
        for j in range(len(s), len(t)):
            self.emit(ChangeKind.ADDED, (*path, Index(j)), target=t[j])

    def ordered(self, s: list[Any], t: list[Any], path: Path) -> None:
        """Align by LCS so an insertion is one ``added``, not a cascade of positional changes.

        Paths of removed and changed items carry the SOURCE index, added ones the TARGET index.
        """
        if len(s) + len(t) > self.options.lcs_limit:
            self.diff.warnings.append(
                f"{format_path(path)}: {len(s)} and {len(t)} items without a key are more than the "
                f"LCS limit ({self.options.lcs_limit}); compared by position (name a key with --key)"
            )
            self.positional(s, t, path)
            return
        matcher = difflib.SequenceMatcher(None, list(map(canonical, s)), list(map(canonical, t)), autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
            for k in range(paired):
                self.node(s[i1 + k], t[j1 + k], (*path, Index(i1 + k)))
            for i in range(i1 + paired, i2):
                self.emit(ChangeKind.REMOVED, (*path, Index(i)), source=s[i])
            for j in range(j1 + paired, j2):
                self.emit(ChangeKind.ADDED, (*path, Index(j)), target=t[j])

    def multiset(self, s: list[Any], t: list[Any], path: Path) -> None:
        available: defaultdict[bytes, deque[int]] = defaultdict(deque)
        for j, item in enumerate(t):
            available[canonical(item)].append(j)
        for i, item in enumerate(s):
            slots = available.get(canonical(item))
            if slots:
                slots.popleft()
            else:
                self.emit(ChangeKind.REMOVED, (*path, Index(i)), source=item)
        for j in sorted(j for slots in available.values() for j in slots):
            self.emit(ChangeKind.ADDED, (*path, Index(j)), target=t[j])


def diff_documents(source: Document, target: Document, options: DiffOptions | None = None,
                   path: Path = (), target_path: Path | None = None) -> Diff:
    """Compare two documents, optionally only the subtree at ``path``.

    ``target_path`` compares SOURCE's subtree at ``path`` with TARGET's at ``target_path`` (records
    kept at different places); change paths are then given in SOURCE's terms.

    Raises:
        DuplicateKeyError: an explicit key is not unique.
        InputError: an explicit key is missing from an item.
    """
    walker = _Walker(options or DiffOptions(), source, target)
    s = get_at(source.data, path)
    t = get_at(target.data, path if target_path is None else target_path)
    if s is MISSING and t is MISSING:
        walker.diff.warnings.append(f"{format_path(path)} exists in neither file")
    elif s is MISSING:
        walker.emit(ChangeKind.ADDED, path, target=t)
    elif t is MISSING:
        walker.emit(ChangeKind.REMOVED, path, source=s)
    elif not identical(s, t):
        walker.node(s, t, path)
    return walker.diff


def diff_values(source: Any, target: Any, options: DiffOptions | None = None) -> Diff:
    """Compare two in-memory trees."""
    return diff_documents(Document(source, "source", "json"), Document(target, "target", "json"), options)
