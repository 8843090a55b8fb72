"""Three-way merge of plain JSON lists (tags, args, steps: lists without identity keys), RGA-style.

The merge replays both sides' edits on one :class:`~nervsync_cli.merge.rga.RGA` and joins them,
so its semantics are RGA's:

* Each base element gets an identity (an RGA element) from its position in the base; each side is
  aligned with the base separately (:class:`difflib.SequenceMatcher` on canonical forms), which
  tells which base elements it kept, which it deleted, and what it inserted where.
* A deletion on either side removes the element (a tombstone): deletes win.
* An insertion, or the new content of a replaced run, follows the base element before it. Runs
  both sides inserted at the same place are both kept, whole. Each run is written as if by a
  replica named after its place and its content, so identical runs are one run, kept once, and
  different runs are ordered by comparing their content (greater first), never by which side is
  ours.
* A base element removed by both sides in different ways (deleted by one and replaced by the
  other, or replaced by different content) is a conflict. The RGA outcome (both replacements
  kept, the element gone) is still in ``items``; the conflict reports the base element(s) and
  what each side has in their place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from .rga import RGA, ElementId


@dataclass(frozen=True)
class SequenceConflict:
    """Base elements the two sides removed in different ways.

    Attributes:
        index: Where the conflict starts in the merged items.
        base_index: Where it starts in the base.
        base: The base elements in conflict.
        ours: What our side put in their place (empty if it deleted them).
        theirs: What their side put in their place (empty if it deleted them).
    """

    index: int
    base_index: int
    base: list[Any]
    ours: list[Any]
    theirs: list[Any]


@dataclass(frozen=True)
class SequenceMergeResult:
    """The outcome of :func:`merge_sequences`.

    Attributes:
        items: The merged list.
        conflicts: The conflicts, in base order.
    """

    items: list[Any]
    conflicts: list[SequenceConflict]

    @property
    def clean(self) -> bool:
        """Whether the merge has no conflict."""
        return not self.conflicts


@dataclass(frozen=True, eq=False)  # compared by identity: one side's edits are distinct
class _Edit:
    """One side's change of ``base[start:end]`` into ``items`` (a deletion when empty)."""

    start: int
    end: int
    items: Sequence[Any]
    author: str  # the virtual replica that inserts ``items``; "" for a pure deletion

    def element_ids(self, base_size: int) -> list[ElementId]:
        """The RGA ids of ``items``, one chain after the other.

        Their counters exceed every base element's, so the run goes before the base element
        that follows its place, tombstone or not.
        """
        return [ElementId(base_size + 1 + offset, self.author) for offset in range(len(self.items))]


def merge_sequences(base: Sequence[Any], ours: Sequence[Any], theirs: Sequence[Any]) -> SequenceMergeResult:
    """Merge the edits ``ours`` and ``theirs`` each made to the list ``base``.

    Args:
        base: The common ancestor.
        ours: Our version.
        theirs: Their version.

    Returns:
        The merged list and the conflicts. Swapping ``ours`` and ``theirs`` gives the same items
        and mirrored conflicts.

    Example:
        >>> merge_sequences(["a", "b"], ["a", "b", "x"], ["z", "a", "b", "y"]).items
        ['z', 'a', 'b', 'y', 'x']
    """
    keys = [_canonical(item) for item in base]
    root: RGA[Any] = RGA("base")
    base_ids = [root.insert(index, item) for index, item in enumerate(base)]
    sides = [_edits(keys, side) for side in (ours, theirs)]
    replicas = [_replay(root, base_ids, edits) for edits in sides]
    merged = replicas[0].join(replicas[1])
    return SequenceMergeResult(merged.to_sequence(), _conflicts(merged, base, base_ids, *sides))


def _edits(base_keys: list[str], side: Sequence[Any]) -> list[_Edit]:
    """The changes that turn the base into ``side``, from aligning canonical forms."""
    keys = [_canonical(item) for item in side]
    matcher = SequenceMatcher(None, base_keys, keys, autojunk=False)
    return [
        _Edit(i1, i2, side[j1:j2], json.dumps([i1, keys[j1:j2]]) if j2 > j1 else "")
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _replay(root: RGA[Any], base_ids: list[ElementId], edits: list[_Edit]) -> RGA[Any]:
    """``root`` with one side's edits applied as RGA operations."""
    replica = root.fork("side")  # every insertion below names its own id
    for edit in edits:
        for base_id in base_ids[edit.start : edit.end]:
            replica.delete_id(base_id)
        ref = base_ids[edit.start - 1] if edit.start else None
        for elem_id, item in zip(edit.element_ids(len(base_ids)), edit.items):
            ref = replica.insert_after(ref, item, elem_id)
    return replica


def _conflicts(
    merged: RGA[Any], base: Sequence[Any], base_ids: list[ElementId], ours: list[_Edit], theirs: list[_Edit]
) -> list[SequenceConflict]:
    """Runs of base elements that both sides removed, differently."""
    ours_by_index, theirs_by_index = _removals(ours), _removals(theirs)
    clashing = sorted(
        index
        for index, edit in ours_by_index.items()
        if index in theirs_by_index and theirs_by_index[index].author != edit.author
    )
    runs: list[list[int]] = []
    for index in clashing:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    conflicts = []
    for run in runs:
        ours_edits = _distinct(ours_by_index[index] for index in run)
        theirs_edits = _distinct(theirs_by_index[index] for index in run)
        involved = [base_ids[index] for index in run] + [
            elem_id for edit in ours_edits + theirs_edits for elem_id in edit.element_ids(len(base_ids))
        ]
        conflicts.append(
            SequenceConflict(
                index=min(merged.index_of(elem_id) for elem_id in involved),
                base_index=run[0],
                base=list(base[run[0] : run[-1] + 1]),
                ours=[item for edit in ours_edits for item in edit.items],
                theirs=[item for edit in theirs_edits for item in edit.items],
            )
        )
    return conflicts


def _removals(edits: list[_Edit]) -> dict[int, _Edit]:
    """The edit that removed each removed base index."""
    return {index: edit for edit in edits for index in range(edit.start, edit.end)}


def _distinct(edits: Iterable[_Edit]) -> list[_Edit]:
    """``edits`` without repeats, first occurrence kept."""
    return list(dict.fromkeys(edits))


def _canonical(value: Any) -> str:
    """A text form equal for equal JSON-like values and different for different ones.

    Unlike ``json.dumps(sort_keys=True)`` it keeps ``1``, ``1.0`` and ``True`` apart, and it
    takes non-string keys and non-finite floats.
    """
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        tagged: list[Any] = ["map", sorted([_canonical(key), _canonical(item)] for key, item in value.items())]
    elif isinstance(value, list):
        tagged = ["list", [_canonical(item) for item in value]]
    else:
        tagged = [type(value).__name__, repr(value)]
    return json.dumps(tagged, ensure_ascii=False, separators=(",", ":"))
