"""Standard patches from a nervsync diff: RFC 6902 JSON Patch and RFC 7396 Merge Patch.

:func:`json_patch_for` turns a :class:`~nervsync_cli.model.Diff` into JSON Patch operations that
apply cleanly to SOURCE *as written* and give TARGET exactly, list order included. The diff names
list items by identity (``records[id=7]``) or by SOURCE/TARGET position; a JSON Patch needs the
index each item has at the moment its operation runs, so the operations of one list are emitted
in an order that keeps those indices simple to compute:

1. ``remove`` the items only SOURCE has, highest index first (lower indices do not shift);
2. edit the items both sides have, at their index in what is left;
3. ``move`` keyed items into TARGET's order — only items outside a longest run already in order
   move, so a record moved to the end is one ``move``, not a cascade;
4. ``add`` the items only TARGET has, at their TARGET index, lowest first.

A reordered keyed list is not a difference to ``nervsync diff`` (a reordered file is not a changed
file), but a patch must reproduce TARGET exactly, so reorders are found by walking subtrees whose
bytes differ although the diff reported nothing there. What the diff deliberately leaves out stays
out of the patch too: ``--ignore`` paths, numbers within ``--precision``, and the order of lists
compared with ``--ignore-order`` (their new items are appended).

:func:`patch_documents` is the entry point for two loaded files: it compares them as ``nervsync
diff`` does (a single document against a multi-document stream is compared as a stream of one)
and adjusts the patch so it still applies to SOURCE as the file holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..diff import as_streams, diff_documents
from ..errors import UsageError
from ..identity import Identity, KeyValue, Side, key_of, match_segment
from ..lis import longest_increasing
from ..model import MISSING, Change, ChangeKind, Diff, DiffOptions, Document
from ..paths import Field, Index, Match, Path, Segment, format_path, matches
from ..tree import find_item
from ..values import identical
from .jsonpatch import apply_json_patch, copy_json
from .mergepatch import MergePatchResult, make_merge_patch
from .pointer import JSONValue, format_pointer

Operation = dict[str, Any]
Token = str | int

_TABLE_FORMATS = frozenset({"csv", "tsv"})


@dataclass
class _Node:
    """The diff's changes as a tree keyed by path segment.

    An ``added`` change at a positional segment is keyed apart (``target_index``): ``[3]`` of an
    added item is a TARGET position while ``[3]`` of a removed or changed one is a SOURCE position,
    so both may occur in one list.
    """

    change: Change | None = None
    children: dict[tuple[Segment, bool], _Node] = field(default_factory=dict)


def _build_trie(changes: Sequence[Change], base: int) -> _Node:
    root = _Node()
    for change in changes:
        node = root
        relative = change.path[base:]
        for depth, segment in enumerate(relative):
            target_index = (depth == len(relative) - 1 and change.kind is ChangeKind.ADDED
                            and isinstance(segment, Index))
            node = node.children.setdefault((segment, target_index), _Node())
        node.change = change
    return root


_EMPTY = _Node()


class _Generator:
    """One patch's state: the options the diff ran with, and the operations so far."""

    def __init__(self, source: Document, target: Document, options: DiffOptions) -> None:
        self.source = source
        self.target = target
        self.options = options
        self.identity = Identity(options)
        self.ops: list[Operation] = []

    # --- emitting --------------------------------------------------------------------------------

    def emit(self, op: str, tokens: Sequence[Token], value: Any = MISSING, source: Sequence[Token] | None = None
             ) -> None:
        operation: Operation = {"op": op}
        if source is not None:
            operation["from"] = format_pointer(source)
        operation["path"] = format_pointer(tokens)
        if value is not MISSING:
            # A copy: the patch must not share mutable parts with TARGET's tree.
            operation["value"] = copy_json(value)
        self.ops.append(operation)

    def ignored(self, path: Path) -> bool:
        return any(matches(pattern, path, prefix=True) for pattern in self.options.ignore)

    # --- walking -----------------------------------------------------------------------------------

    def walk(self, s: Any, t: Any, path: Path, tokens: list[Token], node: _Node) -> None:
        """Emit the operations turning ``s`` (at ``tokens`` in the patched document) into ``t``."""
        change = node.change
        if change is not None:
            if change.kind is ChangeKind.CHANGED:
                self.emit("replace", tokens, value=t)
            elif change.kind is ChangeKind.ADDED:
                self.emit("add", tokens, value=t)
            else:
                self.emit("remove", tokens)
            return
        if self.ignored(path):
            return
        if isinstance(s, dict) and isinstance(t, dict):
            self.mapping(s, t, path, tokens, node)
        elif isinstance(s, list) and isinstance(t, list):
            self.sequence(s, t, path, tokens, node)
        elif node.children:
            raise AssertionError(f"changes below {format_path(path)}, which is not a container on both sides")
        # Otherwise two scalars the diff calls equal (1 and 1.0, or within --precision): no change.

    def mapping(self, s: dict[str, Any], t: dict[str, Any], path: Path, tokens: list[Token], node: _Node) -> None:
        for (segment, _), child in node.children.items():
            if not isinstance(segment, Field):
                raise AssertionError(f"{format_path((*path, segment))}: a list segment inside a mapping")
            name = segment.name
            self.walk(s.get(name, MISSING), t.get(name, MISSING), (*path, segment), [*tokens, name], child)
        for name, s_value in s.items():
            if (Field(name), False) in node.children:
                continue
            t_value = t.get(name, MISSING)
            if t_value is not MISSING and not identical(s_value, t_value):
                # Nothing reported, yet the bytes differ: look for keyed lists in another order.
                self.walk(s_value, t_value, (*path, Field(name)), [*tokens, name], _EMPTY)

    def sequence(self, s: list[Any], t: list[Any], path: Path, tokens: list[Token], node: _Node) -> None:
        # The same choice, from the same inputs, as the diff made for this list.
        documents = not path and (self.source.multi_document or self.target.multi_document)
        sides = (Side(s, self.source.name), Side(t, self.target.name))
        fields = self.identity.choose(path, sides, documents=documents)
        if fields is not None:
            self.keyed(s, t, path, tokens, node, fields)
        elif (self.options.ignore_order
              and not (not path and (self.source.format in _TABLE_FORMATS or self.target.format in _TABLE_FORMATS))):
            self.unordered(s, t, path, tokens, node)
        else:
            self.ordered(s, t, path, tokens, node)

    def keyed(self, s: list[Any], t: list[Any], path: Path, tokens: list[Token], node: _Node,
              fields: tuple[str, ...]) -> None:
        s_keys = [self._key(item, fields) for item in s]
        t_keys = [self._key(item, fields) for item in t]
        s_index = {key: i for i, key in enumerate(s_keys)}
        t_index = {key: j for j, key in enumerate(t_keys)}
        seen: set[tuple[Segment, bool]] = set()

        def reported(key: KeyValue) -> bool:
            # An item only one side has is left alone when --ignore hides it (the diff said nothing).
            segment = match_segment(fields, key)
            if (segment, False) in node.children:
                seen.add((segment, False))
                return True
            return not self.ignored((*path, segment))

        kept: list[KeyValue] = []
        for i in range(len(s) - 1, -1, -1):
            key = s_keys[i]
            if key in t_index:
                kept.append(key)
            elif reported(key):
                self.emit("remove", [*tokens, i])
            else:
                kept.append(key)
        kept.reverse()
        for position, key in enumerate(kept):
            if key not in t_index:
                continue
            segment = match_segment(fields, key)
            child = node.children.get((segment, False))
            s_item, t_item = s[s_index[key]], t[t_index[key]]
            if child is not None:
                seen.add((segment, False))
            elif identical(s_item, t_item):
                continue
            self.walk(s_item, t_item, (*path, segment), [*tokens, position], child or _EMPTY)
        # TARGET's order for the items both sides have, in the places they hold now; an item kept
        # only because it is ignored stays where it is.
        in_target_order = iter([key for key in t_keys if key in s_index])
        wanted = [next(in_target_order) if key in t_index else key for key in kept]
        self.reorder(kept, wanted, tokens)
        added = [j for j, key in enumerate(t_keys) if key not in s_index and reported(key)]
        extras = any(key not in t_index for key in kept)
        if not extras and len(added) == sum(key not in s_index for key in t_keys):
            for j in added:  # the list is TARGET without its new items: TARGET indices are right
                self.emit("add", [*tokens, j], value=t[j])
        else:
            self.insert_after_neighbours(wanted, t_keys, added, t, tokens)
        if seen != node.children.keys():
            raise AssertionError(f"{format_path(path)}: the diff's items do not match the list's keys {fields}")

    @staticmethod
    def _key(item: Any, fields: tuple[str, ...]) -> KeyValue:
        key = key_of(item, fields)
        assert key is not None  # Identity.choose checked that every item has the fields
        return key

    def reorder(self, current: list[KeyValue], wanted: list[KeyValue], tokens: list[Token]) -> None:
        """Moves turning the order ``current`` into ``wanted`` (the same keys), fewest first.

        Items of a longest run already in order stay; each other item, in wanted order, moves to
        just after its wanted predecessor. Every item then directly follows its predecessor, so
        the list ends in the wanted order after exactly ``len - longest run`` moves.
        """
        if current == wanted:
            return
        rank = {key: r for r, key in enumerate(current)}
        order = [rank[key] for key in wanted]
        stay = set(longest_increasing(order))
        simulated = list(range(len(current)))
        for position, item in enumerate(order):
            if position in stay:
                continue
            old = simulated.index(item)
            del simulated[old]
            new = simulated.index(order[position - 1]) + 1 if position else 0
            simulated.insert(new, item)
            if new != old:
                self.emit("move", [*tokens, new], source=[*tokens, old])

    def insert_after_neighbours(self, current: list[KeyValue], t_keys: list[KeyValue], added: list[int],
                                t: list[Any], tokens: list[Token]) -> None:
        """Add TARGET's new items when ignored items make TARGET indices wrong: each goes just after
        the nearest item before it in TARGET that the list holds, else first."""
        simulated = list(current)
        present = set(current)
        for j in added:
            neighbour = next((t_keys[k] for k in range(j - 1, -1, -1) if t_keys[k] in present), None)
            where = simulated.index(neighbour) + 1 if neighbour is not None else 0
            simulated.insert(where, t_keys[j])
            present.add(t_keys[j])
            self.emit("add", [*tokens, where], value=t[j])

    def _positional_children(self, node: _Node, path: Path) -> tuple[set[int], set[int], dict[int, _Node]]:
        removed: set[int] = set()
        added: set[int] = set()
        inner: dict[int, _Node] = {}
        for (segment, target_index), child in node.children.items():
            if not isinstance(segment, Index):
                raise AssertionError(f"{format_path((*path, segment))}: a keyed item in a list without a key")
            if target_index:
                added.add(segment.index)
            elif child.change is not None and child.change.kind is ChangeKind.REMOVED:
                removed.add(segment.index)
            else:
                inner[segment.index] = child
        return removed, added, inner

    def ordered(self, s: list[Any], t: list[Any], path: Path, tokens: list[Token], node: _Node) -> None:
        """A list without identity, aligned by the diff (LCS or position).

        The diff pairs the items it did not remove with the items it did not add, in order (an
        unchanged item, or a changed one at its SOURCE index); that is the whole alignment.
        """
        removed, added, inner = self._positional_children(node, path)
        kept_s = [i for i in range(len(s)) if i not in removed]
        kept_t = [j for j in range(len(t)) if j not in added]
        if len(kept_s) != len(kept_t):
            raise UsageError(
                f"{format_path(path)}: --ignore hides some items of this list without a key, so no patch "
                "can place the others; narrow the --ignore pattern"
            )
        for i in sorted(removed, reverse=True):
            self.emit("remove", [*tokens, i])
        for rank, (i, j) in enumerate(zip(kept_s, kept_t)):
            child = inner.pop(i, None)
            if child is not None or not identical(s[i], t[j]):
                self.walk(s[i], t[j], (*path, Index(i)), [*tokens, rank], child or _EMPTY)
        if inner:
            raise AssertionError(f"{format_path(path)}: changes at positions {sorted(inner)} past the list")
        for j in sorted(added):
            self.emit("add", [*tokens, j], value=t[j])

    def unordered(self, s: list[Any], t: list[Any], path: Path, tokens: list[Token], node: _Node) -> None:
        """``--ignore-order``: remove what SOURCE has too many of, append what it lacks."""
        removed, added, inner = self._positional_children(node, path)
        if inner:
            raise AssertionError(f"{format_path(path)}: changed items in a list compared as a multiset")
        for i in sorted(removed, reverse=True):
            self.emit("remove", [*tokens, i])
        for j in sorted(added):
            self.emit("add", [*tokens, "-"], value=t[j])


