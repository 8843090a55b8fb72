"""Saved sync plans: ``nervsync sync --plan-out PLAN.json``, then ``nervsync apply PLAN.json``.

A plan file is JSON (schema ``schemas/plan.schema.json``, ``schema_version`` 1)::

    {"schema_version": 1, "kind": "nervsync-plan", "created_at": "2026-05-01T12:00:00Z",
     "source": {"file": "a.yaml", "format": "yaml", "sha256": "…", "size": 812},
     "target": {"file": "b.json", "format": "json", "sha256": "…", "size": 790},
     "settings": {"direction": "source-to-target", "strategy": "merge", "coerce": false},
     "operations": {"source": [],
                    "target": [{"op": "set", "path": "records[id=7].status",
                                "old": "active", "value": "offline"}]},
     "conflicts": [], "unresolved": 0, "warnings": []}

Two guards keep a plan from being applied to files it was not made for: the SHA-256 of each
file's bytes when the plan was made, and the old value of every path an operation touches
(``old``; an ``add`` expects its path to be absent). Applying checks both for both files before
writing anything, and refuses a plan with unresolved conflicts. Paths use nervsync's syntax
(:func:`~nervsync_cli.paths.format_path`); file names are as given on the command line, so a plan
is applied from the directory it was made in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .apply import applied_copy
from .diff import as_streams
from .errors import InputError, RefusedError, UsageError
from .files import STDIN, atomic_write, decode, document_bytes, read_bytes
from .formats import get_format
from .model import MISSING, Conflict, Document, Op, OpKind, Side, SyncOptions
from .paths import format_path, parse_path
from .plan import SyncPlan
from .tree import get_at
from .values import equal
from .write import write_document

PLAN_SCHEMA_VERSION = 1
PLAN_KIND = "nervsync-plan"


@dataclass(frozen=True)
class FileGuard:
    """One file of a plan: where it is, how it parses, and the fingerprint of its bytes."""

    file: str
    format: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"file": self.file, "format": self.format, "sha256": self.sha256, "size": self.size}


@dataclass
class PlanFile:
    """A sync plan with what is needed to apply it later, exactly and only to the same files."""

    source: FileGuard
    target: FileGuard
    plan: SyncPlan
    direction: str
    strategy: str
    coerce: bool = False
    created_at: str = field(default_factory=lambda: _now())

    def guard(self, side: Side) -> FileGuard:
        """The guard of one side."""
        return self.source if side is Side.SOURCE else self.target


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def file_guard(document: Document) -> FileGuard:
    """The guard of a loaded file.

    Raises:
        UsageError: the document came from standard input, which a later apply cannot read again.
    """
    if document.name == STDIN:
        raise UsageError("a plan needs files it can check again later; standard input (-) cannot be planned")
    # The bytes that were parsed, not a second read of the file.
    data = document_bytes(document)
    if data is None:
        raise UsageError(f"{document.name}: an in-memory document has no file to guard")
    return FileGuard(document.name, document.format, hashlib.sha256(data).hexdigest(), len(data))


def make_plan_file(source: Document, target: Document, plan: SyncPlan, options: SyncOptions, *,
                   coerce: bool = False) -> PlanFile:
    """A plan file for ``plan``, made from the loaded ``source`` and ``target``.

    Raises:
        UsageError: a side is standard input.
    """
    return PlanFile(file_guard(source), file_guard(target), plan, options.direction.value,
                    options.strategy.value, coerce)


# --- JSON form ---------------------------------------------------------------------------------------


def op_to_dict(op: Op) -> dict[str, Any]:
    """An operation in the plan's JSON form: ``op``, ``path``, ``old`` and ``value`` where they apply,
    and ``after`` (the sibling a new keyed item goes after)."""
    out = op.to_dict()
    if op.after is not None:
        out["after"] = format_path(op.after)
    return out


def plan_to_dict(plan_file: PlanFile) -> dict[str, Any]:
    """The plan's JSON form (``schemas/plan.schema.json``)."""
    plan = plan_file.plan
    return {
        "schema_version": PLAN_SCHEMA_VERSION,
        "kind": PLAN_KIND,
        "created_at": plan_file.created_at,
        "source": plan_file.source.to_dict(),
        "target": plan_file.target.to_dict(),
        "settings": {"direction": plan_file.direction, "strategy": plan_file.strategy, "coerce": plan_file.coerce},
        "operations": {
            "source": [op_to_dict(op) for op in plan.source_ops],
            "target": [op_to_dict(op) for op in plan.target_ops],
        },
        "conflicts": [conflict.to_dict() for conflict in plan.conflicts],
        "unresolved": len(plan.unresolved),
        "warnings": list(plan.warnings),
    }


