"""Format-preserving YAML rewrite: splice a new tree into the original text.

The original is read with libyaml's event parser, which gives the text span of every scalar,
collection and alias; values are built from the events with the YAML codec's own rules
(:class:`~nervsync_cli.formats.yaml_format` loader: timestamps stay strings, keys become strings).
Each value is compared with its counterpart in the new tree and only changed spans are replaced,
so comments, blank lines, quoting, flow style and indentation of everything else stay as they were.

Block mappings and sequences are cut into *chunks*: a member or item from its key or dash to the
end of its last line, plus the comment lines right after it that are indented deeper (clearly its
own). Removing a member drops its chunk; comment lines above it are kept. New members are rendered
at the column of their siblings, in their quote style; multi-line strings as ``|`` block scalars.

This was chosen over a ruamel.yaml round trip because a round trip re-renders untouched parts
(indentation, spacing after colons, long or multi-line plain scalars, ``---`` and ``...``), so
its output is not byte-identical even when nothing changed (38 of 205 YAML files of the
conformance corpus came back identical, against all of them here), and it is some thirty times
slower (78 s of CPU for 10,000 records, against 2.5 s here).
"""

from __future__ import annotations

import bisect
import io
import re
from dataclasses import dataclass
from typing import Any

import yaml

from .json_update import align_items, canonical, paused_gc, same_value
from .yaml_format import _key_string, _key_text, _Loader

__all__ = ["update_yaml"]

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SET = "tag:yaml.org,2002:set"
_SCALAR, _MAP, _SEQ, _ALIAS = range(4)
_EventLoader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
# Characters YAML 1.1 reads as line breaks, which a block scalar would not keep as they are.
_ODD_BREAKS = frozenset("\r\x85\u2028\u2029")
_BOOL_WORDS = {"true": "false", "yes": "no", "on": "off", "y": "n"}
_BOOL_WORDS.update({value: key for key, value in _BOOL_WORDS.items()})


class _Node:
    """A node of the original text: its span, its value as loaded, and what shapes its text."""

    __slots__ = (
        "anchor", "children", "content", "end", "flow", "kind", "name", "raw", "start", "style", "tag", "target",
        "value",
    )

    def __init__(
        self, kind: int, start: int, end: int, value: Any, style: str | None = None, tag: str | None = None
    ) -> None:
        self.kind = kind
        self.start = start  # first character, properties (anchor, tag) included
        self.content = start  # first character after the properties
        self.end = end  # for block collections: the end of the last child's chunk (set lazily)
        self.value = value
        self.style = style
        self.tag = tag
        self.raw = ""  # a scalar's text as parsed
        self.flow = False
        self.anchor: str | None = None
        self.children: list[Any] = []  # (key, value) pairs of a mapping, items of a sequence
        self.target: _Node | None = None  # what an alias refers to
        self.name = ""  # a mapping key's text as loaded

    @property
    def block(self) -> bool:
        return self.kind in (_MAP, _SEQ) and not self.flow


@dataclass
class _Document:
    start: int  # the ``---`` marker, or the root when there is none
    end: int  # after the ``...`` marker, or the root's end
    root: _Node
    explicit: bool


# --- reading the original -----------------------------------------------------------------------


