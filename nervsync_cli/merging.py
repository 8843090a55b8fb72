"""Merging three versions of one file (the git merge driver): structured, or line by line.

The structured merge parses base, ours and theirs, merges them field by field
(:mod:`.threeway`) and writes the result into OURS' layout. Conflicts that remain are written as
git conflict markers around the smallest differing region: the file is rendered once with our
choices and once with theirs, and only the lines that differ between those two renderings are
wrapped, so editors and ``git mergetool`` work. Input that cannot be parsed (a side that already
holds conflict markers) falls back to a line-based three-way merge like ``git merge-file``.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field

from .apply import apply_ops
from .errors import InputError
from .formats import Format
from .merge.text import merge_text
from .model import MISSING, Conflict, ConflictStrategy, DiffOptions, Op, OpKind
from .resolve import strategy_resolver
from .threeway import merge_trees


@dataclass
class FileMerge:
    """The merged text of a file, with what happened."""

    text: str
    conflicts: list[Conflict] = field(default_factory=list)
    fallback: str | None = None
    text_conflicts: int = 0

    @property
    def clean(self) -> bool:
        """No unresolved conflict (structured or textual)."""
        return not any(not c.resolved for c in self.conflicts) and not self.text_conflicts


def _theirs_ops(conflicts: list[Conflict]) -> list[Op]:
    ops = []
    for conflict in conflicts:
        if conflict.resolved:
            continue
        if conflict.target is MISSING:
            ops.append(Op(OpKind.REMOVE, conflict.path))
        elif conflict.source is MISSING:
            ops.append(Op(OpKind.ADD, conflict.path, value=conflict.target))
        else:
            ops.append(Op(OpKind.SET, conflict.path, value=conflict.target))
    return ops


def with_markers(ours: str, theirs: str, labels: tuple[str, str] = ("ours", "theirs")) -> str:
    """``ours`` with every region that differs from ``theirs`` wrapped in git conflict markers."""
    a, b = ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(a[i1:i2])
            continue
        out.append(f"<<<<<<< {labels[0]}\n")
        out.extend(_terminated(a[i1:i2]))
        out.append("=======\n")
        out.extend(_terminated(b[j1:j2]))
        out.append(f">>>>>>> {labels[1]}\n")
    return "".join(out)


def _terminated(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines


def merge_texts(fmt: Format, texts: tuple[str, str, str], names: tuple[str, str, str],
                options: DiffOptions | None = None,
                strategy: ConflictStrategy = ConflictStrategy.MERGE) -> FileMerge:
    """Merge base, ours and theirs (in that order) of one file in format ``fmt``."""
    try:
        base, ours, theirs = (fmt.load(text, name) for text, name in zip(texts, names))
    except InputError as exc:
        return _line_merge(texts, str(exc))
    resolver = strategy_resolver(strategy)
    result = merge_trees(base.data, ours.data, theirs.data, options, decide=lambda c: resolver([c]), names=names)
    multi = ours.multi_document
    merged_text = fmt.update(texts[1], result.merged, multi_document=multi)
    if not result.unresolved:
        return FileMerge(merged_text, result.conflicts)
    theirs_tree = apply_ops(copy.deepcopy(result.merged), _theirs_ops(result.conflicts))
    theirs_text = fmt.update(texts[1], theirs_tree, multi_document=multi)
    return FileMerge(with_markers(merged_text, theirs_text), result.conflicts)


def _line_merge(texts: tuple[str, str, str], why: str) -> FileMerge:
    result = merge_text(texts[0], texts[1], texts[2], granularity="line")
    return FileMerge(result.text, fallback=why, text_conflicts=len(result.conflicts))
