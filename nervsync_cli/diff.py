"""The structural diff: two trees in, a list of changes out, in time linear in the records.

Whole values are compared by canonical bytes first (:func:`values.identical`), so unchanged records
cost one C-level comparison and no Python objects; only records that differ are walked field by
field. Lists of mappings are joined by key (a hash join, never pairwise), lists without identity
are aligned by LCS up to ``DiffOptions.lcs_limit`` items, compared by position beyond it, or compared
as multisets with ``ignore_order``.

Swapping SOURCE and TARGET swaps ``added`` and ``removed`` and nothing else: the LCS breaks ties by
the items' values, never by which side they are on (see :func:`lcs_pairs`).
"""

from __future__ import annotations

import dataclasses
import difflib
import operator
from collections import defaultdict, deque
from collections.abc import Sequence
from itertools import chain, compress, repeat
from typing import Any, cast

from .errors import InputError
from .identity import Identity, Side, index_items, match_segment
from .locate import Locator
from .model import MISSING, Change, ChangeKind, Diff, DiffOptions, Document
from .paths import Field, Index, Path, format_path, matches
from .tree import get_at
from .values import identical, identical_each, match_key, scalars_equal

_TABLE_FORMATS = frozenset({"csv", "tsv"})
# Largest table (items x items, after trimming the common head and tail) of the exact LCS; bigger
# middles fall back to difflib's matcher, which is fast but not always a longest alignment.
_LCS_CELLS = 1_000_000


def lcs_pairs(s: Sequence[bytes], t: Sequence[bytes]) -> list[tuple[int, int]]:
    """Positions ``(i, j)`` of a longest common subsequence of two lists of item keys.

    Among several longest alignments the choice depends only on the values: at a tie the larger key
    is dropped first, on whichever side it is. So the alignment of (t, s) mirrors that of (s, t),
    and swapping the sides of a diff swaps added and removed exactly.
    """
    n, m = len(s), len(t)
    head = 0
    while head < min(n, m) and s[head] == t[head]:
        head += 1
    tail = 0
    while tail < min(n, m) - head and s[n - 1 - tail] == t[m - 1 - tail]:
        tail += 1
    pairs = [(k, k) for k in range(head)]
    s_mid, t_mid = s[head:n - tail], t[head:m - tail]
    if s_mid and t_mid:
        if len(s_mid) * len(t_mid) <= _LCS_CELLS:
            middle = _exact_lcs(s_mid, t_mid)
        else:
            blocks = difflib.SequenceMatcher(None, s_mid, t_mid, autojunk=False).get_matching_blocks()
            middle = [(b.a + k, b.b + k) for b in blocks for k in range(b.size)]
        pairs += [(head + i, head + j) for i, j in middle]
    pairs += [(n - tail + k, m - tail + k) for k in range(tail)]
    return pairs


def _exact_lcs(s: Sequence[bytes], t: Sequence[bytes]) -> list[tuple[int, int]]:
    n, m = len(s), len(t)
    # lengths[i][j]: LCS length of s[i:] and t[j:], so the walk below goes forwards.
    lengths = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below, s_i = lengths[i], lengths[i + 1], s[i]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if s_i == t[j] else max(below[j], row[j + 1])
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if s[i] == t[j]:
            pairs.append((i, j))
            i += 1
            j += 1
        elif lengths[i + 1][j] > lengths[i][j + 1] or (lengths[i + 1][j] == lengths[i][j + 1] and s[i] > t[j]):
            i += 1
        else:
            j += 1
    return pairs


def as_streams(source: Document, target: Document) -> tuple[Document, Document]:
    """Treat a single document as a stream of one when the other side is a multi-document stream.

    Without this, a one-document YAML file compared with a two-document one is a mapping against a
    list: one useless ``changed .``. As streams, documents are paired by identity like any others.
    A side whose data is already a list (a list of manifests) is left as it is.
    """
    if source.multi_document == target.multi_document:
        return source, target

    def stream(document: Document) -> Document:
        if document.multi_document or isinstance(document.data, list):
            return document
        return dataclasses.replace(document, data=[document.data], multi_document=True)

    return stream(source), stream(target)