def _source_tokens(data: Any, path: Path) -> list[Token] | None:
    """The JSON Pointer tokens of ``path`` in ``data``, or ``None`` where a step does not exist."""
    tokens: list[Token] = []
    node = data
    for segment in path:
        if isinstance(segment, Field):
            if not isinstance(node, dict) or segment.name not in node:
                return None
            tokens.append(segment.name)
            node = node[segment.name]
            continue
        if not isinstance(node, list):
            return None
        position = segment.index if isinstance(segment, Index) else find_item(node, segment)
        if position is None or not -len(node) <= position < len(node):
            return None
        position %= len(node)
        tokens.append(position)
        node = node[position]
    return tokens


def _subtree_tokens(source: Any, path: Path) -> list[Token]:
    tokens = _source_tokens(source, path)
    if tokens is not None:
        return tokens
    # --path names a subtree SOURCE lacks: the patch adds it, so its parent must exist.
    parent = _source_tokens(source, path[:-1])
    last = path[-1] if path else None
    if parent is None or not isinstance(last, (Field, Match)):
        raise UsageError(f"--path {format_path(path)}: SOURCE has no place to add it; a patch cannot make one")
    return [*parent, last.name if isinstance(last, Field) else "-"]


def json_patch_for(source: Document, target: Document, diff: Diff, options: DiffOptions | None = None,
                   path: Path = ()) -> list[Operation]:
    """RFC 6902 operations turning ``source`` into ``target``, built from their ``diff``.

    ``source`` and ``target`` are the documents ``diff`` compared (after
    :func:`~nervsync_cli.diff.as_streams`), ``options`` and ``path`` what it was computed with, so
    list identities are chosen exactly as the diff chose them. Applied to ``source.data`` the
    operations give ``target.data`` (JSON-equal, list order included) except where the diff's
    options say to look away: ignored paths, numbers within the precision, the order of lists
    compared with ``ignore_order``.

    Raises:
        UsageError: ``--ignore`` hides items of an unkeyed list, or ``path`` cannot be added to SOURCE.
    """
    options = options or DiffOptions()
    generator = _Generator(source, target, options)
    root = _build_trie(diff.changes, len(path))
    s_tree = _get(source.data, path)
    t_tree = _get(target.data, path)
    if root.change is None and not root.children and (s_tree is MISSING or t_tree is MISSING):
        return []
    generator.walk(s_tree, t_tree, path, _subtree_tokens(source.data, path), root)
    return generator.ops