class _Composer:
    """Builds :class:`_Node` trees from libyaml events, values constructed as the codec does."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.constructor = _Loader("")
        self.resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = _Loader.yaml_implicit_resolvers
        self.memo: dict[tuple[str, ...], Any] = {}
        self.plain: dict[str, tuple[str, Any]] = {}
        self.anchors: dict[str, _Node] = {}
        self.has_aliases = False

    def documents(self) -> list[_Document]:
        docs: list[_Document] = []
        stack: list[tuple[_Node, list[Any]]] = []
        root: _Node | None = None
        doc_start = 0
        explicit = False
        pending_key: list[_Node | None] = []
        parser = _EventLoader(self.text)
        while True:
            event: Any = parser.get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                break
            if kind is yaml.ScalarEvent:
                node = self.scalar(event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                node = _Node(
                    _MAP if kind is yaml.MappingStartEvent else _SEQ, event.start_mark.index, -1, None, None, event.tag
                )
                node.flow = bool(event.flow_style)
                if event.anchor is not None or event.tag is not None:
                    self.properties(node, event)
                stack.append((node, node.children))
                pending_key.append(None)
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                node, _ = stack.pop()
                pending_key.pop()
                self.finish(node, event.end_mark.index)
            elif kind is yaml.AliasEvent:
                node = self.alias(event)
            elif kind is yaml.DocumentStartEvent:
                doc_start, explicit = event.start_mark.index, bool(event.explicit)
                continue
            elif kind is yaml.DocumentEndEvent:
                assert root is not None
                end = event.end_mark.index if event.explicit else _region_end(self.text, root)
                docs.append(_Document(doc_start if explicit else root.start, _line_end(self.text, end), root, explicit))
                root = None
                continue
            else:
                continue
            if not stack:
                root = node
                continue
            parent, children = stack[-1]
            if parent.kind == _SEQ:
                children.append(node)
            elif pending_key[-1] is None:
                pending_key[-1] = node
            else:
                children.append((pending_key[-1], node))
                pending_key[-1] = None
        return docs

    def properties(self, node: _Node, event: Any) -> None:
        if event.anchor is not None:
            node.anchor = event.anchor
            self.anchors[event.anchor] = node
        node.content = _skip_properties(self.text, node.start)

    def scalar(self, event: Any) -> _Node:
        raw: str = event.value
        tag = event.tag
        if tag is None and event.implicit[0]:
            known = self.plain.get(raw)
            if known is None:
                known = self.plain[raw] = self.resolved(raw)
            tag, value = known
        elif tag is None or tag == "!":
            tag, value = _STR, raw
        else:
            value = self.construct(tag, raw, event.style)
        node = _Node(_SCALAR, event.start_mark.index, event.end_mark.index, value, event.style, tag)
        node.raw = raw
        if event.anchor is not None or event.tag is not None:
            self.properties(node, event)
        return node

    def resolved(self, raw: str) -> tuple[str, Any]:
        """The tag and value of a plain scalar."""
        tag = self.resolve(raw)
        return tag, raw if tag == _STR else self.construct(tag, raw, None)

    def construct(self, tag: str, raw: str, style: str | None) -> Any:
        if tag == _STR:
            return raw
        key = (tag, raw)
        value = self.memo.get(key, self)
        if value is self:
            value = self.constructor.construct_document(yaml.ScalarNode(tag, raw, style=style))
            self.memo[key] = value
        return value

    def resolve(self, raw: str) -> str:
        for tag, pattern in self.resolvers.get(raw[:1] if raw else "", ()):
            if pattern.match(raw):
                return tag
        return _STR

    def alias(self, event: Any) -> _Node:
        target = self.anchors[event.anchor]
        node = _Node(_ALIAS, event.start_mark.index, event.end_mark.index, target.value)
        node.target = target
        self.has_aliases = True
        return node

    def finish(self, node: _Node, end_mark: int) -> None:
        if node.flow:
            node.end = end_mark
        if node.kind == _SEQ:
            node.value = [child.value for child in node.children]
        elif node.tag == _SET:
            node.value = sorted(self.key(key) for key, _ in node.children)
            for key, _ in node.children:
                key.name = self.key(key)
        else:
            node.value = self.mapping(node)

    def key(self, node: _Node) -> str:
        """A mapping key as the codec loads it (``on:`` stays ``"on"``, ``1:`` becomes ``"1"``)."""
        if node.kind != _SCALAR:
            return _key_string(node.value)
        memo_key = ("key", node.tag or "", node.raw, node.style or "")
        known = self.memo.get(memo_key, self)
        if known is self:
            known = _key_text(yaml.ScalarNode(node.tag or _STR, node.raw, style=node.style), node.value)
            self.memo[memo_key] = known
        return str(known)

    def mapping(self, node: _Node) -> dict[str, Any]:
        # Merged keys come first and explicit keys override them, as the codec's flatten_mapping does.
        merged: list[tuple[str, Any]] = []
        explicit: list[tuple[str, Any]] = []
        for key, value in node.children:
            if key.tag == _MERGE:
                sources = value.value if value.kind == _SEQ else [value.value]
                for source in reversed(sources):
                    merged.extend(source.items())
            else:
                key.name = self.key(key)
                explicit.append((key.name, value.value))
        return dict(merged + explicit) if merged else dict(explicit)


_PROPERTIES = re.compile(r"(?:[&!][^ \t\r\n]*[ \t\r\n]+)*")


def _skip_properties(text: str, pos: int) -> int:
    match = _PROPERTIES.match(text, pos)
    return match.end() if match else pos


def _skip_back(text: str, pos: int, chars: str) -> int:
    """The start of the run of ``chars`` that ends at ``pos``."""
    while pos > 0 and text[pos - 1] in chars:
        pos -= 1
    return pos


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _column(text: str, pos: int) -> int:
    return pos - _line_start(text, pos)


def _line_end(text: str, pos: int) -> int:
    """The start of the line after the one holding ``pos`` (``pos`` itself if a line starts there)."""
    if pos > 0 and text[pos - 1] == "\n":
        return pos
    newline = text.find("\n", pos)
    return len(text) if newline < 0 else newline + 1


def _with_attached_comments(text: str, pos: int, column: int) -> int:
    """Extend a chunk ending at ``pos`` over the comment lines right after it indented past ``column``."""
    while pos < len(text):
        newline = text.find("\n", pos)
        line_end = len(text) if newline < 0 else newline + 1
        line = text[pos:line_end]
        stripped = line.lstrip(" \t")
        if not stripped.startswith("#") or len(line) - len(stripped) <= column:
            break
        pos = line_end
    return pos


def _region_end(text: str, node: _Node) -> int:
    """Where the text of ``node`` ends; a block collection ends with its last chunk."""
    if not node.block:
        return node.end
    if node.end < 0:  # libyaml makes no empty block collection: there is a last child
        if node.kind == _MAP:
            key, value = node.children[-1]
            node.end = _chunk_end(text, value, _column(text, key.start))
        else:
            item = node.children[-1]
            node.end = _chunk_end(text, item, _column(text, _dash(text, item)))
    return node.end


def _chunk_end(text: str, value: _Node, column: int) -> int:
    return _with_attached_comments(text, _line_end(text, _region_end(text, value)), column)


def _dash(text: str, item: _Node) -> int:
    """The ``-`` that introduces a block sequence item."""
    pos = item.start - 1
    while pos >= 0 and text[pos] in " \t\r\n":
        pos -= 1
    return pos if pos >= 0 and text[pos] == "-" else item.start


# --- rendering new values -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    newline: str
    unit: int  # indentation of a nested mapping
    seq_offset: int  # indentation of a block sequence under its key (0: "key:\n- item")


class _Renderer:
    """Renders values in the file's layout and quoting."""

    def __init__(self, layout: _Layout) -> None:
        self.layout = layout
        self.emitter = yaml.emitter.Emitter(io.StringIO(), allow_unicode=True)

    def scalar(self, value: Any, quote: str | None, flow: bool) -> str:
        """One-line text of a scalar; ``quote`` is the quote character the siblings use, if any."""
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return _float_text(value)
        if isinstance(value, str):
            return self.string(value, quote, flow)
        return self.flow(value, quote)

    def string(self, value: str, quote: str | None, flow: bool) -> str:
        analysis = self.emitter.analyze_scalar(value)
        single_ok = analysis.allow_single_quoted and not analysis.multiline
        if quote == "'" and single_ok:
            return "'" + value.replace("'", "''") + "'"
        plain_ok = analysis.allow_flow_plain if flow else analysis.allow_block_plain
        if quote != '"' and plain_ok and value and not analysis.multiline and _plain_is_string(value):
            return value
        if quote != '"' and single_ok:
            return "'" + value.replace("'", "''") + "'"
        text = yaml.dump(value, Dumper=yaml.SafeDumper, default_style='"', width=1 << 30, allow_unicode=True)
        return text.rstrip("\n")

    def literal_ok(self, value: Any) -> bool:
        """Whether ``value`` can be written as a ``|`` block scalar that reads back the same."""
        if not isinstance(value, str) or not value or value[0] in " \n" or _ODD_BREAKS.intersection(value):
            return False
        analysis = self.emitter.analyze_scalar(value)
        return bool(analysis.allow_block) and not value.endswith((" ", "\t"))

    def literal(self, value: str, column: int) -> tuple[str, list[str]]:
        """The header (``|``, ``|-`` or ``|+``) and the content lines of a block scalar."""
        if not value.endswith("\n"):
            header, body = "|-", value
        elif value.endswith("\n\n"):
            header, body = "|+", value[:-1]
        else:
            header, body = "|", value[:-1]
        pad = " " * column
        return header, [pad + line if line else "" for line in body.split("\n")]

    def flow(self, value: Any, quote: str | None) -> str:
        if isinstance(value, dict):
            members = (f"{self.string(key, None, True)}: {self.flow(item, quote)}" for key, item in value.items())
            return "{" + ", ".join(members) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(item, quote) for item in value) + "]"
        return self.scalar(value, quote, True)

    def inline(self, value: Any) -> bool:
        """Whether ``value`` goes on the line of its key or dash."""
        if isinstance(value, (dict, list)):
            return not value
        return not (isinstance(value, str) and "\n" in value and self.literal_ok(value))

    def block(self, value: Any, column: int, quote: str | None) -> list[str]:
        """Lines of a non-empty block collection whose keys or dashes sit at ``column``."""
        lines: list[str] = []
        if isinstance(value, dict):
            for key, item in value.items():
                lines.extend(self.member(key, item, column, quote))
        else:
            for item in value:
                lines.extend(self.item(item, column, quote))
        return lines

    def member(self, key: str, value: Any, column: int, quote: str | None, key_quote: str | None = None) -> list[str]:
        head = " " * column + self.string(key, key_quote, False) + ":"
        if self.inline(value):
            return [head + " " + self.scalar(value, quote, False)]
        if isinstance(value, str):
            header, lines = self.literal(value, column + self.layout.unit)
            return [head + " " + header, *lines]
        offset = self.layout.unit if isinstance(value, dict) else self.layout.seq_offset
        return [head, *self.block(value, column + offset, quote)]

    def item(self, value: Any, column: int, quote: str | None) -> list[str]:
        dash = " " * column + "-"
        if self.inline(value):
            return [dash + " " + self.scalar(value, quote, False)]
        if isinstance(value, str):
            header, lines = self.literal(value, column + 2)
            return [dash + " " + header, *lines]
        lines = self.block(value, column + 2, quote)
        return [dash + " " + lines[0][column + 2 :], *lines[1:]]


