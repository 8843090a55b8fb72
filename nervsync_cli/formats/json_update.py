"""Format-preserving JSON rewrite: splice a new tree into the original text.

:func:`update_json` walks the original text with the standard library's C scanner, compares each
value with its counterpart in the new tree and copies every unchanged span verbatim; only changed
values are rendered, in the style detected from the file (indent unit, separators, line ending,
``\\uXXXX`` escaping). Containers much longer than a record are walked member by member without a
whole-value parse first, so a large file costs about one parse plus the splicing.

Given the tree the original text was parsed into (``old``), the walk compares new values with the
old ones instead of parsing them, and a value that is the very same object as before is copied
without being compared. Where the file is written as orjson writes JSON with two-space indentation
(as ``json.dumps(indent=2)`` and most tools do), the extent of an old value is found by rendering
it and checking that the text holds exactly that, which is several times faster than parsing it;
where the whole file is exactly orjson's rendering of ``old`` (one re-serialisation proves it), the
layout of every value is known and its extent is found by a search for its closing line.

:func:`update_json_bytes` does the same on the file's UTF-8 bytes, seen as Latin-1 text: each byte
is one character, so decoding 100 MB costs a copy instead of a UTF-8 conversion, the output is
joined from views of the bytes themselves, and only the keys and values it renders are converted.

The list alignment helpers (:func:`align_items` and friends) are shared with the YAML and CSV
rewriters.
"""

from __future__ import annotations

import bisect
import codecs
import difflib
import gc
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import Any, cast

import orjson

from ..lis import longest_increasing

__all__ = [
    "IDENTITY_FIELDS",
    "align_by_content",
    "align_by_key",
    "align_items",
    "canonical",
    "same_value",
    "update_json",
    "update_json_bytes",
]

IDENTITY_FIELDS = ("id", "key", "name", "uuid")
"""Fields that identify a mapping inside a list, in order of preference."""

# Containers at least this long are walked member by member straight away: parsing one whole
# first (to compare it) would double the cost of the large record lists that matter for speed.
_LAZY_MIN = 256
# Above this many cell comparisons SequenceMatcher can turn quadratic; anchor on unique items first.
_MATCHER_MAX_WORK = 4_000_000

_UNKNOWN: Any = object()
"""The old value at a place in the text is not known (it would have to be parsed)."""