def _get(data: Any, path: Path) -> Any:
    from ..tree import get_at

    return get_at(data, path)


@dataclass(frozen=True)
class PatchPair:
    """What :func:`patch_documents` made: the diff, the JSON Patch, and SOURCE once patched."""

    diff: Diff
    operations: list[Operation]
    patched: JSONValue


def patch_documents(source: Document, target: Document, options: DiffOptions | None = None,
                    path: Path = ()) -> PatchPair:
    """Diff two loaded files as ``nervsync diff`` does and make the JSON Patch of SOURCE → TARGET.

    ``source`` and ``target`` are the files as loaded (not yet made streams). When only one of them
    is a multi-document stream they are compared as streams, and the patch is adjusted to apply to
    SOURCE's own shape: a single SOURCE document is first wrapped into a one-document stream, and a
    single TARGET document is unwrapped from the stream at the end.

    Raises:
        UsageError: see :func:`json_patch_for`.
        InputError, DuplicateKeyError: from the diff (keys).
    """
    options = options or DiffOptions()
    source_stream, target_stream = as_streams(source, target)
    diff = diff_documents(source_stream, target_stream, options, path)
    operations = json_patch_for(source_stream, target_stream, diff, options, path)
    if source_stream.data is not source.data and operations:
        operations.insert(0, {"op": "replace", "path": "", "value": copy_json([source.data])})
    if target_stream.data is not target.data and operations:
        operations.append({"op": "move", "from": "/0", "path": ""})
    patched = apply_json_patch(source.data, operations) if operations else copy_json(source.data)
    return PatchPair(diff, operations, patched)


def merge_patch_for(source: JSONValue, patched: JSONValue) -> MergePatchResult:
    """The RFC 7396 merge patch turning ``source`` into ``patched`` (SOURCE after its JSON Patch).

    Made from the JSON Patch's result rather than from TARGET, so a merge patch leaves out what the
    diff left out (ignored paths, numbers within the precision) just as the JSON Patch does.

    Raises:
        ApplyError: an object member must become ``null``, which a merge patch cannot say.
    """
    return make_merge_patch(source, patched)