def _plain_is_string(value: str) -> bool:
    """Whether every YAML 1.1 reader takes ``value``, unquoted, as a string.

    Stricter than the codec, which keeps timestamps as text: other tools would read a date there.
    """
    resolvers = yaml.SafeLoader.yaml_implicit_resolvers.get(value[:1], ())
    return not any(pattern.match(value) for _, pattern in resolvers)


def _float_text(value: float) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    # YAML 1.1 (PyYAML) reads "1e+16" as a string: a float needs a dot.
    return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text


# --- splicing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """Where a value sits: after ``key:`` or ``-`` at ``column``, inside a flow collection, or at the root."""

    kind: str  # "map", "seq", "flow" or "root"
    column: int
    quote: str | None


@dataclass
class _Edit:
    start: int
    end: int
    text: str


class _Splicer:
    def __init__(self, text: str, layout: _Layout) -> None:
        self.text = text
        self.layout = layout
        self.render = _Renderer(layout)
        self.edits: list[_Edit] = []
        self.anchored: dict[str, Any] = {}  # anchor name -> the value its node holds in the new text

    def edit(self, start: int, end: int, text: str) -> None:
        self.edits.append(_Edit(start, end, text))

    def sorted_edits(self, mark: int) -> list[_Edit]:
        return sorted(self.edits[mark:], key=lambda edit: edit.start)

    def take_edits(self, mark: int) -> list[_Edit]:
        taken = self.sorted_edits(mark)
        del self.edits[mark:]
        return taken

    def apply(self, start: int, end: int, edits: list[_Edit]) -> str:
        """The text of ``start``..``end`` with the ``edits`` inside it applied (``edits`` sorted by start)."""
        pieces: list[str] = []
        pos = start
        first = bisect.bisect_left(edits, start, key=lambda edit: edit.start)
        for edit in edits[first:]:
            if edit.start >= end:
                break
            pieces.append(self.text[pos : edit.start])
            pieces.append(edit.text)
            pos = edit.end
        pieces.append(self.text[pos:end])
        return "".join(pieces)

    def update(self, node: _Node, new: Any, place: _Place) -> None:
        if node.target is not None:
            # An alias reads whatever its anchor now holds: keep it while that is still right.
            if not same_value(self.anchored.get(node.target.anchor or "", node.value), new):
                self.replace(node, new, place)
            return
        if node.anchor is not None:
            self.anchored[node.anchor] = new
        if same_value(node.value, new):
            return
        # An empty collection is written {} or [] whatever the file's style: filled, it takes the
        # block style of its surroundings, unless it sits inside a flow collection.
        as_flow = node.flow and (bool(node.children) or place.kind == "flow")
        if node.kind == _MAP and isinstance(new, dict) and new and node.tag != _SET and node.children:
            if as_flow:
                self.flow_map(node, new, place)
            elif not node.flow and self.members_are_chunks(node, new):
                self.block_map(node, new)
            else:
                self.replace(node, new, place)
        elif node.kind == _SEQ and isinstance(new, list) and new and node.children:
            if as_flow:
                self.flow_seq(node, new, place)
            elif not node.flow:
                self.block_seq(node, new)
            else:
                self.replace(node, new, place)
        elif as_flow and isinstance(new, (dict, list)) and new:
            self.edit(node.content, node.end, self.render.flow(new, place.quote))
        else:
            self.replace(node, new, place)

    def members_are_chunks(self, node: _Node, new: dict[str, Any]) -> bool:
        """Whether a block mapping can be edited member by member.

        Not when a key is written ``? key`` (the member does not start at its key), nor when ``new``
        drops a key that a ``<<`` merge brings in (the merge itself would have to go).
        """
        text = self.text
        indicators = (_skip_back(text, key.start, " \t\r\n") - 1 for key, _ in node.children)
        explicit = any(pos >= 0 and text[pos] == "?" for pos in indicators)
        return not explicit and _merge_keeps(node, new)

    # Scalars, aliases and values whose type changed are rendered anew.
    def replace(self, node: _Node, new: Any, place: _Place) -> None:
        text, render = self.text, self.render
        end = _region_end(text, node)
        if place.kind == "flow":
            self.edit(node.content, end, render.flow(new, place.quote))
            return
        start = node.content
        lead = ""
        if place.kind != "root" and start == node.start:
            # Re-space from the indicator (``key:`` or ``-``) so the new text sets its own spacing.
            before = _skip_back(text, start, " \t\r\n" if node.block else " \t")
            if text[before - 1 : before] in (":", "-"):
                start, lead = before, " "
        at_line_start = end > 0 and text[end - 1] == "\n"
        trailing = text[_skip_back(text, end, "\r\n") : end] if at_line_start else ""
        keep_block = node.kind == _SCALAR and node.style in ("|", ">") and render.literal_ok(new)
        one_line = render.inline(new) and not keep_block
        if one_line or (place.kind == "root" and not isinstance(new, (dict, list))):
            self.edit(start, end, lead + self.scalar_text(node, new, place) + trailing)
            return
        header, lines = self.block_text(new, place)
        newline = self.layout.newline
        if not at_line_start:
            eol = text.find("\n", end)
            eol = len(text) if eol < 0 else eol - (1 if text[eol - 1 : eol] == "\r" else 0)
            head = lead + header if header else ""
            body = head + text[end:eol] + newline + newline.join(lines)
            # At the end of a file without a final newline, a kept final line break needs one.
            if eol == len(text) and header in ("|", "|+"):
                body += newline
            self.edit(start, eol, body)
            return
        head = lead + header + newline if header else ("" if place.kind == "root" else newline)
        self.edit(start, end, head + newline.join(lines) + (trailing or newline))

    def scalar_text(self, node: _Node, new: Any, place: _Place) -> str:
        if isinstance(new, bool) and isinstance(node.value, bool) and node.kind == _SCALAR:
            return _flip_bool(self.text[node.content : node.end], new)
        quote = node.style if node.kind == _SCALAR and node.style in ("'", '"') else place.quote
        return self.render.scalar(new, quote, False)

    def block_text(self, new: Any, place: _Place) -> tuple[str, list[str]]:
        """The header that stays on the key's (or dash's) line and the lines below it."""
        render, column = self.render, place.column
        if place.kind == "root":
            return "", render.block(new, 0, place.quote) if isinstance(new, (dict, list)) else [str(new)]
        if isinstance(new, str):
            return render.literal(new, column + (self.layout.unit if place.kind == "map" else 2))
        if place.kind == "seq":
            lines = render.block(new, column + 2, place.quote)
            return lines[0][column + 2 :], lines[1:]
        offset = self.layout.unit if isinstance(new, dict) else self.layout.seq_offset
        return "", render.block(new, column + offset, place.quote)

    def block_map(self, node: _Node, new: dict[str, Any]) -> None:
        text = self.text
        pairs = node.children
        column = _column(text, pairs[0][0].start)
        quote = _quote_of(value for _, value in pairs)
        key_quote = _quote_of(key for key, _ in pairs)
        place = _Place("map", column, quote)
        mark = len(self.edits)
        kept: list[bool] = []
        seen: set[str] = set()
        for key, value in pairs:
            name = key.name
            seen.add(name)
            kept.append(name in new or key.tag == _MERGE)
            if name in new:
                self.update(value, new[name], place)
        merged = node.value
        added = [
            (name, value) for name, value in new.items()
            if name not in seen and not (name in merged and same_value(merged[name], value))
        ]
        if all(kept) and not added:
            return
        edits = self.take_edits(mark)
        chunks = [(key.start, _chunk_end(text, value, column)) for key, value in pairs]
        order: list[int | None] = [i for i, keep in enumerate(kept) if keep] + [None] * len(added)
        fresh = [self.fresh_member(name, value, column, quote, key_quote) for name, value in added]
        self.rebuild(chunks, order, fresh, edits, column)

    def fresh_member(self, name: str, value: Any, column: int, quote: str | None, key_quote: str | None) -> str:
        return self.layout.newline.join(self.render.member(name, value, column, quote, key_quote))[column:]

    def block_seq(self, node: _Node, new: list[Any]) -> None:
        text = self.text
        items = node.children
        dashes = [_dash(text, item) for item in items]
        column = _column(text, dashes[0])
        place = _Place("seq", column, _quote_of(items))
        match = align_items(node.value, new)
        if len(new) == len(items) and all(j == k for k, j in enumerate(match)):
            for item, value in zip(items, new):
                self.update(item, value, place)
            return
        mark = len(self.edits)
        fresh: list[str] = []
        for k, j in enumerate(match):
            if j is None:
                lines = self.render.item(new[k], column, place.quote)
                fresh.append(self.layout.newline.join(lines)[column:])
            else:
                self.update(items[j], new[k], place)
        edits = self.take_edits(mark)
        chunks = [(dash, _chunk_end(text, item, column)) for dash, item in zip(dashes, items)]
        self.rebuild(chunks, match, fresh, edits, column)

    def rebuild(
        self, chunks: list[tuple[int, int]], order: list[int | None], fresh: list[str], edits: list[_Edit], column: int
    ) -> None:
        """Replace a block collection's chunks by the chunks ``order`` names (None: the next fresh one).

        A chunk keeps the gap before it (blank and comment lines, indentation); the comment lines
        above a removed chunk move down to the next chunk, so no comment is lost.
        """
        text, newline = self.text, self.layout.newline
        region_start, region_end = chunks[0][0], chunks[-1][1]
        gaps = [""] + [text[chunks[i - 1][1] : chunks[i][0]] for i in range(1, len(chunks))]
        default_gap = next((gap for gap in gaps[1:] if not _comment_lines(gap)), " " * column)
        used = {j for j in order if j is not None}
        carried: dict[int, str] = {}
        pending = ""
        for index, gap in enumerate(gaps):
            if index in used:
                carried[index], pending = pending, ""
            else:
                pending += _comment_lines(gap)
        fresh_chunks = iter(fresh)
        out: list[str] = []
        for j in order:
            if j is None:
                gap, chunk, carry = default_gap, next(fresh_chunks) + newline, ""
            else:
                gap, chunk, carry = gaps[j] if j else default_gap, self.apply(*chunks[j], edits), carried[j]
            if out:
                out.append(carry + gap)
            elif carry or _comment_lines(gap):
                # The collection starts mid-line (after its indentation or dash): comments go first.
                out.append((carry + gap).lstrip(" \t\r\n"))
            out.append(chunk if chunk.endswith("\n") else chunk + newline)
        out.append(pending)
        result = "".join(out)
        if text[region_end - 1] != "\n" and result.endswith(newline):
            result = result[: -len(newline)]
        self.edit(region_start, region_end, result)

    def flow_map(self, node: _Node, new: dict[str, Any], place: _Place) -> None:
        pairs = node.children
        names = [key.name for key, _ in pairs]
        inner = _Place("flow", place.column, _quote_of(value for _, value in pairs))
        if names == list(new):
            for (_, value), name in zip(pairs, names):
                self.update(value, new[name], inner)
            return
        mark = len(self.edits)
        members: list[str] = []
        for (key, value), name in zip(pairs, names):
            if name in new:
                self.update(value, new[name], inner)
                members.append(self.apply(key.start, _region_end(self.text, value), self.sorted_edits(mark)))
        render = self.render
        members += [f"{render.string(k, None, True)}: {render.flow(v, inner.quote)}" for k, v in new.items()
                    if k not in names]
        self.take_edits(mark)
        self.edit(node.content, node.end, self.flow_wrap(node, "{", "}", members))

    def flow_seq(self, node: _Node, new: list[Any], place: _Place) -> None:
        items = node.children
        inner = _Place("flow", place.column, _quote_of(items))
        match = align_items(node.value, new)
        if len(new) == len(items) and all(j == k for k, j in enumerate(match)):
            for item, value in zip(items, new):
                self.update(item, value, inner)
            return
        mark = len(self.edits)
        members: list[str] = []
        for k, j in enumerate(match):
            if j is None:
                members.append(self.render.flow(new[k], inner.quote))
                continue
            item = items[j]
            item_mark = len(self.edits)
            self.update(item, new[k], inner)
            members.append(self.apply(item.start, _region_end(self.text, item), self.sorted_edits(item_mark)))
        self.take_edits(mark)
        self.edit(node.content, node.end, self.flow_wrap(node, "[", "]", members))

    def flow_wrap(self, node: _Node, opener: str, closer: str, members: list[str]) -> str:
        if not members:
            return opener + closer
        padded = self.text[node.content + 1 : node.content + 2] == " "
        pad = " " if padded else ""
        return opener + pad + ", ".join(members) + pad + closer