_WS = re.compile(r"[ \t\n\r]*")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[:,\[\]{}]')
_NON_ASCII_ESCAPE = re.compile(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# How update_json_bytes sees bytes as text: one character per byte, both ways a plain copy.
_BYTES_AS_TEXT = "latin-1"
_DECODER: Any = json.JSONDecoder()
_scan: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(_DECODER)
# typeshed does not declare json.decoder.scanstring, the C string scanner the decoder uses.
_scanstring: Callable[[str, int], tuple[str, int]] = getattr(json.decoder, "scanstring")  # noqa: B009


# --- value comparison and list alignment (shared by the YAML and CSV rewriters) ---------------------


def canonical(value: Any) -> bytes:
    """Bytes that are equal exactly for equal JSON values.

    Key order is ignored; ``1``, ``1.0`` and ``true`` stay distinct (plain ``==`` would merge them).
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits, or keys that are not strings
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr).encode()


def same_value(old: Any, new: Any) -> bool:
    """Whether two JSON-like values are equal, with types compared strictly."""
    # ``==`` runs in C and rejects almost every difference; canonical() then catches 1 == True == 1.0.
    return bool(old == new) and canonical(old) == canonical(new)


def _field_keys(items: Sequence[Any], field: str) -> list[Any] | None:
    """Each item's ``field`` as a key equal exactly for equal values of the same type: ``(type,
    value)``, or the value itself where all are strings (see :func:`_comparable`); ``None`` if some
    item has no scalar there."""
    if not set(map(type, items)) - {dict}:
        # Plain mappings (the common case): C-level passes over the list, no bytecode per item.
        values = list(map(dict.get, items, repeat(field), repeat(_ABSENT)))
        types = list(map(type, values))
        kinds = set(types)
        if kinds == {str}:
            return values
        if not kinds - {str, int, float, bool}:
            return list(zip(types, values))
    keys: list[tuple[type, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            return None
        value = item.get(field, _ABSENT)
        if not isinstance(value, (str, int, float)):
            return None
        keys.append((type(value), value))
    return keys


_ABSENT = object()


def _comparable(old: list[Any], new: list[Any]) -> tuple[list[Any], list[Any]]:
    """Two non-empty lists of :func:`_field_keys` in one form: plain strings only if both are."""
    # Plain strings hash faster than tuples; a side of mixed types needs the other tagged too.
    old_plain, new_plain = type(old[0]) is str, type(new[0]) is str
    if old_plain == new_plain:
        return old, new
    return (_tagged(old) if old_plain else old), (_tagged(new) if new_plain else new)


def _tagged(strings: list[str]) -> list[tuple[type, Any]]:
    return list(zip(repeat(str), strings))


def align_by_key(old_keys: Sequence[Hashable], new_keys: Sequence[Hashable]) -> list[int | None] | None:
    """For each new key, the index of the same key among the old ones; ``None`` if keys repeat.

    A new item whose key is new, standing where an old item whose key is gone stood (between the
    same matched neighbours), continues that item: a renamed key then changes one line, not all.
    """
    index = dict(zip(old_keys, range(len(old_keys))))
    if len(index) != len(old_keys) or len(set(new_keys)) != len(new_keys):
        return None
    return _pair_leftovers(list(map(index.get, new_keys)), len(old_keys))


def _pair_leftovers(match: list[int | None], old_count: int) -> list[int | None]:
    free = sorted(set(range(old_count)).difference(match))
    if not free:
        return match
    result = list(match)
    k = 0
    while k < len(match):
        try:
            k = match.index(None, k)  # the next run of unmatched new items, found at C speed
        except ValueError:
            break
        before = match[k - 1] if k else None  # (matched: the run starts at k)
        previous = -1 if before is None else before
        gap_end = k
        while gap_end < len(match) and match[gap_end] is None:
            gap_end += 1
        following = old_count if gap_end == len(match) else match[gap_end]
        if following is not None and following > previous:
            first = bisect.bisect_right(free, previous)
            candidates = free[first : first + gap_end - k]
            for offset, old in enumerate(i for i in candidates if i < following):
                result[k + offset] = old
        k = gap_end
    return result


def align_by_content(old: Sequence[Hashable], new: Sequence[Hashable]) -> list[int | None]:
    """For each new item, the old item it continues (equal, or changed in place), else ``None``.

    ``old`` and ``new`` hold canonical forms. Equal items are matched as a longest-common-subsequence
    would; inside a run of differing items, old and new are paired in order (changed in place).
    """
    match: list[int | None] = [None] * len(new)
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        match[prefix] = prefix
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        match[len(new) - 1 - suffix] = len(old) - 1 - suffix
        suffix += 1
    ids: dict[Hashable, int] = {}
    old_ids = [ids.setdefault(item, len(ids)) for item in old[prefix : len(old) - suffix]]
    new_ids = [ids.setdefault(item, len(ids)) for item in new[prefix : len(new) - suffix]]
    for i, j in _match_ids(old_ids, new_ids):
        match[prefix + j] = prefix + i
    return match


def _match_ids(old: list[int], new: list[int]) -> list[tuple[int, int]]:
    """Matched (old, new) index pairs of two id lists."""
    if len(old) * len(new) <= _MATCHER_MAX_WORK:
        return _match_small(old, new)
    pairs: list[tuple[int, int]] = []
    prev_i = prev_j = 0
    for i, j in [*_unique_anchors(old, new), (len(old), len(new))]:
        for gi, gj in _match_gap(old[prev_i:i], new[prev_j:j]):
            pairs.append((prev_i + gi, prev_j + gj))
        if i < len(old):
            pairs.append((i, j))
        prev_i, prev_j = i + 1, j + 1
    return pairs


def _match_gap(old: list[int], new: list[int]) -> list[tuple[int, int]]:
    if len(old) * len(new) <= _MATCHER_MAX_WORK:
        return _match_small(old, new)
    # A huge gap without unique anchors (many duplicates): pair in order, which stays linear.
    return [(k, k) for k in range(min(len(old), len(new)))]


def _match_small(old: list[int], new: list[int]) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            pairs.extend((i1 + k, j1 + k) for k in range(min(i2 - i1, j2 - j1)))
    return pairs


def _unique_anchors(old: list[int], new: list[int]) -> list[tuple[int, int]]:
    """Items occurring once in each list, kept in an order both lists agree on (patience diff)."""
    counts: dict[int, int] = {}
    for item in old:
        counts[item] = counts.get(item, 0) + 1
    new_pos: dict[int, int] = {}
    for j, item in enumerate(new):
        if counts.get(item) == 1:
            new_pos[item] = -1 if item in new_pos else j
    candidates = [(i, new_pos[item]) for i, item in enumerate(old) if new_pos.get(item, -1) >= 0]
    # The anchors both lists keep in the same order: a longest increasing run of new positions.
    return [candidates[k] for k in longest_increasing([j for _, j in candidates])]


def align_items(old: Sequence[Any], new: Sequence[Any]) -> list[int | None]:
    """Align two lists of JSON-like values.

    Lists of mappings that all carry one of :data:`IDENTITY_FIELDS` (a scalar, unique per list) align
    by it; any other lists align by content (:func:`align_by_content`).
    """
    if old and new:
        for field in IDENTITY_FIELDS:
            old_keys = _field_keys(old, field)
            new_keys = _field_keys(new, field) if old_keys is not None else None
            if old_keys is None or new_keys is None:
                continue
            keyed = align_by_key(*_comparable(old_keys, new_keys))
            if keyed is not None:
                return keyed
    return align_by_content([canonical(item) for item in old], [canonical(item) for item in new])


# --- style detection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    newline: str
    unit: str | None  # indent unit; None for a one-line document
    item_sep: str  # between items of a one-line container, e.g. ", "
    key_sep: str  # between a key and its value, e.g. ": "
    ensure_ascii: bool

    def render(self, value: Any, indent: str | None) -> str:
        """``value`` as JSON, multi-line at ``indent`` or on one line when ``indent`` is None."""
        if indent is None or self.unit is None:
            return json.dumps(value, ensure_ascii=self.ensure_ascii, separators=(self.item_sep, self.key_sep))
        text = json.dumps(value, ensure_ascii=self.ensure_ascii, indent=self.unit, separators=(",", self.key_sep))
        return text.replace("\n", self.newline + indent)


def _detect_style(text: str) -> _Style:
    newline_at = text.find("\n")
    newline = "\r\n" if newline_at > 0 and text[newline_at - 1] == "\r" else "\n"
    unit: str | None = None
    key_sep = ": "
    item_sep: str | None = None
    seen_key_sep = False
    # Tokens from the start of the text, so a match never begins inside a string.
    for count, token in enumerate(_TOKEN.finditer(text)):
        char = token.group()
        end = token.end()
        if char == ":" and not seen_key_sep:
            key_sep = _around(text, token.start(), end)
            seen_key_sep = True
        elif char == "," and item_sep is None and not _starts_line_break(text, end):
            item_sep = "," + _spaces_after(text, end)
        elif char in "[{" and unit is None and _starts_line_break(text, end):
            unit = _indent_step(text, token.start(), end)
        if (seen_key_sep and item_sep is not None and unit is not None) or count > 5000:
            break
    if unit is None and "\n" in text.strip():
        unit = "  "
    ascii_only = text.isascii() or (text.startswith("\ufeff") and text[1:].isascii())
    ensure_ascii = ascii_only and _NON_ASCII_ESCAPE.search(text) is not None
    return _Style(newline, unit, item_sep if item_sep is not None else ", ", key_sep, ensure_ascii)


def _around(text: str, start: int, end: int) -> str:
    before = start
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    return text[before:start] + ":" + _spaces_after(text, end)


def _spaces_after(text: str, pos: int) -> str:
    end = pos
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[pos:end]


def _starts_line_break(text: str, pos: int) -> bool:
    rest = _spaces_after(text, pos)
    return text.startswith(("\n", "\r"), pos + len(rest))


def _indent_step(text: str, bracket: int, after: int) -> str | None:
    own = _line_indent(text, bracket)
    line_start = text.find("\n", after) + 1
    child = _spaces_after(text, line_start)
    if child.startswith(own) and len(child) > len(own):
        return child[len(own) :]
    return None


def _line_indent(text: str, pos: int) -> str:
    return _spaces_after(text, text.rfind("\n", 0, pos) + 1)


# --- splicing -------------------------------------------------------------------------------------


class _Splicer:
    """Builds the output from spans of the original (coalesced) and rendered pieces.

    ``raw``: the UTF-8 bytes ``text`` is a Latin-1 view of (see the module docstring); the spans
    are then views of them and the output is joined as bytes (:meth:`result_bytes`): no copy of a
    span, no encoding of the result. Without, ``text`` is real text and the output too (:meth:`result`).
    """

    def __init__(self, text: str, style: _Style, raw: bytes | None = None) -> None:
        self.text = text
        self.style = style
        # How ``text`` was decoded from the file's bytes (Latin-1: bytes seen as text).
        self.encoding = "utf-8" if raw is None else _BYTES_AS_TEXT
        self.raw = None if raw is None else memoryview(raw)
        self.pieces: list[str | bytes | memoryview] = []
        self.span_start = 0
        self.span_end = 0
        # Whether the file's style is the one orjson renders with OPT_INDENT_2 (see rendering()).
        self.orjson_style = style.unit == "  " and style.key_sep == ": " and not style.ensure_ascii
        # Whether the whole text is orjson's OPT_INDENT_2 rendering of the old tree (see skip()).
        self.canonical = False

    def span(self, start: int, end: int) -> None:
        if start == self.span_end:
            self.span_end = end
            return
        self._flush()
        self.span_start, self.span_end = start, end

    def literal(self, piece: str) -> None:
        """Append rendered text (never a slice of ``text``: those are spans)."""
        self._flush()
        self.pieces.append(self.own(piece) if self.raw is None else piece.encode("utf-8"))

    def own(self, piece: str) -> str:
        """``piece`` in the form of ``text`` (the identity for real text and for ASCII)."""
        if self.encoding == "utf-8" or piece.isascii():
            return piece
        return piece.encode("utf-8").decode(self.encoding)

    def key(self, pos: int) -> tuple[str, int]:
        """The object key whose opening quote is at ``pos``, and the position after its closing quote."""
        key, end = _scanstring(self.text, pos + 1)
        if self.encoding != "utf-8" and not key.isascii():
            # The scanner read the UTF-8 bytes of raw non-ASCII characters as Latin-1; read them again.
            key = _scanstring(self.text[pos:end].encode(self.encoding).decode("utf-8"), 1)[0]
        return key, end

    def result(self) -> str:
        """The output, of a splicer of real text."""
        self._flush()
        return "".join(cast("list[str]", self.pieces))

    def result_bytes(self) -> bytes:
        """The output, of a splicer of bytes (``raw``)."""
        self._flush()
        return b"".join(cast("list[bytes | memoryview]", self.pieces))

    def _flush(self) -> None:
        if self.span_end > self.span_start:
            source = self.text if self.raw is None else self.raw
            self.pieces.append(source[self.span_start : self.span_end])
        self.span_start = self.span_end = -1

    def ws(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def scan(self, pos: int) -> tuple[Any, int]:
        try:
            return _scan(self.text, pos)
        except StopIteration:
            raise json.JSONDecodeError("Expecting value", self.text, pos) from None

    def expect(self, pos: int, chars: str) -> str:
        char = self.text[pos : pos + 1]
        if not char or char not in chars:
            raise json.JSONDecodeError(f"Expecting one of {chars!r}", self.text, pos)
        return char

    # A value at ``start``; ``indent`` is the indentation of its line, None inside a one-line container.
    # ``old``, when known, is the value the text there was parsed into.
    def value(self, start: int, new: Any, indent: str | None, old: Any = _UNKNOWN) -> int:
        opener = self.text[start : start + 1]
        if old is not _UNKNOWN:
            if old is new:
                end = self.skip(start, old, indent)
                self.span(start, end)
                return end
            # Walking a container whose old value is known needs no parse, and when nothing in it
            # changed the walk copies its text exactly as a comparison would.
            if opener == "{" and isinstance(old, dict) and isinstance(new, dict):
                return self.object(start, new, indent, old)
            if opener == "[" and isinstance(old, list) and isinstance(new, list):
                return self.array(start, new, indent, old)
            end = self.skip(start, old, indent)
            self.known(start, end, old, new, indent)
            return end
        if opener == "{" and isinstance(new, dict) and len(new) >= _LAZY_MIN:
            return self.object(start, new, indent)
        if opener == "[" and isinstance(new, list) and len(new) >= _LAZY_MIN:
            return self.array(start, new, indent)
        old, end = self.scan(start)
        self.known(start, end, old, new, indent)
        return end

    def skip(self, start: int, old: Any, indent: str | None) -> int:
        """The end of the value at ``start``, whose old value is known."""
        if self.canonical and indent is not None:
            return self.canonical_end(start, old, indent)
        rendered = self.rendering(old, indent)
        if rendered is not None and self.text.startswith(rendered, start):
            # The text there is a whole value (a container or string ends with its own closing
            # character), so it ends where the rendering does.
            return start + len(rendered)
        return self.scan(start)[1]

    def rendering(self, value: Any, indent: str | None) -> str | None:
        """``value`` as orjson renders it on a line indented by ``indent``, in this file's line
        breaks; ``None`` where that cannot be the text (the file's style differs) or where it would
        not tell where the value ends (a number can be the start of a longer one)."""
        if not self.orjson_style or indent is None or not isinstance(value, (dict, list, str)):
            return None
        try:
            rendered = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode(self.encoding)
        except TypeError:  # orjson.JSONEncodeError: integers beyond 64 bits, for one
            return None
        # JSON strings hold no raw line break: every one in the rendering starts an indented line.
        return rendered.replace("\n", self.style.newline + indent)

    def canonical_items(self, pos: int, items: list[tuple[int, int, Any]], child: str, old: list[Any]) -> int:
        """:meth:`_array_items` in a canonical text (see :meth:`canonical_end`): items are separated
        by a comma, a line break and ``child``, and the last one by a line break from the ``]``."""
        separator = len(child) + 2
        closer = "\n" + child + "}"
        index = self.text.index
        end = pos
        for value in old:
            # Inline for the usual mapping items: this runs once per record of a large file.
            end = index(closer, pos) + len(closer) if type(value) is dict and value else \
                self.canonical_end(pos, value, child)
            items.append((pos, end, value))
            pos = end + separator
        return self.ws(end)

    def canonical_end(self, start: int, old: Any, indent: str) -> int:
        """:meth:`skip` in a text that is orjson's rendering of the old tree, on a line indented by ``indent``.

        There a container closes on the first line after its opening that is indented as little
        as its own (deeper lines are indented more, and strings hold no raw line break), an empty
        one is ``{}`` or ``[]``, and a scalar ends where its token does.
        """
        if isinstance(old, (dict, list)):
            if not old:
                return start + 2
            close = "\n" + indent + ("}" if isinstance(old, dict) else "]")
            return self.text.index(close, start) + len(close)
        if old is None or old is True:
            return start + 4
        if old is False:
            return start + 5
        token = (_STRING if isinstance(old, str) else _NUMBER).match(self.text, start)
        assert token is not None  # (the text there is old's rendering)
        return token.end()

    def known(self, start: int, end: int, old: Any, new: Any, indent: str | None) -> None:
        # ``old is new``: an item the sync left alone (the new tree shares it with the old one).
        if old is new or same_value(old, new):
            self.span(start, end)
        elif isinstance(old, dict) and isinstance(new, dict):
            self.object(start, new, indent, old)
        elif isinstance(old, list) and isinstance(new, list):
            self.array(start, new, indent, old)
        else:
            self.literal(self.style.render(new, indent))

    @staticmethod
    def child_indent(lead: str) -> str | None:
        """The indentation of a container's members, from the whitespace before its first one."""
        return lead[lead.rfind("\n") + 1 :] if "\n" in lead else None

    def object(self, start: int, new: dict[str, Any], indent: str | None, old: Any = _UNKNOWN) -> int:
        text = self.text
        lead_end = self.ws(start + 1)
        if self.expect(lead_end, '}"') == "}":
            return self.fill_empty(start, lead_end, new, indent)
        child = self.child_indent(text[start + 1 : lead_end])
        first_sep: tuple[int, int] | None = None
        key_sep = self.style.key_sep
        last_emitted = -2
        prev_end = pos = lead_end
        seen: set[str] = set()
        index = 0
        while True:
            key, key_end = self.key(pos)
            colon = self.ws(key_end)
            self.expect(colon, ":")
            value_start = self.ws(colon + 1)
            if index == 0:
                key_sep = text[key_end:value_start]
            if key in new:
                if last_emitted == -2:
                    self.span(start, lead_end)
                elif last_emitted == index - 1:
                    self.span(prev_end, pos)
                else:
                    self.literal(self.separator(first_sep, child))
                self.span(pos, value_start)
                value_end = self.value(value_start, new[key], child, _member(old, key))
                last_emitted = index
            elif old is _UNKNOWN:
                value_end = self.scan(value_start)[1]
            else:
                value_end = self.skip(value_start, old[key], child)
            seen.add(key)
            after = self.ws(value_end)
            if self.expect(after, ",}") == "}":
                break
            pos = self.ws(after + 1)
            self.expect(pos, '"')
            if first_sep is None:
                first_sep = (value_end, pos)
            prev_end = value_end
            index += 1
        added = [self.member(key, value, child, key_sep) for key, value in new.items() if key not in seen]
        for piece in added:
            if last_emitted == -2:
                self.span(start, lead_end)
            else:
                self.literal(self.separator(first_sep, child))
            self.literal(piece)
            last_emitted = -1
        if last_emitted == -2:
            self.literal("{}")
        else:
            self.span(value_end, after + 1)
        return after + 1

    def member(self, key: str, value: Any, indent: str | None, key_sep: str | None = None) -> str:
        name = json.dumps(key, ensure_ascii=self.style.ensure_ascii)
        return name + (key_sep if key_sep is not None else self.style.key_sep) + self.style.render(value, indent)

    def separator(self, first_sep: tuple[int, int] | None, child: str | None) -> str:
        if first_sep is not None:
            return self.text[first_sep[0] : first_sep[1]]
        if child is not None:
            return "," + self.style.newline + child
        return self.style.item_sep

    def fill_empty(self, start: int, close: int, new: dict[str, Any] | list[Any], indent: str | None) -> int:
        """An originally empty container (``start``..``close``) that now holds ``new``."""
        if not new:
            self.span(start, close + 1)
            return close + 1
        child = indent + self.style.unit if indent is not None and self.style.unit is not None else None
        if isinstance(new, dict):
            pieces = [self.member(key, value, child) for key, value in new.items()]
        else:
            pieces = [self.style.render(value, child) for value in new]
        opener, closer = self.text[start], self.text[close]
        if child is None:
            self.literal(opener + self.style.item_sep.join(pieces) + closer)
        else:
            newline = self.style.newline
            body = ("," + newline + child).join(pieces)
            self.literal(opener + newline + child + body + newline + str(indent) + closer)
        return close + 1

    def array(self, start: int, new: list[Any], indent: str | None, old: Any = _UNKNOWN) -> int:
        text = self.text
        lead_end = self.ws(start + 1)
        child = self.child_indent(text[start + 1 : lead_end])
        items: list[tuple[int, int, Any]] = []
        close = self._array_items(lead_end, items, child, old)
        if not items:
            return self.fill_empty(start, close, new, indent)
        if not new:
            self.literal("[]")
            return close + 1
        match = align_items([old for _, _, old in items], new)
        first_sep = (items[0][1], items[1][0]) if len(items) > 1 else None
        self.span(start, lead_end)
        prev: int | None = None
        for k, j in enumerate(match):
            if j is not None and prev is not None and j == prev + 1 and new[k] is items[j][2]:
                # The next old item, left alone: its separator and text join the span (see known()).
                self.span(items[prev][1], items[j][1])
                prev = j
                continue
            if k:
                if j is not None and prev is not None and j == prev + 1:
                    self.span(items[prev][1], items[j][0])
                else:
                    self.literal(self.separator(first_sep, child))
            if j is None:
                self.literal(self.style.render(new[k], child))
            else:
                item_start, item_end, old = items[j]
                self.known(item_start, item_end, old, new[k], child)
            prev = j
        self.span(items[-1][1], close + 1)
        return close + 1

    def _array_items(self, pos: int, items: list[tuple[int, int, Any]], child: str | None, old: Any) -> int:
        """The items (start, end, old value) of an array whose first item (or ``]``) is at ``pos``,
        indented by ``child``, and the position of its ``]``; ``old`` is the array's old value, if known.
        """
        if self.text.startswith("]", pos):
            return pos
        if self.canonical and old is not _UNKNOWN and child is not None:
            return self.canonical_items(pos, items, child, old)
        # The old items are the very objects the new tree may share (see known()).
        known = iter(old) if old is not _UNKNOWN else None
        # The usual separator of a multi-line array, checked at once instead of token by token.
        separator = "," + self.style.newline + child if child is not None else None
        while True:
            value = next(known, _UNKNOWN) if known is not None else _UNKNOWN
            if value is _UNKNOWN:
                value, end = self.scan(pos)
            else:
                end = self.skip(pos, value, child)
            items.append((pos, end, value))
            if separator is not None and self.text.startswith(separator, end):
                pos = self.ws(end + len(separator))
                continue
            after = self.ws(end)
            if self.expect(after, ",]") == "]":
                return after
            pos = self.ws(after + 1)


