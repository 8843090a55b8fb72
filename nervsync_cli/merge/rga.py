"""Replicated Growable Array (RGA): the sequence CRDT under nervsync's list merges.

RGA (Roh, Jeong, Kim and Lee, "Replicated abstract data types: Building blocks for collaborative
applications", J. Parallel Distrib. Comput. 71(3), 2011) keeps every element ever inserted, each
named by a Lamport timestamp :class:`ElementId`. An insertion names the element it follows, its
*origin* (``None`` for the head); a deletion leaves a tombstone. The elements form a tree under
their origins, and the sequence is the pre-order walk of that tree with siblings in descending id
order: concurrent insertions after one element come out newest first, on every replica alike.
The state join is the union of elements and of tombstones, so it is commutative, associative and
idempotent, and a deleted element never comes back.

Storage: all elements, tombstones included, sit in document order in a list of small blocks
(split when they pass 64 elements) that each count their visible elements, and a *cursor*
remembers where the last lookup landed. An edit next to the previous one (typing, backspacing) is
found a step or two from the cursor; one further away walks the block counts from there, and a
long jump takes one C-level prefix sum over them, O(n / 64). No edit copies the sequence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from itertools import accumulate
from operator import attrgetter
from typing import Any, Generic, NamedTuple, TypeVar

T = TypeVar("T")

# Block size: the in-block scan is Python-level, splits are cheap; 64 measured best on the
# automerge-paper trace among 32, 64 and 128 (CPU time, three runs each).
_MAX_BLOCK = 64
_FILL = _MAX_BLOCK // 2
# How far (in visible elements) the cursor walks block by block before a prefix-sum seek wins.
_NEAR = 4096


class ElementId(NamedTuple):
    """The Lamport timestamp naming one element: ordered by ``counter``, then by ``replica``."""

    counter: int
    replica: str


# One element as (id, origin, value, deleted).
_Entry = tuple[ElementId, ElementId | None, T, bool]


class _Node(Generic[T]):
    """One element, visible or tombstoned, and the block that currently holds it."""

    __slots__ = ("block", "deleted", "id", "origin", "value")

    def __init__(self, elem_id: ElementId, origin: ElementId | None, value: T, deleted: bool) -> None:
        self.id = elem_id
        self.origin = origin
        self.value = value
        self.deleted = deleted
        self.block: _Block[T]


class _Block(Generic[T]):
    """A run of consecutive elements and how many of them are visible."""

    __slots__ = ("nodes", "visible")

    def __init__(self, nodes: list[_Node[T]]) -> None:
        self.nodes = nodes
        self.visible = 0
        for node in nodes:
            node.block = self
            self.visible += not node.deleted


_visible_count = attrgetter("visible")


class RGA(Generic[T]):
    """A replica of an RGA sequence.

    Local edits address the visible sequence by index (:meth:`insert`, :meth:`delete`); remote
    operations address elements by id (:meth:`insert_after`, :meth:`delete_id`); whole states
    combine with :meth:`join`. Equality compares the replicated state (elements, their order and
    tombstones), not the local ``replica_id``.

    Ids must be unique: two writers must never share a replica id. The replica's Lamport clock is
    the greatest counter it has seen, so every new element's counter exceeds its origin's.

    Args:
        replica_id: Names this replica in the ids of the elements it creates.

    Example:
        >>> a = RGA[str]("a")
        >>> _ = a.insert(0, "x")
        >>> b = a.fork("b")
        >>> _ = a.insert(1, "y"), b.insert(1, "z")
        >>> a.join(b).to_sequence()
        ['x', 'z', 'y']
    """

    def __init__(self, replica_id: str) -> None:
        self.replica_id = replica_id
        self._blocks: list[_Block[T]] = [_Block([])]
        self._by_id: dict[ElementId, _Node[T]] = {}
        self._clock = 0
        self._visible = 0
        # Where the last lookup landed, so that the next one, usually close by, starts there:
        # (block, visible elements before it, offset in it, visible elements before that offset).
        self._cursor = (0, 0, 0, 0)

    # -- local edits --------------------------------------------------------------------------

    def insert(self, index: int, value: T) -> ElementId:
        """Insert ``value`` so that it becomes the visible element at ``index``.

        Args:
            index: Position in the visible sequence, ``0 <= index <= len(self)``.
            value: The element's value.

        Returns:
            The new element's id.

        Raises:
            IndexError: ``index`` is out of range.
        """
        if not 0 <= index <= self._visible:
            raise IndexError(f"insert index {index} out of range 0..{self._visible}")
        node = _Node(ElementId(self._clock + 1, self.replica_id), None, value, False)
        if index == 0:
            self._place(node, 0, 0)
        else:
            b, k = self._locate(index - 1)
            node.origin = self._blocks[b].nodes[k].id
            self._place(node, b, k + 1)
        return node.id

    def delete(self, index: int) -> ElementId:
        """Tombstone the visible element at ``index``.

        Returns:
            The id of the deleted element.

        Raises:
            IndexError: ``index`` is out of range.
        """
        if not 0 <= index < self._visible:
            raise IndexError(f"delete index {index} out of range 0..{self._visible - 1}")
        b, k = self._locate(index)
        node = self._blocks[b].nodes[k]
        self._tombstone(node, b, k)
        return node.id

    # -- operations by id ---------------------------------------------------------------------

    def insert_after(self, ref_id: ElementId | None, value: T, elem_id: ElementId | None = None) -> ElementId:
        """Insert ``value`` right after the element ``ref_id`` (``None``: the head), RGA-ordered.

        Without ``elem_id`` this is a local edit and gets a fresh id. With it, it applies another
        replica's insertion; applying the same insertion twice changes nothing.

        Args:
            ref_id: The element the new one follows, or ``None`` for the start.
            value: The element's value.
            elem_id: The id the element was created with, for a remote operation.

        Returns:
            The element's id.

        Raises:
            KeyError: ``ref_id`` is not in this replica.
            ValueError: ``elem_id`` does not exceed ``ref_id``'s counter, or is already used
                with another origin.
        """
        ref = None if ref_id is None else self._node(ref_id)
        if elem_id is None:
            elem_id = ElementId(self._clock + 1, self.replica_id)
        else:
            existing = self._by_id.get(elem_id)
            if existing is not None:
                if existing.origin != ref_id:
                    raise ValueError(f"element {elem_id} already exists after {existing.origin}")
                return elem_id
            if ref_id is not None and elem_id.counter <= ref_id.counter:
                raise ValueError(f"element {elem_id} must have a greater counter than its origin {ref_id}")
        node = _Node(elem_id, ref_id, value, False)
        if ref is None:
            self._place(node, 0, 0)
        else:
            self._place(node, self._blocks.index(ref.block), ref.block.nodes.index(ref) + 1)
        return elem_id

    def delete_id(self, elem_id: ElementId) -> None:
        """Tombstone the element ``elem_id``; deleting it again changes nothing.

        Raises:
            KeyError: ``elem_id`` is not in this replica.
        """
        node = self._node(elem_id)
        if not node.deleted:
            self._tombstone(node, self._blocks.index(node.block), node.block.nodes.index(node))

    def id_at(self, index: int) -> ElementId:
        """The id of the visible element at ``index``.

        Raises:
            IndexError: ``index`` is out of range.
        """
        if not 0 <= index < self._visible:
            raise IndexError(f"index {index} out of range 0..{self._visible - 1}")
        b, k = self._locate(index)
        return self._blocks[b].nodes[k].id

    def index_of(self, elem_id: ElementId) -> int:
        """How many visible elements precede ``elem_id``: its index, or where a tombstone stood.

        Raises:
            KeyError: ``elem_id`` is not in this replica.
        """
        node = self._node(elem_id)
        b = self._blocks.index(node.block)
        before = sum(block.visible for block in self._blocks[:b])
        for other in node.block.nodes:
            if other is node:
                break
            before += not other.deleted
        return before

    # -- whole states -------------------------------------------------------------------------

    def join(self, other: RGA[T]) -> RGA[T]:
        """The least upper bound of two states: every element of either, deleted if either deleted it.

        Neither input changes; the result keeps this replica's id.

        Raises:
            ValueError: One id names elements with different origins (a replica id was shared).
        """
        merged: dict[ElementId, tuple[ElementId | None, T, bool]] = {
            node.id: (node.origin, node.value, node.deleted) for node in self._nodes()
        }
        for node in other._nodes():
            mine = merged.get(node.id)
            if mine is None:
                merged[node.id] = (node.origin, node.value, node.deleted)
            elif mine[0] != node.origin:
                raise ValueError(f"element {node.id} has origin {mine[0]} here and {node.origin} there")
            elif node.deleted and not mine[2]:
                merged[node.id] = (mine[0], mine[1], True)
        return RGA._from_elements(self.replica_id, merged)

    def fork(self, replica_id: str) -> RGA[T]:
        """A new replica named ``replica_id`` holding a copy of this state."""
        return RGA._build(replica_id, ((n.id, n.origin, n.value, n.deleted) for n in self._nodes()))

    def to_sequence(self) -> list[T]:
        """The visible values, in order."""
        return [node.value for block in self._blocks for node in block.nodes if not node.deleted]

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready data (JSON-serialisable when the values are).

        Elements are listed in sequence order, tombstones included::

            {"replica": "a", "elements": [{"id": [1, "a"], "after": null, "value": "x", "deleted": false}]}
        """
        return {
            "replica": self.replica_id,
            "elements": [
                {
                    "id": [node.id.counter, node.id.replica],
                    "after": None if node.origin is None else [node.origin.counter, node.origin.replica],
                    "value": node.value,
                    "deleted": node.deleted,
                }
                for node in self._nodes()
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RGA[Any]:
        """Rebuild a replica from :meth:`to_dict` output; the listed order is recomputed, not trusted.

        Raises:
            ValueError: ``data`` is not a well-formed RGA state.
        """
        try:
            replica = data["replica"]
            elements: dict[ElementId, tuple[ElementId | None, Any, bool]] = {}
            for item in data["elements"]:
                elem_id = _parse_id(item["id"])
                origin = None if item["after"] is None else _parse_id(item["after"])
                deleted = item["deleted"]
                if elem_id in elements or not isinstance(deleted, bool):
                    raise ValueError(f"element {item['id']!r} is repeated or has a non-boolean 'deleted'")
                elements[elem_id] = (origin, item["value"], deleted)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an RGA state: missing or mistyped {exc}") from exc
        if not isinstance(replica, str):
            raise ValueError(f"replica id must be a string, not {replica!r}")
        return cls._from_elements(replica, elements)

    def __len__(self) -> int:
        return self._visible

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RGA):
            return NotImplemented
        return self._state() == other._state()

    def __repr__(self) -> str:
        return f"RGA({self.replica_id!r}, {self.to_sequence()!r})"

    # -- internals ----------------------------------------------------------------------------

    @classmethod
    def _from_elements(cls, replica_id: str, elements: Mapping[ElementId, tuple[ElementId | None, T, bool]]) -> RGA[T]:
        """Lay out a set of elements in RGA order: pre-order walk, newest sibling first."""
        children: dict[ElementId | None, list[ElementId]] = {}
        for elem_id, (origin, _, _) in elements.items():
            if origin is not None and elem_id.counter <= origin.counter:
                raise ValueError(f"element {elem_id} must have a greater counter than its origin {origin}")
            children.setdefault(origin, []).append(elem_id)
        order: list[ElementId] = []
        stack = sorted(children.get(None, ()))  # popped from the end: greatest id first
        while stack:
            elem_id = stack.pop()
            order.append(elem_id)
            stack.extend(sorted(children.get(elem_id, ())))
        if len(order) != len(elements):
            raise ValueError("some elements follow an element that is not in the state")
        return cls._build(replica_id, ((elem_id, *elements[elem_id]) for elem_id in order))

    @classmethod
    def _build(cls, replica_id: str, ordered: Iterable[_Entry[T]]) -> RGA[T]:
        """A replica holding ``ordered``, which must already be in RGA order."""
        rga: RGA[T] = cls(replica_id)
        nodes = [_Node(elem_id, origin, value, deleted) for elem_id, origin, value, deleted in ordered]
        if nodes:
            # Half-full blocks leave room to grow before the first split.
            rga._blocks = [_Block(nodes[i : i + _FILL]) for i in range(0, len(nodes), _FILL)]
        rga._by_id = {node.id: node for node in nodes}
        rga._visible = sum(block.visible for block in rga._blocks)
        rga._clock = max((node.id.counter for node in nodes), default=0)
        return rga

    def _nodes(self) -> Iterator[_Node[T]]:
        for block in self._blocks:
            yield from block.nodes

    def _state(self) -> list[_Entry[T]]:
        return [(node.id, node.origin, node.value, node.deleted) for node in self._nodes()]

    def _node(self, elem_id: ElementId) -> _Node[T]:
        try:
            return self._by_id[elem_id]
        except KeyError:
            raise KeyError(f"no element {elem_id} in replica {self.replica_id!r}") from None

    def _locate(self, index: int) -> tuple[int, int]:
        """Block and offset of visible element ``index`` (which must exist); the cursor moves there."""
        b, start, k, rank = self._cursor
        block = self._blocks[b]
        if not start <= index < start + block.visible:
            b, start = self._seek(index, b, start)
            block = self._blocks[b]
            k, rank = 0, start
        nodes = block.nodes
        if block.visible == len(nodes):
            k = index - start
        elif index >= rank:
            while nodes[k].deleted or rank < index:
                rank += not nodes[k].deleted
                k += 1
        else:
            while rank > index:
                k -= 1
                rank -= not nodes[k].deleted
        self._cursor = (b, start, k, index)
        return b, k

    def _seek(self, index: int, b: int, start: int) -> tuple[int, int]:
        """The block holding visible element ``index`` and its visible start, from block ``b``."""
        blocks = self._blocks
        if abs(index - start) > _NEAR:
            prefix = list(accumulate(map(_visible_count, blocks)))
            b = bisect_right(prefix, index)
            return b, prefix[b] - blocks[b].visible
        while index < start:
            b -= 1
            start -= blocks[b].visible
        while index >= start + blocks[b].visible:
            start += blocks[b].visible
            b += 1
        return b, start

    def _place(self, node: _Node[T], b: int, k: int) -> None:
        """Insert ``node`` at (block ``b``, offset ``k``), right after its origin, RGA-ordered."""
        blocks = self._blocks
        block = blocks[b]
        new_id = node.id
        # Elements after the origin with a greater id were inserted concurrently after it, or
        # descend from such an element: the new one goes after all of them.
        while True:
            nodes = block.nodes
            while k < len(nodes) and nodes[k].id > new_id:
                k += 1
            if k < len(nodes) or b + 1 == len(blocks) or blocks[b + 1].nodes[0].id < new_id:
                break
            b += 1
            block = blocks[b]
            k = 0
        nodes.insert(k, node)
        node.block = block
        block.visible += 1
        self._visible += 1
        self._by_id[new_id] = node
        if new_id.counter > self._clock:
            self._clock = new_id.counter
        cursor_b, cursor_start, cursor_k, cursor_rank = self._cursor
        if b < cursor_b:
            self._cursor = (cursor_b, cursor_start + 1, cursor_k, cursor_rank + 1)
        elif b == cursor_b and k <= cursor_k:
            self._cursor = (cursor_b, cursor_start, cursor_k + 1, cursor_rank + 1)
        if len(nodes) > _MAX_BLOCK:
            self._split(b)

    def _split(self, b: int) -> None:
        block = self._blocks[b]
        half = len(block.nodes) // 2
        tail = _Block(block.nodes[half:])
        del block.nodes[half:]
        block.visible -= tail.visible
        self._blocks.insert(b + 1, tail)
        cursor_b, cursor_start, cursor_k, cursor_rank = self._cursor
        if cursor_b > b:
            self._cursor = (cursor_b + 1, cursor_start, cursor_k, cursor_rank)
        elif cursor_b == b and cursor_k >= half:
            self._cursor = (b + 1, cursor_start + block.visible, cursor_k - half, cursor_rank)

    def _tombstone(self, node: _Node[T], b: int, k: int) -> None:
        node.deleted = True
        self._blocks[b].visible -= 1
        self._visible -= 1
        cursor_b, cursor_start, cursor_k, cursor_rank = self._cursor
        if b < cursor_b:
            self._cursor = (cursor_b, cursor_start - 1, cursor_k, cursor_rank - 1)
        elif b == cursor_b and k < cursor_k:
            self._cursor = (cursor_b, cursor_start, cursor_k, cursor_rank - 1)


def _parse_id(raw: Any) -> ElementId:
    """An :class:`ElementId` from its JSON form ``[counter, replica]``."""
    if (
        not isinstance(raw, list | tuple)
        or len(raw) != 2
        or not isinstance(raw[0], int)
        or isinstance(raw[0], bool)
        or not isinstance(raw[1], str)
    ):
        raise ValueError(f"an element id is [counter, replica], not {raw!r}")
    return ElementId(raw[0], raw[1])