def _merge_keys(node: _Node) -> set[str]:
    keys: set[str] = set()
    for key, value in node.children:
        if key.tag == _MERGE:
            for source in value.value if value.kind == _SEQ else [value.value]:
                keys.update(source)
    return keys


def _merge_keeps(node: _Node, new: dict[str, Any]) -> bool:
    """Whether ``new`` can keep the mapping's ``<<`` merges: it drops no key that a merge brings in."""
    return all(name in new for name in _merge_keys(node))


def _quote_of(nodes: Any) -> str | None:
    """The quote character of the first quoted string among ``nodes`` (their siblings' style)."""
    for node in nodes:
        if node.kind == _SCALAR and isinstance(node.value, str):
            return node.style if node.style in ("'", '"') else None
    return None


def _comment_lines(gap: str) -> str:
    return "".join(line for line in gap.splitlines(keepends=True) if line.lstrip(" \t").startswith("#"))


def _flip_bool(spelled: str, value: bool) -> str:
    word = spelled.lower()
    if word not in _BOOL_WORDS or (word in ("true", "yes", "on", "y")) == value:
        return "true" if value else "false"
    other = _BOOL_WORDS[word]
    if spelled.isupper():
        return other.upper()
    if spelled[:1].isupper():
        return other.capitalize()
    return other