class _Walker:
    """One comparison's state: options, identity choices, and the changes found so far."""

    def __init__(self, options: DiffOptions, source: Document, target: Document,
                 locator: Locator | None = None) -> None:
        self.options = options
        self.source = source
        self.target = target
        # Patterns (--ignore, --key PATH=...) also apply relative to each document of a stream, so
        # "--ignore metadata.annotations" means the same for one manifest and for many.
        self.stream = source.multi_document or target.multi_document
        self.identity = Identity(options, stream=self.stream, locator=locator)
        self.diff = Diff()
        self.ignore = options.ignore

    def ignored(self, path: Path) -> bool:
        if not self.ignore:
            return False
        inner = path[1:] if self.stream and path else None
        return any(matches(pattern, path, prefix=True) or (inner is not None and matches(pattern, inner, prefix=True))
                   for pattern in self.ignore)

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
                "no column identifies the rows (id, key, name or uuid, present and unique on both sides): "
                "rows are matched by row number; name one with --key COLUMN"
            )
            self.positional(s, t, path)
        elif self.options.ignore_order:
            self.multiset(s, t, path)
        else:
            self.ordered(s, t, path)

    def keyed(self, s: list[Any], t: list[Any], path: Path, fields: tuple[str, ...]) -> None:
        if len(fields) == 1:
            s_plain = self.identity.plain_index(s, fields[0])
            t_plain = self.identity.plain_index(t, fields[0]) if s_plain is not None else None
            if s_plain is not None and t_plain is not None:
                self.keyed_plain(s, t, path, fields, s_plain, t_plain)
                return
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

    def keyed_plain(self, s: list[Any], t: list[Any], path: Path, fields: tuple[str, ...],
                    s_index: dict[str, int], t_index: dict[str, int]) -> None:
        """:meth:`keyed` for a one-field key of plain strings: the same changes in the same order.

        Unchanged records (nearly all, usually) are recognised in bulk (:func:`values.identical_each`)
        and every pass over all the records runs in C (``map``, ``compress``): Python code runs only
        for the records that were added, removed or changed.
        """
        keys = list(s_index)
        positions = list(s_index.values())
        targets = list(map(t_index.get, keys))
        present = list(map(operator.is_not, targets, repeat(None)))
        both = list(compress(range(len(keys)), present))
        t_positions = cast("list[int]", list(compress(targets, present)))
        same = identical_each(list(map(s.__getitem__, compress(positions, present))),
                              list(map(t.__getitem__, t_positions)))
        removed = compress(range(len(keys)), map(operator.not_, present))
        changed = compress(both, map(operator.not_, same))
        for k in sorted(chain(removed, changed)):
            step = match_segment(fields, (keys[k],))
            j = targets[k]
            if j is None:
                self.emit(ChangeKind.REMOVED, (*path, step), source=s[positions[k]])
            else:
                self.node(s[positions[k]], t[j], (*path, step))
        # (Looking up the matched positions, small ints, is cheaper than the target's keys again.)
        matched = set(t_positions)
        for key, j in compress(t_index.items(), map(operator.not_, map(matched.__contains__, t_index.values()))):
            self.emit(ChangeKind.ADDED, (*path, match_segment(fields, (key,))), target=t[j])

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
        pairs = lcs_pairs([match_key(item) for item in s], [match_key(item) for item in t])
        i = j = 0
        for next_i, next_j in [*pairs, (len(s), len(t))]:
            # Between two matched items: pair what was deleted with what was inserted, in order, as
            # changes (a replaced value); the surplus is removed or added.
            paired = min(next_i - i, next_j - j)
            for k in range(paired):
                self.node(s[i + k], t[j + k], (*path, Index(i + k)))
            for k in range(i + paired, next_i):
                self.emit(ChangeKind.REMOVED, (*path, Index(k)), source=s[k])
            for k in range(j + paired, next_j):
                self.emit(ChangeKind.ADDED, (*path, Index(k)), target=t[k])
            i, j = next_i + 1, next_j + 1

    def multiset(self, s: list[Any], t: list[Any], path: Path) -> None:
        available: defaultdict[bytes, deque[int]] = defaultdict(deque)
        for j, item in enumerate(t):
            available[match_key(item)].append(j)
        for i, item in enumerate(s):
            slots = available.get(match_key(item))
            if slots:
                slots.popleft()
            else:
                self.emit(ChangeKind.REMOVED, (*path, Index(i)), source=item)
        for j in sorted(j for slots in available.values() for j in slots):
            self.emit(ChangeKind.ADDED, (*path, Index(j)), target=t[j])


def diff_documents(source: Document, target: Document, options: DiffOptions | None = None,
                   path: Path = (), target_path: Path | None = None, *, locator: Locator | None = None) -> Diff:
    """Compare two documents, optionally only the subtree at ``path``.

    ``target_path`` compares SOURCE's subtree at ``path`` with TARGET's at ``target_path`` (records
    kept at different places); change paths are then given in SOURCE's terms. ``locator``: keeps
    the lists' keys for a caller that looks them up again (see :func:`..plan.plan_sync`).

    Raises:
        DuplicateKeyError: an explicit key is not unique.
        InputError: an explicit key is missing from an item, or the documents are nested too deeply.
    """
    walker = _Walker(options or DiffOptions(), source, target, locator)
    s = get_at(source.data, path)
    t = get_at(target.data, path if target_path is None else target_path)
    if s is MISSING and t is MISSING:
        walker.diff.warnings.append(f"{format_path(path)} exists in neither file")
    elif s is MISSING:
        walker.emit(ChangeKind.ADDED, path, target=t)
    elif t is MISSING:
        walker.emit(ChangeKind.REMOVED, path, source=s)
    else:
        try:
            if not identical(s, t):
                walker.node(s, t, path)
        except RecursionError:
            # The walk recurses once per level; the parsers accept deeper files than it can walk.
            raise InputError(
                f"{source.name}, {target.name}", "documents are nested too deeply to compare"
            ) from None
    return walker.diff


def diff_values(source: Any, target: Any, options: DiffOptions | None = None) -> Diff:
    """Compare two in-memory trees."""
    return diff_documents(Document(source, "source", "json"), Document(target, "target", "json"), options)
