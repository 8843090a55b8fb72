"""The one path syntax nervsync uses everywhere: output, ``--path``, ``--ignore`` and ``--key``.

A path names a place in a document by field names and list-item identities, never by a position
that would shift when an item is inserted::

    spec.containers[name=web].image
    records[id=42].location.city
    metadata.annotations["app.kubernetes.io/name"]
    [kind=Deployment,metadata.name=web].spec.replicas     (a document of a multi-document YAML file)
    args[2]                                                (an item of a list without identity)

Patterns (``--ignore``, ``--path``, the list part of ``--key PATH=FIELD``) may also use ``*`` for any
one segment (``[*]`` for any list item, ``*`` inside a field name as a glob) and ``**`` for any
number of segments.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import UsageError


@dataclass(frozen=True, slots=True)
class Field:
    """A mapping key."""

    name: str


@dataclass(frozen=True, slots=True)
class Index:
    """A position in a list whose items have no identity."""

    index: int


@dataclass(frozen=True, slots=True)
class Match:
    """A list item identified by the values of its key fields (``[name=web]``, ``[a=1,b=x]``)."""

    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class AnySegment:
    """Pattern only: ``*`` or ``[*]``, exactly one segment."""


@dataclass(frozen=True, slots=True)
class AnyDepth:
    """Pattern only: ``**``, zero or more segments."""


Segment = Field | Index | Match
PatternSegment = Field | Index | Match | AnySegment | AnyDepth
Path = tuple[Segment, ...]
Pattern = tuple[PatternSegment, ...]

_BARE_FIELD = re.compile(r"[A-Za-z_$][\w$-]*\Z")
_BARE_VALUE = re.compile(r"[^\s\[\]=,\"'*]+\Z")


def key_text(value: object) -> str:
    """The text form of an identity value, so ``42`` in JSON and ``"42"`` in CSV name one item."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _format_value(text: str) -> str:
    return text if text and _BARE_VALUE.match(text) else json.dumps(text, ensure_ascii=False)


def format_segment(segment: PatternSegment, first: bool = False) -> str:
    """Render one segment; ``first`` drops the leading dot of a field."""
    if isinstance(segment, Field):
        # A name with ``*`` is quoted (``["*"]``) so a concrete key named ``*`` reads back as that key;
        # a quoted glob still matches as a glob, so patterns survive the round trip too.
        if _BARE_FIELD.match(segment.name):
            return segment.name if first else "." + segment.name
        return "[" + json.dumps(segment.name, ensure_ascii=False) + "]"
    if isinstance(segment, Index):
        return f"[{segment.index}]"
    if isinstance(segment, Match):
        return "[" + ",".join(f"{name}={_format_value(value)}" for name, value in segment.fields) + "]"
    if isinstance(segment, AnySegment):
        return "*" if first else ".*"
    return "**" if first else ".**"


def format_path(path: Sequence[PatternSegment]) -> str:
    """Render a path or pattern in nervsync's syntax; the empty path is ``.``."""
    if not path:
        return "."
    return "".join(format_segment(seg, first=i == 0) for i, seg in enumerate(path))