# --- layout detection and the document stream -----------------------------------------------------


def _detect_layout(text: str, docs: list[_Document]) -> _Layout:
    newline_at = text.find("\n")
    newline = "\r\n" if newline_at > 0 and text[newline_at - 1] == "\r" else "\n"
    unit: int | None = None
    seq_offset: int | None = None
    stack = [doc.root for doc in docs]
    visited = 0
    while stack and (unit is None or seq_offset is None) and visited < 10_000:
        node = stack.pop()
        visited += 1
        if not node.block:
            continue
        if node.kind == _SEQ:
            stack.extend(reversed(node.children))
            continue
        for key, value in node.children:
            if value.block and value.children:
                first = value.children[0][0] if value.kind == _MAP else value.children[0]
                indent = _column(text, first.start if value.kind == _MAP else _dash(text, first))
                step = indent - _column(text, key.start)
                if value.kind == _MAP and unit is None and step > 0:
                    unit = step
                elif value.kind == _SEQ and seq_offset is None and step >= 0:
                    seq_offset = step
        stack.extend(reversed([value for _, value in node.children]))
    return _Layout(newline, unit or 2, seq_offset if seq_offset is not None else 0)


def _documents(text: str) -> tuple[list[_Document], bool]:
    composer = _Composer(text)
    return composer.documents(), composer.has_aliases


