"""YAML codec: PyYAML's C parser with a safe, JSON-shaped constructor.

Values come out as JSON types so that a YAML file and a JSON file of the same data compare equal:
timestamps stay strings, mapping keys become strings, binary stays base64 text, and tags outside
the YAML core schema (``!Ref``, ``!reference``) construct the value they decorate.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import yaml

from ..errors import InputError
from ..model import Document

# Expanded size beyond which a document built from aliases is refused ("billion laughs").
MAX_EXPANDED_NODES = 5_000_000

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
# Plain scalar texts whose resolved tag is remembered (see _Loader.resolve): short ones, bounded.
_TAG_CACHE_TEXT = 128
_TAG_CACHE_SIZE = 1 << 16


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader producing JSON-compatible values and rejecting duplicate keys."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """The resolver's tag, remembered per plain scalar text: it depends on the text alone.

        The implicit resolvers are a list of regexes tried in Python for every plain scalar; the
        same texts recur all over a big file (``true``, ``active``, ``juniper``).
        """
        if kind is yaml.ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= _TAG_CACHE_TEXT and len(self._plain_tags) < _TAG_CACHE_SIZE:
                    self._plain_tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[str, Any]:
        if type(node) is yaml.MappingNode:
            # The common case, built directly: every key a distinct plain string (so no merge keys,
            # nothing to check or convert), string values taken as they are. Anything else, and
            # every error, takes the general way below.
            pairs = node.value
            keys = [key.value for key, _ in pairs if key.tag == _STR and type(key) is yaml.ScalarNode]
            if len(keys) == len(pairs) and len(set(keys)) == len(keys):
                construct = self.construct_object
                return {
                    key: value.value if value.tag == _STR and type(value) is yaml.ScalarNode
                    else construct(value, deep=deep)
                    for key, (_, value) in zip(keys, pairs)
                }
        return self._construct_mapping(node, deep)

    def construct_sequence(self, node: yaml.Node, deep: bool = False) -> list[Any]:
        if type(node) is yaml.SequenceNode:
            construct = self.construct_object
            return [item.value if item.tag == _STR and type(item) is yaml.ScalarNode else construct(item, deep=deep)
                    for item in node.value]
        return super().construct_sequence(node, deep=deep)  # type: ignore[no-any-return]

    def _construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):  # e.g. ``!!map some text``
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, but found a {getattr(node, 'id', 'node')}", node.start_mark)
        # Keys are compared in their JSON (string) form: ``1:`` and ``"1":`` are one key once loaded,
        # while ``1:`` and ``true:`` are two, although Python's dict would merge 1 and True.
        seen: dict[str, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = _key_text(key_node, self.construct_object(key_node, deep=True))
            if key in seen:
                raise _DuplicateKey(
                    None, None, f"duplicate key {key!r} in one mapping (first at line "
                    f"{seen[key].start_mark.line + 1})", key_node.start_mark,
                )
            seen[key] = key_node
        # Merge keys (``<<: *base``) are expanded first; explicit keys then override merged ones.
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (dict, list)):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found a mapping or list used as a key (JSON keys are strings)", key_node.start_mark,
                )
            mapping[_key_text(key_node, key)] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> str:
        return str(node.value)

    def construct_yaml_binary(self, node: yaml.ScalarNode) -> str:
        return "".join(str(node.value).split())

    def construct_yaml_set(self, node: yaml.MappingNode) -> Any:
        yield sorted(_key_string(key) for key in self.construct_mapping(node))

    def construct_unknown_tag(self, tag_suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return self.construct_sequence(node, deep=True)
        return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:binary", _Loader.construct_yaml_binary)
_Loader.add_constructor("tag:yaml.org,2002:set", _Loader.construct_yaml_set)
_Loader.add_multi_constructor("!", _Loader.construct_unknown_tag)
_Loader.add_multi_constructor("tag:", _Loader.construct_unknown_tag)


def compose_all(text: str) -> Iterator[yaml.Node]:
    """The node graph of each document of a YAML stream, tagged as :class:`YamlFormat` loads it
    (timestamps are plain strings), by the C parser with the remembered tags of plain scalars."""
    return yaml.compose_all(text, Loader=_Loader)


def _key_text(node: yaml.Node, key: Any) -> str:
    """A mapping key as a JSON key.

    YAML 1.1 reads plain ``on``/``off``/``yes``/``no`` as booleans; as keys they keep their text, as
    YAML 1.2 (and GitHub Actions' ``on:``) mean them, instead of all becoming ``"true"``/``"false"``.
    (The C parser gives a plain scalar the style ``""``, the Python one ``None``.)
    """
    if isinstance(key, bool) and isinstance(node, yaml.ScalarNode) and not node.style \
            and str(node.value).lower() not in ("true", "false"):
        return str(node.value)
    return _key_string(key)


def _key_string(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _expanded_size(data: Any, limit: int) -> int:
    """Node count with aliases expanded, memoised per shared object so the count itself is cheap."""
    memo: dict[int, int] = {}

    def size(value: Any) -> int:
        if not isinstance(value, (dict, list)):
            return 1
        known = memo.get(id(value))
        if known is not None:
            return known
        children = value.values() if isinstance(value, dict) else value
        total = 1 + sum(size(child) for child in children)
        memo[id(value)] = total
        if total > limit:
            raise OverflowError
        return total

    return size(data)


class YamlFormat:
    """YAML files (``.yaml``, ``.yml``), including multi-document streams."""

    name: str = "yaml"
    extensions: tuple[str, ...] = (".yaml", ".yml")

    def load(self, text: str, name: str, *, coerce: bool = False) -> Document:
        """Parse YAML; several documents load as a list of them (``multi_document``)."""
        if not text or text.isspace():  # (``strip()`` would copy the whole text)
            raise InputError(name, "file is empty")
        try:
            docs = list(yaml.load_all(text, Loader=_Loader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "malformed YAML"
            line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
            raise InputError(name, f"invalid YAML: {problem}", line, col) from None
        except yaml.YAMLError as exc:
            raise InputError(name, f"invalid YAML: {exc}") from None
        except RecursionError:
            raise InputError(name, "invalid YAML: nesting too deep or a recursive alias") from None
        docs = [doc for doc in docs if doc is not None] or [None]
        if len(docs) == 1 and docs[0] is None:
            raise InputError(name, "file holds no YAML document (only comments or '---')")
        for number, doc in enumerate(docs, 1):
            if isinstance(doc, str):
                # Any text without a colon parses as one YAML string (CSV, a log, prose): reading it
                # as a one-value document would make every diff against it a single useless change.
                where = f"document {number}" if len(docs) > 1 else "the top level"
                raise InputError(
                    name, f"{where} is a plain string, not a mapping or a list (is this really YAML? "
                    "name the format with --source-format/--target-format)",
                )
        multi = len(docs) > 1
        data = docs if multi else docs[0]
        if "&" in text:
            self._check_aliases(data, name)
        return Document(data=data, name=name, format=self.name, text=text, multi_document=multi)

    @staticmethod
    def _check_aliases(data: Any, name: str) -> None:
        try:
            _expanded_size(data, MAX_EXPANDED_NODES)
        except OverflowError:
            raise InputError(
                name, f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes; refusing to load"
            ) from None
        except RecursionError:
            raise InputError(name, "a recursive alias (an anchor used inside itself)") from None

    def dump(self, data: Any, *, multi_document: bool = False) -> str:
        """Block-style YAML, keys in their order, non-ASCII kept."""
        dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        options: dict[str, Any] = {
            "Dumper": dumper, "sort_keys": False, "allow_unicode": True, "default_flow_style": False,
        }
        if multi_document:
            return str(yaml.dump_all(data, explicit_start=True, **options))
        return str(yaml.dump(data, **options))

    def update(self, original: str, data: Any, *, multi_document: bool = False) -> str:
        """Re-render keeping comments and layout (see :mod:`.yaml_update`)."""
        from .yaml_update import update_yaml

        return str(update_yaml(original, data, multi_document=multi_document))
