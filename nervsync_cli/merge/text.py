"""Three-way merge of text, in the manner of diff3 and ``git merge-file``.

Each side is aligned with the base separately (:class:`difflib.SequenceMatcher`, no junk
heuristic), giving each side's changes as hunks of base tokens. Hunks of the two sides that
overlap or touch in the base form one region, as in diff3 and git: a region changed by one side
only takes that side, a region both sides changed alike takes the change once, anything else is a
conflict. Regions that neither side changed are copied.

Granularity: ``"line"`` merges lines; a line conflict is then retried word by word and resolved
if that merge is clean, so edits to different words of adjacent (or the same) lines combine,
while edits to the same words still conflict. ``"word"`` merges words, whitespace runs and
punctuation throughout. ``"auto"`` picks ``"word"`` when all three texts are single lines.

Conflicts are written as ``git merge-file`` writes them: ``<<<<<<< ours``, ``=======``,
``>>>>>>> theirs`` (and ``||||||| base`` in ``"diff3"`` style) on their own lines, the sides
trimmed of lines they share at either end in ``"merge"`` style. A word conflict is shown as the
whole lines that contain it, with the clean edits on those lines applied in every section.
The merge is symmetric: swapping ours and theirs mirrors conflicts and changes no clean result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal, NamedTuple

Granularity = Literal["auto", "line", "word"]
MarkerStyle = Literal["merge", "diff3"]

_WORD = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class TextConflict:
    """One conflicting region, as small as the merge could make it.

    Attributes:
        base: The region's text in the base.
        ours: The region's text on our side.
        theirs: The region's text on their side.
        line: The 1-based line of the region's ``<<<<<<<`` marker in the merged text.
    """

    base: str
    ours: str
    theirs: str
    line: int


@dataclass(frozen=True)
class TextMergeResult:
    """The outcome of :func:`merge_text`.

    Attributes:
        text: The merged text, with conflict markers where it is not clean.
        conflicts: The conflicting regions, in text order.
    """

    text: str
    conflicts: list[TextConflict]

    @property
    def clean(self) -> bool:
        """Whether the merge has no conflict."""
        return not self.conflicts


def merge_text(
    base: str,
    ours: str,
    theirs: str,
    *,
    granularity: Granularity = "auto",
    labels: tuple[str, str, str] = ("ours", "base", "theirs"),
    style: MarkerStyle = "merge",
    marker_size: int = 7,
) -> TextMergeResult:
    """Merge the changes ``ours`` and ``theirs`` each made to ``base``.

    Args:
        base: The common ancestor.
        ours: Our version.
        theirs: Their version.
        granularity: ``"line"``, ``"word"`` or ``"auto"`` (``"word"`` for single-line texts).
        labels: Names written after the ours, base and theirs markers (empty: no name).
        style: ``"merge"`` (git's default) or ``"diff3"``, which also shows the base.
        marker_size: Length of the marker runs, 7 as in git.

    Returns:
        The merged text and its conflicts.

    Raises:
        ValueError: An option has an unknown value.

    Example:
        >>> merge_text("the quick brown fox", "the slow brown fox", "the quick brown dog").text
        'the slow brown dog'
    """
    if granularity not in ("auto", "line", "word"):
        raise ValueError(f"granularity must be 'auto', 'line' or 'word', not {granularity!r}")
    if style not in ("merge", "diff3"):
        raise ValueError(f"style must be 'merge' or 'diff3', not {style!r}")
    if marker_size < 1:
        raise ValueError(f"marker_size must be at least 1, not {marker_size}")
    if granularity == "auto":
        granularity = "word" if all(_is_single_line(text) for text in (base, ours, theirs)) else "line"
    if granularity == "word":
        segments = _merge_tokens(_words(base), _words(ours), _words(theirs))
    else:
        segments = _merge_lines(base, ours, theirs, trim=style == "merge")
    renderer = _Renderer(labels, style, marker_size)
    for segment in segments:
        renderer.add(segment)
    return renderer.result()


# -- alignment and regions --------------------------------------------------------------------


class _Clash(NamedTuple):
    """An unresolved region, as text."""

    base: str
    ours: str
    theirs: str


_Segment = str | _Clash


@dataclass(frozen=True)
class _Region:
    """Aligned stretches of the three token lists."""

    base: Sequence[str]
    ours: Sequence[str]
    theirs: Sequence[str]

    def resolved(self) -> Sequence[str] | None:
        """The merged tokens, or ``None`` when the two sides changed the region differently."""
        if self.ours == self.theirs or self.theirs == self.base:
            return self.ours
        if self.ours == self.base:
            return self.theirs
        return None

    def clash(self) -> _Clash:
        return _Clash("".join(self.base), "".join(self.ours), "".join(self.theirs))


def _hunks(base: Sequence[str], side: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """The changes from ``base`` to ``side``, as ``(base_start, base_end, side_start, side_end)``."""
    matcher = SequenceMatcher(None, base, side, autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _regions(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> Iterator[_Region]:
    """Split the three token lists into alternating unchanged and changed regions."""
    hunks = sorted([(*hunk, 0) for hunk in _hunks(base, ours)] + [(*hunk, 1) for hunk in _hunks(base, theirs)])
    done_base = done_ours = done_theirs = 0
    i = 0
    while i < len(hunks):
        start, end = hunks[i][0], hunks[i][1]
        growth = [0, 0]  # tokens each side's hunks in this region add (or remove, if negative)
        # Hunks that overlap or merely touch in the base share a region, so that, as in diff3 and
        # git, changes to adjacent lines by the two sides conflict (one side's hunks never touch).
        while i < len(hunks) and hunks[i][0] <= end:
            base_start, base_end, side_start, side_end, side = hunks[i]
            end = max(end, base_end)
            growth[side] += (side_end - side_start) - (base_end - base_start)
            i += 1
        ours_start = done_ours + start - done_base
        theirs_start = done_theirs + start - done_base
        if start > done_base:
            yield _Region(base[done_base:start], ours[done_ours:ours_start], theirs[done_theirs:theirs_start])
        done_ours = ours_start + end - start + growth[0]
        done_theirs = theirs_start + end - start + growth[1]
        yield _Region(base[start:end], ours[ours_start:done_ours], theirs[theirs_start:done_theirs])
        done_base = end
    if done_base < len(base):
        yield _Region(base[done_base:], ours[done_ours:], theirs[done_theirs:])


def _merge_tokens(base: Sequence[str], ours: Sequence[str], theirs: Sequence[str]) -> list[_Segment]:
    segments: list[_Segment] = []
    for region in _regions(base, ours, theirs):
        merged = region.resolved()
        segments.append(region.clash() if merged is None else "".join(merged))
    return segments


def _merge_lines(base: str, ours: str, theirs: str, *, trim: bool) -> list[_Segment]:
    segments: list[_Segment] = []
    for region in _regions(_lines(base), _lines(ours), _lines(theirs)):
        merged = region.resolved()
        if merged is not None:
            segments.append("".join(merged))
            continue
        clash = region.clash()
        by_word = _merge_words_cleanly(clash)
        if by_word is not None:
            segments.append(by_word)
        elif trim:
            segments += _trimmed(region)
        else:
            segments.append(clash)
    return segments


def _merge_words_cleanly(clash: _Clash) -> str | None:
    """The word-by-word merge of a line conflict, or ``None`` if words conflict too."""
    merged: list[str] = []
    for region in _regions(_words(clash.base), _words(clash.ours), _words(clash.theirs)):
        tokens = region.resolved()
        if tokens is None:
            return None
        merged += tokens
    return "".join(merged)


def _trimmed(region: _Region) -> list[_Segment]:
    """A line conflict without the lines both sides share at its start and end.

    A shared line is taken out of the base too where the base has it at the same end.
    """
    ours, theirs, base = region.ours, region.theirs, region.base
    head = _common_prefix(ours, theirs)
    tail = _common_prefix(ours[head:][::-1], theirs[head:][::-1])
    base_head = _common_prefix(base, ours[:head])
    base_tail = _common_prefix(base[base_head:][::-1], ours[len(ours) - tail :][::-1])
    middle = _Region(
        base[base_head : len(base) - base_tail], ours[head : len(ours) - tail], theirs[head : len(theirs) - tail]
    )
    segments: list[_Segment] = ["".join(ours[:head]), middle.clash(), "".join(ours[len(ours) - tail :])]
    return [segment for segment in segments if segment]


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    count = 0
    for x, y in zip(a, b):
        if x != y:
            break
        count += 1
    return count


def _lines(text: str) -> list[str]:
    """Lines with their ``\\n`` kept; only ``\\n`` ends a line, as in git."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _words(text: str) -> list[str]:
    """Words, whitespace runs and single punctuation characters."""
    return _WORD.findall(text)


def _is_single_line(text: str) -> bool:
    return "\n" not in text[:-1]


# -- output -----------------------------------------------------------------------------------


class _Renderer:
    """Lays merged segments out as text, wrapping each run of conflicted lines in markers."""

    def __init__(self, labels: tuple[str, str, str], style: MarkerStyle, marker_size: int) -> None:
        ours, base, theirs = labels
        self._start = _marker("<", marker_size, ours)
        self._base = _marker("|", marker_size, base) if style == "diff3" else None
        self._middle = _marker("=", marker_size, "")
        self._end = _marker(">", marker_size, theirs)
        self._out: list[str] = []
        self._line = 1  # the line the next output starts on
        # The current line's clean beginning, held back in case a conflict joins that line.
        self._head = ""
        self._open: tuple[str, str, str] | None = None  # ours, base, theirs of the conflicted lines
        self._clashes: list[_Clash] = []
        self._conflicts: list[TextConflict] = []

    def add(self, segment: _Segment) -> None:
        if isinstance(segment, _Clash):
            self._add_clash(segment)
        elif self._open is None:
            done, newline, self._head = (self._head + segment).rpartition("\n")
            self._emit(done + newline)
        else:
            # Clean text after a conflict on the same line belongs to the conflicted lines.
            rest, newline, after = segment.partition("\n")
            ours, base, theirs = self._open
            self._open = (ours + rest + newline, base + rest + newline, theirs + rest + newline)
            if newline:
                self._close(self._open)
                self.add(after)

    def result(self) -> TextMergeResult:
        if self._open is not None:
            self._close(self._open)
        self._emit(self._head)
        return TextMergeResult("".join(self._out), self._conflicts)

    def _add_clash(self, clash: _Clash) -> None:
        ours, base, theirs = self._open or (self._head, self._head, self._head)
        self._head = ""
        self._open = (ours + clash.ours, base + clash.base, theirs + clash.theirs)
        self._clashes.append(clash)
        if all(not text or text.endswith("\n") for text in self._open):
            self._close(self._open)

    def _close(self, lines: tuple[str, str, str]) -> None:
        ours, base, theirs = lines
        sections = [self._start, _with_newline(ours)]
        if self._base is not None:
            sections += [self._base, _with_newline(base)]
        sections += [self._middle, _with_newline(theirs), self._end]
        line = self._line
        self._emit("".join(sections))
        self._conflicts += [TextConflict(clash.base, clash.ours, clash.theirs, line) for clash in self._clashes]
        self._open = None
        self._clashes = []

    def _emit(self, text: str) -> None:
        self._out.append(text)
        self._line += text.count("\n")


def _marker(char: str, size: int, label: str) -> str:
    return char * size + (f" {label}" if label else "") + "\n"


def _with_newline(text: str) -> str:
    """``text`` ending in a newline, as git ends a conflict side whose last line has none."""
    return text + "\n" if text and not text.endswith("\n") else text