def update_yaml(original: str, new: Any, *, multi_document: bool) -> str:
    """Rewrite ``original`` YAML text so that it holds ``new``, changing only what differs.

    Comments, blank lines, quoting, flow style, indentation and line endings of everything the change
    does not touch stay byte-identical. ``multi_document`` says that ``new`` is the list of the
    stream's documents (documents that hold nothing are not counted, as when loading).

    Raises:
        yaml.YAMLError: ``original`` is not YAML.
        ValueError: ``multi_document`` does not fit ``original`` or ``new``.
    """
    prefix = "\ufeff" if original.startswith("\ufeff") else ""
    with paused_gc():
        return prefix + _rewrite(original[len(prefix) :], new, multi_document)


def _rewrite(text: str, new: Any, multi_document: bool) -> str:
    # A function of its own so that the parsed nodes are freed before the garbage collector resumes.
    docs, has_aliases = _documents(text)
    splicer = _Splicer(text, _detect_layout(text, docs))
    filled = [doc for doc in docs if doc.root.value is not None] or docs[:1]
    targets = new if multi_document else [new]
    if not isinstance(targets, list) or (not multi_document and len(filled) > 1):
        raise ValueError("multi_document must be true exactly when the text holds several documents")
    _update_stream(splicer, docs, filled, targets, multi_document)
    result = _spliced(text, splicer.edits)
    if has_aliases and not _reads_as(result, new, multi_document):
        # An anchor changed under an alias that kept its value, or items moved across an anchor:
        # render the documents anew rather than write a file that reads back wrong.
        return _fresh(new, multi_document, splicer.layout)
    return result