class _Parser:
    """A hand-written scanner: the grammar is tiny, and errors must point at a column."""

    def __init__(self, text: str, allow_patterns: bool) -> None:
        self.text = text
        self.pos = 0
        self.allow_patterns = allow_patterns

    def fail(self, why: str) -> UsageError:
        return UsageError(f"bad path {self.text!r} at column {self.pos + 1}: {why}")

    def parse(self) -> Pattern:
        segments: list[PatternSegment] = []
        text = self.text.strip()
        self.text = text
        if text in ("", "."):
            return ()
        while self.pos < len(text):
            char = text[self.pos]
            if char == "[":
                segments.append(self.bracket())
            elif char == "." and segments:
                self.pos += 1
                segments.append(self.bare())
            elif not segments:
                segments.append(self.bare())
            else:
                raise self.fail("expected '.' or '['")
        return tuple(segments)

    def bare(self) -> PatternSegment:
        match = re.compile(r"[^.\[\]]+").match(self.text, self.pos)
        if not match:
            raise self.fail("expected a field name")
        self.pos = match.end()
        name = match.group()
        if name == "**":
            return self.pattern_only(AnyDepth())
        if name == "*":
            return self.pattern_only(AnySegment())
        if "*" in name or "?" in name:
            self.pattern_only(None)
        return Field(name)

    def pattern_only(self, segment: PatternSegment | None) -> PatternSegment:
        if not self.allow_patterns:
            raise self.fail("wildcards are allowed only in patterns")
        return segment if segment is not None else AnySegment()

    def bracket(self) -> PatternSegment:
        self.pos += 1
        text = self.text
        if text.startswith('"', self.pos):
            name = self.quoted()
            self.expect("]")
            return Field(name)
        if text.startswith("*]", self.pos):
            self.pos += 2
            return self.pattern_only(AnySegment())
        index = re.compile(r"-?\d+\]").match(text, self.pos)
        if index:
            self.pos = index.end()
            return Index(int(index.group()[:-1]))
        return self.match_fields()

    def match_fields(self) -> Match:
        fields: list[tuple[str, str]] = []
        while True:
            name_match = re.compile(r"[^=\],\[]+").match(self.text, self.pos)
            if not name_match:
                raise self.fail("expected a key field name")
            self.pos = name_match.end()
            self.expect("=")
            fields.append((name_match.group().strip(), self.value()))
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return Match(tuple(fields))
            self.expect(",")

    def value(self) -> str:
        if self.text.startswith('"', self.pos):
            return self.quoted()
        match = re.compile(r"[^,\]]*").match(self.text, self.pos)
        assert match is not None  # the pattern matches the empty string
        self.pos = match.end()
        return match.group().strip()

    def quoted(self) -> str:
        try:
            value, end = json.JSONDecoder().raw_decode(self.text, self.pos)
        except json.JSONDecodeError:
            raise self.fail("unterminated or malformed quoted string") from None
        self.pos = end
        return str(value)

    def expect(self, char: str) -> None:
        if not self.text.startswith(char, self.pos):
            raise self.fail(f"expected {char!r}")
        self.pos += 1


def parse_pattern(text: str) -> Pattern:
    """Parse a path pattern (wildcards allowed).

    Raises:
        UsageError: the text is not a valid pattern; the message gives the column.
    """
    return _Parser(text, allow_patterns=True).parse()


def parse_path(text: str) -> Path:
    """Parse a concrete path (no wildcards).

    Raises:
        UsageError: the text is not a valid path.
    """
    pattern = _Parser(text, allow_patterns=False).parse()
    return tuple(seg for seg in pattern if isinstance(seg, (Field, Index, Match)))


def _segment_matches(pattern: PatternSegment, segment: Segment) -> bool:
    if isinstance(pattern, AnySegment):
        return True
    if isinstance(pattern, Field):
        if not isinstance(segment, Field):
            return False
        return pattern.name == segment.name or (
            ("*" in pattern.name or "?" in pattern.name) and fnmatch.fnmatchcase(segment.name, pattern.name)
        )
    if isinstance(pattern, Match):
        return isinstance(segment, Match) and all(
            any(name == p_name and (value == p_value or fnmatch.fnmatchcase(value, p_value))
                for name, value in segment.fields)
            for p_name, p_value in pattern.fields
        )
    return pattern == segment


def matches(pattern: Pattern, path: Sequence[Segment], prefix: bool = False) -> bool:
    """True when ``path`` matches ``pattern`` whole, or (``prefix=True``) starts with a match."""
    if not pattern:
        return prefix or not path
    head = pattern[0]
    if isinstance(head, AnyDepth):
        return any(matches(pattern[1:], path[i:], prefix) for i in range(len(path) + 1))
    if not path or not _segment_matches(head, path[0]):
        return False
    return matches(pattern[1:], path[1:], prefix)


def record_of(path: Path) -> Path:
    """The record a change belongs to: the path up to its first list item, else its first segment.

    Summaries count records, so a changed tag inside ``records[id=7].tags[2]`` counts as one changed
    record ``records[id=7]``, not as an added record.
    """
    for i, segment in enumerate(path):
        if isinstance(segment, (Match, Index)):
            return path[: i + 1]
    return path[:1]