def update_json(original: str, new: Any, *, old: Any = _UNKNOWN) -> str:
    """Rewrite ``original`` JSON text so that it holds ``new``, changing only what differs.

    Unchanged values keep their exact text (number spelling, escapes, spacing); changed values are
    rendered in the file's style; new keys go after the existing keys of their object; list items
    are aligned by identity field or content so moved or unchanged items keep their text. A
    leading byte order mark, surrounding whitespace and the final newline (or its absence) are kept.

    ``old``, if given, must be the tree ``original`` parses into (a loaded document's data). It
    changes nothing in the result, only the cost: the parts of ``new`` that are the very objects
    of ``old`` are copied without being read.

    Raises:
        json.JSONDecodeError: ``original`` is not JSON.
    """
    if old is not _UNKNOWN:
        return update_json_bytes(original.encode("utf-8"), new, old=old).decode("utf-8")
    splicer = _Splicer(original, _detect_style(original))
    _splice(splicer, new, old)
    return splicer.result()


def update_json_bytes(original: bytes, new: Any, *, old: Any) -> bytes:
    """:func:`update_json` of the UTF-8 bytes of a JSON text, given the tree ``old`` they parse into.

    The same bytes as ``update_json(original.decode(), new, old=old).encode()``, without decoding
    the text or encoding the result.
    """
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    body = original[len(bom):]
    text = body.decode(_BYTES_AS_TEXT)
    splicer = _Splicer(text, _detect_style(text), body)
    splicer.canonical = splicer.orjson_style and _renders_as(body, old)
    _splice(splicer, new, old)
    return bom + splicer.result_bytes()