def dump_plan(plan_file: PlanFile) -> str:
    """The plan as indented JSON text."""
    return json.dumps(plan_to_dict(plan_file), indent=2, ensure_ascii=False) + "\n"


def write_plan(path: str, plan_file: PlanFile) -> None:
    """Write the plan atomically (``-`` for standard output)."""
    atomic_write(path, dump_plan(plan_file))


class _Reader:
    """Reads a plan's JSON form, naming the file and the member at fault when it is malformed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, where: str, why: str) -> InputError:
        return InputError(self.name, f"not a valid nervsync plan: {where}: {why}")

    def member(self, data: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if not isinstance(data, dict) or key not in data:
            raise self.fail(where, f"missing {key!r}")
        value = data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}.{key}", f"expected {getattr(kind, '__name__', 'another type')}")
        return value

    def guard(self, data: Any, where: str) -> FileGuard:
        guard = FileGuard(
            self.member(data, "file", str, where), self.member(data, "format", str, where),
            self.member(data, "sha256", str, where), self.member(data, "size", int, where),
        )
        if len(guard.sha256) != 64 or any(c not in "0123456789abcdef" for c in guard.sha256):
            raise self.fail(f"{where}.sha256", "expected 64 lowercase hex digits")
        return guard

    def path(self, text: str, where: str) -> Any:
        try:
            return parse_path(text)
        except UsageError as exc:
            raise self.fail(where, exc.message) from None

    def op(self, data: Any, where: str) -> Op:
        name = self.member(data, "op", str, where)
        try:
            kind = OpKind(name)
        except ValueError:
            raise self.fail(f"{where}.op", f"unknown operation {name!r} (add, remove or set)") from None
        path = self.path(self.member(data, "path", str, where), f"{where}.path")
        value = data.get("value", MISSING)
        old = data.get("old", MISSING)
        if kind is not OpKind.REMOVE and value is MISSING:
            raise self.fail(where, f"a {kind.value} operation needs 'value'")
        if kind is not OpKind.ADD and old is MISSING:
            raise self.fail(where, f"a {kind.value} operation needs 'old' (the value it expects to find)")
        after = data.get("after")
        if after is not None and not isinstance(after, str):
            raise self.fail(f"{where}.after", "expected a path")
        return Op(kind, path, value=value, old=old,
                  after=self.path(after, f"{where}.after") if after is not None else None)

    def conflict(self, data: Any, where: str) -> Conflict:
        resolution = data.get("resolution") if isinstance(data, dict) else None
        if resolution not in (None, "source", "target", "value"):
            raise self.fail(f"{where}.resolution", f"unknown resolution {resolution!r}")
        known = {f.name for f in dataclasses.fields(Conflict)}
        extra = {key: data[key] for key in ("source_time", "target_time", "base", "kind")
                 if key in data and key in known}
        return Conflict(
            self.path(self.member(data, "path", str, where), f"{where}.path"),
            data.get("source"), data.get("target"), resolution=resolution,
            value=data.get("value", MISSING) if resolution == "value" else MISSING,
            reason=str(data.get("reason", "")), **extra,
        )

    def plan_file(self, data: Any) -> PlanFile:
        if not isinstance(data, dict) or data.get("kind") != PLAN_KIND:
            raise self.fail("top level", f"expected an object with \"kind\": \"{PLAN_KIND}\"")
        version = data.get("schema_version")
        if version != PLAN_SCHEMA_VERSION:
            raise self.fail("schema_version", f"{version!r} is not supported (this nervsync reads "
                            f"{PLAN_SCHEMA_VERSION})")
        settings = self.member(data, "settings", dict, "plan")
        operations = self.member(data, "operations", dict, "plan")
        plan = SyncPlan(
            source_ops=[self.op(op, f"operations.source[{i}]")
                        for i, op in enumerate(self.member(operations, "source", list, "operations"))],
            target_ops=[self.op(op, f"operations.target[{i}]")
                        for i, op in enumerate(self.member(operations, "target", list, "operations"))],
            conflicts=[self.conflict(c, f"conflicts[{i}]")
                       for i, c in enumerate(self.member(data, "conflicts", list, "plan"))],
            warnings=[str(w) for w in data.get("warnings", [])],
        )
        return PlanFile(
            self.guard(self.member(data, "source", dict, "plan"), "source"),
            self.guard(self.member(data, "target", dict, "plan"), "target"),
            plan,
            direction=self.member(settings, "direction", str, "settings"),
            strategy=self.member(settings, "strategy", str, "settings"),
            coerce=self.member(settings, "coerce", bool, "settings"),
            created_at=self.member(data, "created_at", str, "plan"),
        )


def plan_from_dict(data: Any, name: str = "plan") -> PlanFile:
    """Read a plan from its JSON form.

    Raises:
        InputError: not a plan, an unsupported ``schema_version``, or a malformed member (named).
    """
    return _Reader(name).plan_file(data)


def load_plan(path: str) -> PlanFile:
    """Read and check a plan file.

    Raises:
        InputError: unreadable, not JSON, or not a valid plan.
    """
    text, _ = decode(read_bytes(path), path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg[0].lower()}{exc.msg[1:]}", exc.lineno, exc.colno) from None
    return plan_from_dict(data, path)


# --- checking and applying ------------------------------------------------------------------------------


def drifted(guard: FileGuard) -> str | None:
    """Why the file no longer matches its guard, or ``None`` when it is byte for byte the same."""
    try:
        data = read_bytes(guard.file)
    except InputError as exc:
        return exc.detail
    if hashlib.sha256(data).hexdigest() != guard.sha256:
        return "changed since the plan was made"
    return None


def _load_guarded(guard: FileGuard, coerce: bool) -> Document:
    data = read_bytes(guard.file)
    # Hash and parse the same bytes: no window between the check and what is applied.
    if hashlib.sha256(data).hexdigest() != guard.sha256:
        raise RefusedError(f"{guard.file} changed since the plan was made; nothing was written (make a new plan)")
    text, bom = decode(data, guard.file)
    document = get_format(guard.format).load(text, guard.file, coerce=coerce)
    return dataclasses.replace(document, bom=bom) if bom else document


def _check_old_values(document: Document, ops: list[Op]) -> None:
    for op in ops:
        current = get_at(document.data, op.path)
        expected_absent = op.kind is OpKind.ADD
        if (current is not MISSING) if expected_absent else (current is MISSING or not equal(current, op.old)):
            held = "exists" if expected_absent else "no longer holds the value the plan expects"
            raise RefusedError(f"{document.name}: {format_path(op.path)} {held} (the plan would {op.kind.value} "
                               "it); nothing was written (make a new plan)")


@dataclass
class AppliedPlan:
    """The outcome of :func:`apply_plan`: the new documents and the files written (TARGET first)."""

    source: Document
    target: Document
    written: list[str]


def apply_plan(plan_file: PlanFile, *, write: bool = True) -> AppliedPlan:
    """Apply exactly the saved plan to its two files, all checks first, then the writes.

    Refused, with nothing written, when the plan has unresolved conflicts, when either file's
    bytes differ from the plan's SHA-256, or when a touched path no longer holds its old value.
    ``write=False`` checks and applies in memory only.

    Raises:
        RefusedError: see above.
        InputError: a file cannot be read or parsed.
        ApplyError: an operation cannot be applied (a plan edited by hand).
    """
    unresolved = plan_file.plan.unresolved
    if unresolved:
        raise RefusedError(
            f"the plan has {len(unresolved)} unresolved conflict{'s' if len(unresolved) != 1 else ''} (first: "
            f"{format_path(unresolved[0].path)}); nothing was written (plan again with a --strategy or --resolutions)"
        )
    source = _load_guarded(plan_file.source, plan_file.coerce)
    target = _load_guarded(plan_file.target, plan_file.coerce)
    source, target = as_streams(source, target)
    plan = plan_file.plan
    _check_old_values(source, plan.source_ops)
    _check_old_values(target, plan.target_ops)
    new_source = _applied(source, plan.source_ops)
    new_target = _applied(target, plan.target_ops)
    written: list[str] = []
    if write:
        for original, new in ((target, new_target), (source, new_source)):
            where = write_document(original, new)
            if where is not None:
                written.append(where)
    return AppliedPlan(new_source, new_target, written)


def _applied(document: Document, ops: list[Op]) -> Document:
    if not ops:
        return document
    # As a sync does: only the changed paths are copied (each on its own, so a YAML alias set at
    # one path does not change at the other), and the writers skip the records left shared.
    return document.with_data(applied_copy(document.data, ops))
