"""Where a value sits in its file: the line (and column) of a nervsync path, for reports and CI.

Positions are computed lazily, for the changes reported only: a :class:`PositionFinder` reads nothing until
its first lookup, and then walks just the path asked for, caching what it learns (the members of
a mapping, the items of a list by key) for the next lookups. Each format has its own navigator:

* JSON: a position-aware walk over the text that skips the values it does not enter with the
  standard library's C decoder (``raw_decode``), so a lookup costs about one parse of what it skips;
* YAML: PyYAML's ``compose()`` (C parser when available), whose nodes carry marks;
* CSV/TSV: the physical line where each row starts (``csv.reader.line_num``); the column is the
  cell's index (1-based), not a character offset.

List items named by ``Match`` segments are found with the same rule as :mod:`.identity`: the item
whose key fields, in their text form (:func:`~nervsync_cli.paths.key_text`), equal the segment's.
A mapping value is reported at its key's line when it is a mapping or a list (the value starts on
the next line), at the value itself when it is a scalar.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from .files import gc_paused
from .formats.yaml_format import compose_all
from .identity import key_of
from .model import MISSING, Change, ChangeKind, Diff, Document
from .paths import Field, Index, Match, Path, Segment, key_text
from .tree import get_at
from .values import equal


@dataclass(frozen=True)
class Position:
    """A place in a file.

    Attributes:
        file: the file's name as the user gave it.
        line: 1-based line.
        column: 1-based column (characters for JSON and YAML, the cell number for CSV), if known.
        exact: ``False`` when the path itself is not in the file: the position is then that of the
            nearest enclosing value that is (the mapping or list it would belong to).
    """

    file: str
    line: int
    column: int | None = None
    exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"file", "line", "column"?, "exact"}``."""
        out: dict[str, Any] = {"file": self.file, "line": self.line}
        if self.column is not None:
            out["column"] = self.column
        out["exact"] = self.exact
        return out

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column is not None else "")


@dataclass(frozen=True)
class _Spot:
    """A value found on the way down: a format-specific handle, and where to report it."""

    ref: Any
    line: int
    column: int | None