def _renders_as(original: bytes, old: Any) -> bool:
    """Whether ``original`` is exactly orjson's two-space rendering of ``old`` (and a final newline)."""
    try:
        rendered = orjson.dumps(old, option=orjson.OPT_INDENT_2)
    except TypeError:  # orjson.JSONEncodeError: integers beyond 64 bits, for one
        return False
    return original.startswith(rendered) and original[len(rendered):] in (b"", b"\n")


def _splice(splicer: _Splicer, new: Any, old: Any) -> None:
    """Make ``splicer``'s output the original text holding ``new``."""
    original = splicer.text
    start = splicer.ws(1 if original.startswith("\ufeff") else 0)
    splicer.span(0, start)
    if start == len(original):
        splicer.literal(splicer.style.render(new, "") + "\n")
        return
    with paused_gc():  # the parsed values are freed, as they are made, before collection resumes
        end = splicer.value(start, new, _line_indent(original, start), old)
    trailing = splicer.ws(end)
    if trailing != len(original):
        raise json.JSONDecodeError("Extra data", original, trailing)
    splicer.span(end, len(original))


def _member(old: Any, key: str) -> Any:
    return _UNKNOWN if old is _UNKNOWN else old.get(key, _UNKNOWN)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while parsed trees are built.

    Parsing allocates millions of acyclic containers; each allocation burst would start a full
    collection that walks every live object again, which doubles the time of a large rewrite.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