def _update_stream(
    splicer: _Splicer, docs: list[_Document], filled: list[_Document], new: list[Any], multi_document: bool
) -> None:
    root = _Place("root", 0, None)
    if not docs:
        splicer.edit(0, 0, _fresh(new if multi_document else new[0], multi_document, splicer.layout))
        return
    if len(filled) == len(new):
        for doc, value in zip(filled, new):
            splicer.update(doc.root, value, root)
        return
    match = align_items([doc.root.value for doc in filled], new)
    newline = splicer.layout.newline
    pieces: list[str] = []
    for k, j in enumerate(match):
        if j is None:
            body = _fresh([new[k]], True, splicer.layout)
        else:
            doc = filled[j]
            mark = len(splicer.edits)
            splicer.update(doc.root, new[k], root)
            body = splicer.apply(doc.start, doc.end, splicer.take_edits(mark))
            if pieces and not doc.explicit:
                body = "---" + newline + body
        pieces.append(body if body.endswith("\n") else body + newline)
    start, end = filled[0].start, filled[-1].end
    joined = "".join(pieces)
    if splicer.text[end - 1] != "\n":
        joined = joined.rstrip("\r\n")
    splicer.edit(start, end, joined)


def _spliced(text: str, edits: list[_Edit]) -> str:
    pieces: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda edit: edit.start):
        pieces.append(text[pos : edit.start])
        pieces.append(edit.text)
        pos = edit.end
    pieces.append(text[pos:])
    return "".join(pieces)


def _reads_as(text: str, new: Any, multi_document: bool) -> bool:
    try:
        docs = [doc for doc in yaml.load_all(text, Loader=_Loader) if doc is not None]
    except yaml.YAMLError:
        return False
    loaded = docs if multi_document else (docs[0] if docs else None)
    return canonical(loaded) == canonical(new)


def _fresh(new: Any, multi_document: bool, layout: _Layout) -> str:
    options: dict[str, Any] = {
        "Dumper": yaml.SafeDumper, "sort_keys": False, "allow_unicode": True, "default_flow_style": False,
        "indent": layout.unit, "width": 1 << 30,
    }
    text = yaml.dump_all(new, explicit_start=True, **options) if multi_document else yaml.dump(new, **options)
    return str(text).replace("\n", layout.newline)