class _Lines:
    """Offset -> (line, column) by binary search over the newline offsets."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        line: int = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def _item_key(item: Any, segment: Match) -> tuple[str, ...] | None:
    return key_of(item, tuple(name for name, _ in segment.fields))


def _wanted(segment: Match) -> tuple[str, ...]:
    return tuple(value for _, value in segment.fields)


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


class _JsonNavigator:
    """Walks JSON text by offsets; the values it does not enter are skipped by the C decoder."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _Lines(text)
        self.decoder = json.JSONDecoder()
        self.members: dict[int, dict[str, tuple[int, int]]] = {}
        self.elements: dict[int, list[int]] = {}
        self.keyed: dict[tuple[int, tuple[str, ...]], dict[tuple[str, ...], int]] = {}

    def _ws(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def _after_value(self, pos: int) -> int:
        """Offset of the ``,``, ``}`` or ``]`` after the value at ``pos``."""
        return self._ws(self.decoder.raw_decode(self.text, pos)[1])

    def root(self) -> _Spot:
        pos = self._ws(0)
        return _Spot(pos, *self.lines(pos))

    def step(self, spot: _Spot, segment: Segment) -> _Spot | None:
        pos: int = spot.ref
        opener = self.text[pos]
        if isinstance(segment, Field):
            if opener != "{":
                return None
            entry = self._members_of(pos).get(segment.name)
            if entry is None:
                return None
            key_pos, value_pos = entry
            shown = key_pos if self.text[value_pos] in "{[" else value_pos
            return _Spot(value_pos, *self.lines(shown))
        if opener != "[":
            return None
        found = self._element(pos, segment.index) if isinstance(segment, Index) else self._keyed(pos, segment)
        return None if found is None else _Spot(found, *self.lines(found))

    def _members_of(self, pos: int) -> dict[str, tuple[int, int]]:
        known = self.members.get(pos)
        if known is None:
            known = self.members[pos] = self._scan_object(pos)
        return known

    def _scan_object(self, pos: int) -> dict[str, tuple[int, int]]:
        members: dict[str, tuple[int, int]] = {}
        pos = self._ws(pos + 1)
        while self.text[pos] == '"':
            match = _STRING.match(self.text, pos)
            assert match is not None
            raw = match.group()
            key = raw[1:-1] if "\\" not in raw else str(json.loads(raw))
            value = self._ws(self._ws(match.end()) + 1)  # past the colon
            members[key] = (pos, value)
            pos = self._after_value(value)
            pos = self._ws(pos + 1) if self.text[pos] == "," else pos
        return members

    def _elements_of(self, pos: int) -> list[int]:
        known = self.elements.get(pos)
        if known is None:
            known = self.elements[pos] = []
            pos = self._ws(pos + 1)
            while self.text[pos] != "]":
                known.append(pos)
                pos = self._after_value(pos)
                pos = self._ws(pos + 1) if self.text[pos] == "," else pos
        return known

    def _element(self, pos: int, index: int) -> int | None:
        items = self._elements_of(pos)
        return items[index] if -len(items) <= index < len(items) else None

    def _keyed(self, pos: int, segment: Match) -> int | None:
        fields = tuple(name for name, _ in segment.fields)
        index = self.keyed.get((pos, fields))
        if index is None:
            index = self.keyed[(pos, fields)] = {}
            for item_pos in self._elements_of(pos):
                key = key_of(self.decoder.raw_decode(self.text, item_pos)[0], fields)
                if key is not None:
                    index.setdefault(key, item_pos)
        return index.get(_wanted(segment))


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------

_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class _ScalarValues(yaml.constructor.SafeConstructor):
    """Scalar values as nervsync loads them (timestamps stay text), for matching keys."""


_ScalarValues.add_constructor("tag:yaml.org,2002:timestamp", lambda _self, node: str(node.value))


class _Documents:
    """The documents of a YAML stream, as one list."""

    def __init__(self, nodes: list[yaml.Node]) -> None:
        self.value = nodes


class _YamlNavigator:
    """Walks composed YAML nodes; a mapping's keys and a list's keys are read once, when first needed."""

    def __init__(self, text: str, stream: bool) -> None:
        # A node per scalar, millions for a big file: with the collector on, it would rescan the
        # growing graph again and again (most of the time of composing it).
        with gc_paused():
            documents = [doc for doc in compose_all(text)
                         if not (isinstance(doc, yaml.ScalarNode) and doc.tag == _NULL)]
        self.top: Any = _Documents(documents) if stream else documents[0]
        self.scalars = _ScalarValues()
        self.members: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}
        self.keyed: dict[tuple[int, tuple[str, ...]], dict[tuple[str, ...], yaml.Node]] = {}

    @staticmethod
    def _at(node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def root(self) -> _Spot:
        first = self.top.value[0] if isinstance(self.top, _Documents) and self.top.value else self.top
        return _Spot(self.top, *self._at(first) if isinstance(first, yaml.Node) else (1, 1))

    def step(self, spot: _Spot, segment: Segment) -> _Spot | None:
        node = spot.ref
        if isinstance(segment, Field):
            if not isinstance(node, yaml.MappingNode):
                return None
            entry = self._members_of(node).get(segment.name)
            if entry is None:
                return None
            key_node, value_node = entry
            return _Spot(value_node, *self._at(value_node if isinstance(value_node, yaml.ScalarNode) else key_node))
        if not isinstance(node, (yaml.SequenceNode, _Documents)):
            return None
        items: list[yaml.Node] = node.value
        if isinstance(segment, Index):
            found = items[segment.index] if -len(items) <= segment.index < len(items) else None
        else:
            found = self._keyed(node, items, segment)
        return None if found is None else _Spot(found, *self._at(found))

    def scalar_text(self, node: yaml.ScalarNode) -> str:
        """A scalar's value in key form (:func:`~nervsync_cli.paths.key_text`)."""
        if node.tag == _STR:  # most keys and key fields: the text is the value
            return str(node.value)
        try:
            return key_text(self.scalars.construct_object(node))
        except yaml.YAMLError:
            return str(node.value)  # a custom tag (``!Ref x``) decorates its plain value

    def _key_text(self, node: yaml.Node) -> str:
        """A mapping key in its JSON form, as :mod:`.formats.yaml_format` makes it."""
        if not isinstance(node, yaml.ScalarNode):
            return str(node.value)
        text = self.scalar_text(node)
        # YAML 1.1 reads plain on/off/yes/no as booleans; as keys nervsync keeps their text.
        if text in ("true", "false") and not node.style and str(node.value).lower() not in ("true", "false"):
            return str(node.value)
        return text

    def _members_of(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        known = self.members.get(id(node))
        if known is not None:
            return known
        explicit: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        merged: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                explicit[self._key_text(key_node)] = (key_node, value_node)
                continue
            # ``<<: *base`` (or a list of them): keys come from the anchors; explicit keys win.
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    for name, entry in self._members_of(source).items():
                        merged.setdefault(name, entry)
        known = self.members[id(node)] = {**merged, **explicit}
        return known

    def _field_text(self, node: yaml.Node, name: str) -> str | None:
        for part in name.split("."):
            if not isinstance(node, yaml.MappingNode):
                return None
            entry = self._members_of(node).get(part)
            if entry is None:
                return None
            node = entry[1]
        return self.scalar_text(node) if isinstance(node, yaml.ScalarNode) else None

    def _keyed(self, owner: Any, items: list[yaml.Node], segment: Match) -> yaml.Node | None:
        fields = tuple(name for name, _ in segment.fields)
        index = self.keyed.get((id(owner), fields))
        if index is None:
            index = self.keyed[(id(owner), fields)] = {}
            for item in items:
                values = [self._field_text(item, name) for name in fields]
                if all(value is not None for value in values):
                    index.setdefault(tuple(str(value) for value in values), item)
        return index.get(_wanted(segment))


# --------------------------------------------------------------------------------------------
# CSV / TSV
# --------------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    cells: dict[str, tuple[int, str]]  # column -> (cell number, text)


class _CsvNavigator:
    """The rows of a table, each at the line where it starts; read in one pass on the first lookup."""

    def __init__(self, text: str, delimiter: str | None) -> None:
        from .formats.csv_format import sniff_dialect

        reader = csv.reader(io.StringIO(text, newline=""), sniff_dialect(text, delimiter), strict=True)
        header = next(reader)
        self.rows: list[_Row] = []
        previous_end = reader.line_num
        for row in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if row:  # a blank line is not a row, as the codec reads it
                self.rows.append(_Row(start, {name: (number, cell) for number, (name, cell)
                                              in enumerate(zip(header, row), 1)}))
        self.keyed: dict[tuple[str, ...], dict[tuple[str, ...], _Row]] = {}

    def root(self) -> _Spot:
        return _Spot(self, 1, None)

    def step(self, spot: _Spot, segment: Segment) -> _Spot | None:
        if isinstance(spot.ref, _Row):
            cell = spot.ref.cells.get(segment.name) if isinstance(segment, Field) else None
            return None if cell is None else _Spot(cell[1], spot.ref.line, cell[0])
        if spot.ref is not self or isinstance(segment, Field):
            return None
        if isinstance(segment, Index):
            row = self.rows[segment.index] if -len(self.rows) <= segment.index < len(self.rows) else None
        else:
            row = self._keyed(segment)
        return None if row is None else _Spot(row, row.line, None)

    def _keyed(self, segment: Match) -> _Row | None:
        fields = tuple(name for name, _ in segment.fields)
        index = self.keyed.get(fields)
        if index is None:
            index = self.keyed[fields] = {}
            for row in self.rows:
                values = [row.cells.get(name) for name in fields]
                if all(value is not None for value in values):
                    index.setdefault(tuple(value[1] for value in values if value is not None), row)
        return index.get(_wanted(segment))


class _OneDocumentStream:
    """A single document that :func:`~nervsync_cli.diff.as_streams` made a stream of one."""

    def __init__(self, inner: _JsonNavigator | _CsvNavigator, data: Any) -> None:
        self.inner = inner
        self.document = data[0] if isinstance(data, list) and data else None

    def root(self) -> _Spot:
        inner = self.inner.root()
        return _Spot(self, inner.line, inner.column)

    def step(self, spot: _Spot, segment: Segment) -> _Spot | None:
        if not isinstance(spot.ref, _OneDocumentStream):
            return self.inner.step(spot, segment)
        if isinstance(segment, Index) and segment.index in (0, -1):
            return self.inner.root()
        if isinstance(segment, Match) and _item_key(self.document, segment) == _wanted(segment):
            return self.inner.root()
        return None


_Navigator = _JsonNavigator | _YamlNavigator | _CsvNavigator | _OneDocumentStream


class PositionFinder:
    """Finds paths in one document's text; nothing is read before the first lookup."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._navigator: _Navigator | None = None

    def _open(self) -> _Navigator | None:
        text = self.document.text
        if self._navigator is None and text is not None and text.strip():
            fmt = self.document.format
            if fmt == "yaml":
                self._navigator = _YamlNavigator(text, self.document.multi_document)
                return self._navigator
            inner: _JsonNavigator | _CsvNavigator = (
                _CsvNavigator(text, "\t" if fmt == "tsv" else None) if fmt in ("csv", "tsv") else _JsonNavigator(text))
            self._navigator = _OneDocumentStream(inner, self.document.data) if self.document.multi_document else inner
        return self._navigator

    def find(self, path: Path) -> Position | None:
        """Where ``path`` is, or its nearest existing ancestor (``exact=False``).

        ``None`` for documents without text (in memory) or whose text cannot be read again.
        """
        try:
            navigator = self._open()
            if navigator is None:
                return None
            spot = navigator.root()
            for segment in path:
                child = navigator.step(spot, segment)
                if child is None:
                    return Position(self.document.name, spot.line, spot.column, exact=False)
                spot = child
        except (yaml.YAMLError, csv.Error, ValueError, IndexError, StopIteration):
            return None
        return Position(self.document.name, spot.line, spot.column)


# --------------------------------------------------------------------------------------------
# Changes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangePositions:
    """Where a change's value is on each side (``None`` where unknown)."""

    source: Position | None
    target: Position | None

    def to_dict(self) -> dict[str, Any]:
        """``{"source": {...}, "target": {...}}``, sides without a position left out."""
        out: dict[str, Any] = {}
        if self.source is not None:
            out["source"] = self.source.to_dict()
        if self.target is not None:
            out["target"] = self.target.to_dict()
        return out


def _before_first_index(path: Path) -> Path:
    for i, segment in enumerate(path):
        if isinstance(segment, Index):
            return path[:i]
    return path


def _side_position(finder: PositionFinder, change: Change, value: Any, indexes_are_ours: bool) -> Position | None:
    """One side's position: the value itself, or where it would be when this side lacks it.

    ``[n]`` segments count positions on one side only (SOURCE for changed and removed items, TARGET
    for added ones). On the other side the same number may name a different item, so it is trusted
    only when the value found there is the change's value; otherwise the enclosing list is given.
    """
    path = change.path
    if value is MISSING:
        path = path[:-1] if indexes_are_ours else _before_first_index(path[:-1])
        found = finder.find(path)
        return Position(found.file, found.line, found.column, exact=False) if found else None
    if (not indexes_are_ours and any(isinstance(s, Index) for s in path)
            and not equal(get_at(finder.document.data, path), value)):
        found = finder.find(_before_first_index(path))
        return Position(found.file, found.line, found.column, exact=False) if found else None
    return finder.find(path)


def locate_change(change: Change, source: PositionFinder, target: PositionFinder,
                  target_root: tuple[Path, Path] | None = None) -> ChangePositions:
    """The positions of one change's value in SOURCE and in TARGET.

    ``target_root`` is ``(source_root, target_root)`` when the diff compared different subtrees
    (``diff_documents(..., path, target_path)``): change paths are in SOURCE's terms and are moved
    under TARGET's root for the TARGET lookup.
    """
    added = change.kind is ChangeKind.ADDED
    target_change = change
    if target_root is not None:
        source_base, target_base = target_root
        target_change = Change(change.kind, (*target_base, *change.path[len(source_base):]),
                               change.source, change.target)
    return ChangePositions(
        source=_side_position(source, change, change.source, indexes_are_ours=not added),
        target=_side_position(target, target_change, change.target, indexes_are_ours=added),
    )


def add_positions(report: dict[str, Any], diff: Diff, source: Document, target: Document,
                  roots: tuple[Path, Path] | None = None) -> dict[str, Any]:
    """Add ``"positions"`` to every change of a ``diff`` JSON report, in place, and return it.

    ``report["changes"]`` must be ``[c.to_dict() for c in diff.changes]`` (same order). Each change
    gains ``{"positions": {"source": {"file", "line", "column"?, "exact"}, "target": {...}}}``.
    Both files are scanned once, and only if there is a change to place.
    """
    with gc_paused():
        positions = locate_all(diff.changes, PositionFinder(source), PositionFinder(target), roots)
    for entry, found in zip(report["changes"], positions):
        entry["positions"] = found.to_dict()
    return report


def locate_all(changes: list[Change], source: PositionFinder, target: PositionFinder,
               roots: tuple[Path, Path] | None = None) -> list[ChangePositions]:
    """:func:`locate_change` of every change.

    Run it with the collector paused (``files.gc_paused``), and let the finders go when it
    returns: they hold whole parsed texts (a YAML node per scalar, millions for a big file),
    which collections would rescan again and again, and which reference counting frees alone.
    """
    return [locate_change(change, source, target, roots) for change in changes]
