"""``nervsync.yaml`` (or ``[tool.nervsync]`` in pyproject.toml): the named checks ``nervsync check`` runs.

The format is documented in ``docs/check.md`` and published as ``schemas/config.schema.json``.
Loading validates everything up front, so a typo fails at once with one message naming the file,
the line and what is wrong, never half-way through a run::

    nervsync.yaml:7:14: checks[0].lists["spec.args"]: expected "ordered" or "set", got "sorted"
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .errors import InputError, UsageError
from .formats import format_names
from .identity import parse_key_option
from .model import ConflictStrategy, Document, KeyRule, Side, SyncDirection
from .paths import AnyDepth, AnySegment, Field, Index, Pattern, format_path, parse_pattern

CONFIG_NAMES = ("nervsync.yaml", "nervsync.yml")
DEFAULT_ACCEPTED = ".nervsync/accepted.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_TOP_KEYS = ("version", "accepted", "checks")
_CHECK_KEYS = (
    "name", "description", "source", "target", "source_format", "target_format", "coerce",
    "key", "ignore", "lists", "precision", "text", "annotate", "sync",
)
_SYNC_KEYS = ("direction", "strategy", "no_delete", "no_create", "max_deletes", "timestamp_field", "paths")
_PATH_SYNC_KEYS = ("direction", "strategy")
# ``manual`` asks on a terminal; a check runs in CI, where it could only leave conflicts unresolved.
_STRATEGIES = tuple(s.value for s in ConflictStrategy if s is not ConflictStrategy.MANUAL)
_DIRECTIONS = tuple(d.value for d in SyncDirection)

Where = tuple[str | int, ...]
"""A place in the config data: keys and list positions from the top (``("checks", 0, "name")``)."""


@dataclass(frozen=True)
class PathSync:
    """How one path syncs when it differs from the check's ``sync`` settings."""

    pattern: Pattern
    direction: SyncDirection | None = None
    strategy: ConflictStrategy | None = None


@dataclass(frozen=True)
class SyncSettings:
    """What ``nervsync check --fix`` does for one check (``nervsync sync``'s options)."""

    direction: SyncDirection = SyncDirection.SOURCE_TO_TARGET
    strategy: ConflictStrategy = ConflictStrategy.MERGE
    no_delete: bool = False
    no_create: bool = False
    max_deletes: int | None = None
    timestamp_field: str | None = None
    paths: tuple[PathSync, ...] = ()


@dataclass(frozen=True)
class CheckSpec:
    """One named check: which files to compare, and the rules per path.

    Attributes:
        name: unique in the config; names the check on the command line and in reports.
        source, target: files, or globs paired by their path below the glob's fixed folder.
        keys: identity rules (``key``); ignore: patterns left out (``ignore``).
        ignore_order: default list semantics (``lists: set``); lists: ``(pattern, is_set)`` per path.
        precision: default number precision; precisions: ``(pattern, digits)`` per path.
        text: fields compared and shown as text (line by line) and merged as text.
        annotate: the side CI annotations point at for changed values.
        line: where the check starts in the config file (for messages).
    """

    name: str
    source: str
    target: str
    description: str = ""
    source_format: str | None = None
    target_format: str | None = None
    coerce: bool = False
    keys: tuple[KeyRule, ...] = ()
    ignore: tuple[Pattern, ...] = ()
    ignore_order: bool = False
    lists: tuple[tuple[Pattern, bool], ...] = ()
    precision: int | None = None
    precisions: tuple[tuple[Pattern, int], ...] = ()
    text: tuple[Pattern, ...] = ()
    annotate: Side = Side.TARGET
    sync: SyncSettings = field(default_factory=SyncSettings)
    line: int | None = None


@dataclass(frozen=True)
class Config:
    """A loaded config: its checks, where it came from, and where accepted drift is recorded.

    ``root`` is the config file's folder: check paths are relative to it, wherever nervsync runs.
    """

    file: str
    root: FsPath
    checks: tuple[CheckSpec, ...]
    accepted: str = DEFAULT_ACCEPTED

    def select(self, names: list[str]) -> tuple[CheckSpec, ...]:
        """The checks named (all when ``names`` is empty), in config order.

        Raises:
            UsageError: a name is not a check of this config.
        """
        known = {check.name for check in self.checks}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise UsageError(
                f"no check named {unknown[0]!r} in {self.file}{_did_you_mean(unknown[0], known)} "
                f"(checks: {', '.join(sorted(known))})"
            )
        return tuple(check for check in self.checks if not names or check.name in names)

    @property
    def accepted_path(self) -> FsPath:
        """The accepted-drift file, resolved against the config's folder."""
        return self.root / self.accepted


def _did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)


def _shown(where: Where) -> str:
    path = tuple(Index(part) if isinstance(part, int) else Field(part) for part in where)
    return format_path(path) if path else "the top level"


class _Validator:
    """Turns raw config data into :class:`CheckSpec` values, failing at the first problem."""

    def __init__(self, file: str, locate: Callable[[Where], tuple[int, int | None] | None]) -> None:
        self.file = file
        self.locate = locate

    def fail(self, where: Where, message: str) -> InputError:
        found = self.locate(where)
        line, column = found if found else (None, None)
        return InputError(self.file, f"{_shown(where)}: {message}", line, column)

    def mapping(self, value: Any, where: Where, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {_type_name(value)}")
        for key in value:
            if key not in allowed:
                hint = _did_you_mean(str(key), allowed) or f" (allowed: {', '.join(allowed)})"
                raise self.fail((*where, key), f"unknown setting {key!r}{hint}")
        return value

    def string(self, value: Any, where: Where) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected a non-empty string, got {_type_name(value)}")
        return value

    def boolean(self, value: Any, where: Where) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {_type_name(value)}")
        return value

    def integer(self, value: Any, where: Where, low: int, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            bounds = f"{low}..{high}" if high is not None else f">= {low}"
            raise self.fail(where, f"expected a whole number {bounds}, got {value!r}")
        return value

    def choice(self, value: Any, where: Where, options: tuple[str, ...]) -> str:
        if value not in options:
            listed = " or ".join(f'"{option}"' for option in options)
            raise self.fail(where, f"expected {listed}, got {value!r}{_did_you_mean(str(value), options)}")
        return str(value)

    def pattern(self, value: Any, where: Where) -> Pattern:
        try:
            return parse_pattern(self.string(value, where))
        except UsageError as exc:
            raise self.fail(where, exc.message) from None

    def patterns(self, value: Any, where: Where) -> tuple[Pattern, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.fail(where, f"expected a path pattern or a list of them, got {_type_name(value)}")
        return tuple(self.pattern(item, (*where, i)) for i, item in enumerate(items))

    def per_path(self, value: Any, where: Where, read: Callable[[Any, Where], Any]) -> tuple[Any, tuple[Any, ...]]:
        """``value`` for every path, or ``{pattern: value}``: returns (default, ((pattern, v), ...))."""
        if not isinstance(value, dict):
            return read(value, where), ()
        rules = tuple((self.pattern(key, (*where, key)), read(item, (*where, key))) for key, item in value.items())
        return None, rules

    # -- the config ---------------------------------------------------------------------------

    def config(self, data: Any, file: str, root: FsPath) -> Config:
        top = self.mapping(data, (), _TOP_KEYS)
        if "version" in top and top["version"] != 1:
            raise self.fail(("version",), f"unsupported version {top['version']!r} (this nervsync reads version 1)")
        accepted = self.string(top["accepted"], ("accepted",)) if "accepted" in top else DEFAULT_ACCEPTED
        if "checks" not in top:
            raise self.fail((), "missing 'checks': a list of checks, each with name, source and target")
        raw_checks = top["checks"]
        if not isinstance(raw_checks, list) or not raw_checks:
            raise self.fail(("checks",), f"expected a non-empty list of checks, got {_type_name(raw_checks)}")
        checks = tuple(self.check(raw, ("checks", i)) for i, raw in enumerate(raw_checks))
        seen: dict[str, int] = {}
        for i, check in enumerate(checks):
            if check.name in seen:
                raise self.fail(("checks", i, "name"), f"duplicate check name {check.name!r} "
                                f"(also checks[{seen[check.name]}])")
            seen[check.name] = i
        return Config(file=file, root=root, checks=checks, accepted=accepted)

    def check(self, raw: Any, where: Where) -> CheckSpec:
        data = self.mapping(raw, where, _CHECK_KEYS)
        for required in ("name", "source", "target"):
            if required not in data:
                raise self.fail(where, f"missing {required!r} (every check needs name, source and target)")
        name = self.string(data["name"], (*where, "name"))
        if not _NAME.match(name):
            raise self.fail((*where, "name"), f"bad check name {name!r}: use letters, digits, '_', '.', '-'")
        source = self.string(data["source"], (*where, "source"))
        target = self.string(data["target"], (*where, "target"))
        if _is_glob(source) != _is_glob(target):
            raise self.fail((*where, "target"), "source and target must both be globs or both be files")
        ignore_order, lists = self.per_path(data.get("lists", "ordered"), (*where, "lists"), self.list_mode)
        precision, precisions = self.per_path(data.get("precision"), (*where, "precision"), self.digits)
        found = self.locate(where)
        return CheckSpec(
            name=name, source=source, target=target,
            description=self.string(data["description"], (*where, "description")) if "description" in data else "",
            source_format=self.format(data.get("source_format"), (*where, "source_format")),
            target_format=self.format(data.get("target_format"), (*where, "target_format")),
            coerce=self.boolean(data.get("coerce", False), (*where, "coerce")),
            keys=self.keys(data.get("key"), (*where, "key")),
            ignore=self.patterns(data.get("ignore", []), (*where, "ignore")),
            ignore_order=bool(ignore_order), lists=lists,
            precision=precision, precisions=precisions,
            text=self.patterns(data.get("text", []), (*where, "text")),
            annotate=Side(self.choice(data.get("annotate", "target"), (*where, "annotate"), ("source", "target"))),
            sync=self.sync(data.get("sync", {}), (*where, "sync")),
            line=found[0] if found else None,
        )

    def list_mode(self, value: Any, where: Where) -> bool:
        return self.choice(value, where, ("ordered", "set")) == "set"

    def digits(self, value: Any, where: Where) -> int | None:
        return None if value is None else self.integer(value, where, 0, 15)

    def format(self, value: Any, where: Where) -> str | None:
        return None if value is None else self.choice(value, where, tuple(format_names()))

    def keys(self, value: Any, where: Where) -> tuple[KeyRule, ...]:
        """``key: id``, ``key: [id, "records=site,rack"]`` or ``key: {records: id, spec.containers: name}``."""
        if value is None:
            return ()
        if isinstance(value, dict):
            return tuple(self.key_rule(key, fields, (*where, key)) for key, fields in value.items())
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.fail(where, "expected a field, a list, or a mapping of list path to fields, "
                            f"got {_type_name(value)}")
        rules = []
        for i, item in enumerate(items):
            try:
                rules.append(parse_key_option(self.string(item, (*where, i))))
            except UsageError as exc:
                raise self.fail((*where, i), exc.message) from None
        return tuple(rules)

    def key_rule(self, path: str, fields: Any, where: Where) -> KeyRule:
        names = [fields] if isinstance(fields, str) else fields
        if not isinstance(names, list) or not names:
            raise self.fail(where, f"expected a field name or a list of them, got {_type_name(fields)}")
        texts = [self.string(name, (*where, i)) for i, name in enumerate(names)]
        parts = tuple(part.strip() for text in texts for part in text.split(","))
        if not all(parts):
            raise self.fail(where, "empty key field name")
        return KeyRule(parts, self.pattern(path, where))

    def sync(self, value: Any, where: Where) -> SyncSettings:
        data = self.mapping(value, where, _SYNC_KEYS)
        max_deletes = data.get("max_deletes")
        timestamp = data.get("timestamp_field")
        return SyncSettings(
            direction=SyncDirection(self.choice(data.get("direction", "source-to-target"), (*where, "direction"),
                                                _DIRECTIONS)),
            strategy=ConflictStrategy(self.choice(data.get("strategy", "merge"), (*where, "strategy"), _STRATEGIES)),
            no_delete=self.boolean(data.get("no_delete", False), (*where, "no_delete")),
            no_create=self.boolean(data.get("no_create", False), (*where, "no_create")),
            max_deletes=None if max_deletes is None else self.integer(max_deletes, (*where, "max_deletes"), 0),
            timestamp_field=None if timestamp is None else self.string(timestamp, (*where, "timestamp_field")),
            paths=self.path_syncs(data.get("paths", {}), (*where, "paths")),
        )

    def path_syncs(self, value: Any, where: Where) -> tuple[PathSync, ...]:
        """``paths: {metadata.annotations: target-wins, status: {direction: target-to-source}}``."""
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping of path to strategy, got {_type_name(value)}")
        return tuple(self.path_sync(key, item, (*where, key)) for key, item in value.items())

    def path_sync(self, path: str, value: Any, where: Where) -> PathSync:
        pattern = self.pattern(path, where)
        if isinstance(value, str):
            return PathSync(pattern, strategy=ConflictStrategy(self.choice(value, where, _STRATEGIES)))
        data = self.mapping(value, where, _PATH_SYNC_KEYS)
        if not data:
            raise self.fail(where, "expected a strategy, or a mapping with direction and/or strategy")
        direction = data.get("direction")
        if direction is not None and any(isinstance(s, (AnySegment, AnyDepth)) or _glob_field(s) for s in pattern):
            raise self.fail(where, "a direction applies to one concrete path; "
                            "wildcards are allowed with a strategy only")
        strategy = data.get("strategy")
        return PathSync(
            pattern,
            direction=None if direction is None else SyncDirection(self.choice(direction, (*where, "direction"),
                                                                               _DIRECTIONS)),
            strategy=None if strategy is None else ConflictStrategy(self.choice(strategy, (*where, "strategy"),
                                                                                _STRATEGIES)),
        )


def _glob_field(segment: Any) -> bool:
    return isinstance(segment, Field) and ("*" in segment.name or "?" in segment.name)


def _is_glob(path: str) -> bool:
    return any(char in path for char in "*?[")


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------


def _yaml_lines(document: Document) -> Callable[[Where], tuple[int, int | None] | None]:
    from .positions import PositionFinder

    finder = PositionFinder(document)

    def locate(where: Where) -> tuple[int, int | None] | None:
        path = tuple(Index(part) if isinstance(part, int) else Field(part) for part in where)
        found = finder.find(path)
        return (found.line, found.column) if found else None

    return locate


def _toml_lines(text: str) -> Callable[[Where], tuple[int, int | None] | None]:
    """Lines of ``[tool.nervsync]`` tables and keys, found by a line scan (tomllib keeps none).

    Good for the layouts people write (``[[tool.nervsync.checks]]`` tables, ``key = value`` lines);
    a place it cannot see is reported at its nearest enclosing table or key.
    """
    lines: dict[Where, int] = {}
    counts: dict[Where, int] = {}
    table: Where | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = re.match(r"(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
        if header:
            table = _toml_table(header.group(2), header.group(1) == "[[", counts)
            if table is not None:
                lines.setdefault(table, number)
            continue
        assignment = re.match(r"([A-Za-z0-9_.\"' -]+?)\s*=", line)
        if table is not None and assignment:
            key = tuple(part.strip().strip("\"'") for part in assignment.group(1).split("."))
            lines.setdefault((*table, *key), number)

    def locate(where: Where) -> tuple[int, int | None] | None:
        for end in range(len(where), -1, -1):
            if where[:end] in lines:
                return lines[where[:end]], None
        return None

    return locate


def _toml_table(name: str, array: bool, counts: dict[Where, int]) -> Where | None:
    parts = tuple(part.strip().strip("\"'") for part in name.split("."))
    if parts[:2] != ("tool", "nervsync"):
        return None
    where: Where = ()
    names = parts[2:]
    for i, part in enumerate(names):
        where = (*where, part)
        opens_item = array and i == len(names) - 1
        if where in counts and not opens_item:  # a table inside the latest item of an array of tables
            where = (*where, counts[where] - 1)
    if array:
        counts[where] = counts.get(where, 0) + 1
        where = (*where, counts[where] - 1)
    return where


def _read_text(path: FsPath, shown: str) -> str:
    from .files import decode, read_bytes

    return decode(read_bytes(str(path)), shown)[0]


def load_config(path: str | FsPath) -> Config:
    """Load and validate a config: ``*.toml`` reads ``[tool.nervsync]``, anything else is YAML.

    Raises:
        InputError: unreadable, malformed or invalid; names the file, line and what is wrong.
    """
    file = FsPath(path)
    shown = str(path)
    text = _read_text(file, shown)
    root = file.resolve().parent
    if file.suffix == ".toml":
        return _load_toml(text, shown, root)
    from .formats import get_format

    document = get_format("yaml").load(text, shown)
    return _Validator(shown, _yaml_lines(document)).config(document.data, shown, root)


def _load_toml(text: str, shown: str, root: FsPath) -> Config:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        raise UsageError(f"{shown}: reading [tool.nervsync] needs Python 3.11 or later; use nervsync.yaml") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(shown, f"invalid TOML: {exc}") from None
    section = data.get("tool", {}).get("nervsync")
    if section is None:
        raise InputError(shown, "no [tool.nervsync] section")
    return _Validator(shown, _toml_lines(text)).config(section, shown, root)


def _has_tool_section(pyproject: FsPath) -> bool:
    text = pyproject.read_text(encoding="utf-8", errors="replace")
    return re.search(r"^\s*\[\[?\s*tool\.nervsync\b", text, re.MULTILINE) is not None


def find_config(folder: str | FsPath = ".") -> FsPath:
    """The config of ``folder``: ``nervsync.yaml`` (or ``.yml``), else a pyproject.toml with ``[tool.nervsync]``.

    Raises:
        UsageError: there is none.
    """
    base = FsPath(folder)
    for name in CONFIG_NAMES:
        if (base / name).is_file():
            return base / name
    pyproject = base / "pyproject.toml"
    if pyproject.is_file() and _has_tool_section(pyproject):
        return pyproject
    raise UsageError(
        f"no nervsync.yaml (or [tool.nervsync] in pyproject.toml) in {base.resolve()}; "
        "create one (see docs/check.md) or pass --config FILE"
    )


def config_from_data(data: Mapping[str, Any], file: str = "<config>", root: str | FsPath = ".") -> Config:
    """Validate an in-memory config (tests, tools embedding nervsync); errors carry no line numbers.

    Raises:
        InputError: the data is not a valid config.
    """
    return _Validator(file, lambda _where: None).config(dict(data), file, FsPath(root).resolve())


__all__ = [
    "CONFIG_NAMES",
    "CheckSpec",
    "Config",
    "PathSync",
    "SyncSettings",
    "config_from_data",
    "find_config",
    "load_config",
]
