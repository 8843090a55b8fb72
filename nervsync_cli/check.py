"""Drift checks: run the configured comparisons, find what is accepted, and optionally fix the rest.

A check compares one file pair, or every pair two globs produce (paired by their path below the
glob's fixed folder; a file on one side only is drift too). Rules apply per path on top of
:func:`~nervsync_cli.diff.diff_documents`: lists compared as sets or in order, number precision,
and text fields (line endings and final newlines do not count). ``--fix`` runs the configured sync
with the same safety as ``nervsync sync``: unresolved conflicts write nothing.

This module reads and writes files through :mod:`.files` and :mod:`.write`, and prints nothing:
rendering is :mod:`.render`'s job.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path as FsPath
from typing import Any

from .accept import AcceptedDrift, DriftKey
from .config import CheckSpec, Config
from .diff import as_streams, diff_documents
from .errors import ExitStatus, InputError, NervsyncError, UsageError
from .files import atomic_write, gc_paused, load_document, mtime
from .formats import format_for_name, get_format
from .model import (
    Change,
    ChangeKind,
    Conflict,
    ConflictStrategy,
    Diff,
    DiffOptions,
    Document,
    Op,
    SyncDirection,
    SyncOptions,
)
from .paths import AnyDepth, AnySegment, Field, Index, Match, Path, Pattern, format_path, matches
from .plan import unit_of
from .positions import ChangePositions, Position, PositionFinder, locate_all
from .sync import SyncOutcome, sync_documents
from .tree import get_at
from .write import write_document

SCHEMA_VERSION = 1


class Status(str, Enum):
    """The outcome of one check, as reports spell it."""

    PASS = "pass"
    DRIFT = "drift"
    ACCEPTED = "accepted"
    FIXED = "fixed"
    CONFLICTS = "conflicts"
    ERROR = "error"

    @property
    def failed(self) -> bool:
        """Whether this outcome makes ``nervsync check`` exit non-zero."""
        return self in (Status.DRIFT, Status.CONFLICTS, Status.ERROR)


@dataclass(frozen=True)
class FilePair:
    """The two files one comparison reads; a side is ``None`` when a glob found the file on one side only.

    ``name`` is the path below the globs' folders (``""`` for a check of two plain files).
    """

    name: str
    source: str | None
    target: str | None


@dataclass(frozen=True)
class Finding:
    """One difference a check found, with where it is on each side and whether it is accepted."""

    check: str
    pair: FilePair
    change: Change
    positions: ChangePositions
    accepted: bool
    text: bool = False

    @property
    def key(self) -> DriftKey:
        """The accepted-drift key of this difference."""
        return DriftKey.of(self.check, self.pair.name, self.change)

    def anchor(self, prefer_source: bool = False) -> Position | None:
        """The one place a CI annotation points at: where the value is, on the preferred side if it is there.

        Changed values are annotated on the side the check's ``annotate`` names (TARGET by default);
        an added value only exists in TARGET, a removed one only in SOURCE.
        """
        source, target = self.positions.source, self.positions.target
        if self.change.kind is ChangeKind.ADDED:
            return target or source
        if self.change.kind is ChangeKind.REMOVED:
            return source or target
        return (source or target) if prefer_source else (target or source)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the diff's change, plus pair, accepted, hash and positions."""
        out = self.change.to_dict()
        if self.pair.name:
            out["pair"] = self.pair.name
        out["accepted"] = self.accepted
        out["hash"] = self.key.hash
        out["positions"] = self.positions.to_dict()
        return out


@dataclass
class FixOutcome:
    """What ``--fix`` did (or would have done, when conflicts blocked it) for one check."""

    conflicts: list[Conflict] = field(default_factory=list)
    source_ops: list[Op] = field(default_factory=list)
    target_ops: list[Op] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)

    @property
    def unresolved(self) -> list[Conflict]:
        """Conflicts no strategy decided: while there are any, nothing is written."""
        return [conflict for conflict in self.conflicts if not conflict.resolved]


@dataclass
class CheckResult:
    """One check's result: the pairs compared, what differs, warnings, an error, and the fix."""

    spec: CheckSpec
    pairs: list[FilePair] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: NervsyncError | None = None
    fix: FixOutcome | None = None

    @property
    def name(self) -> str:
        """The check's name."""
        return self.spec.name

    @property
    def drift(self) -> list[Finding]:
        """Differences not accepted."""
        return [finding for finding in self.findings if not finding.accepted]

    @property
    def failing(self) -> list[Finding]:
        """What makes the check fail: its drift, or after ``--fix`` the drift the fix left."""
        if self.fix is None:
            return self.drift
        return [finding for finding in self.fix.remaining if not finding.accepted]

    @property
    def accepted(self) -> list[Finding]:
        """Differences accepted by the accepted-drift file."""
        return [finding for finding in self.findings if finding.accepted]

    @property
    def status(self) -> Status:
        """The outcome; after ``--fix``, what is left once the fix ran."""
        if self.error is not None:
            return Status.ERROR
        if self.fix is not None:
            if self.fix.unresolved:
                return Status.CONFLICTS
            return Status.DRIFT if any(not f.accepted for f in self.fix.remaining) else Status.FIXED
        if self.drift:
            return Status.DRIFT
        return Status.ACCEPTED if self.findings else Status.PASS

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of one check."""
        out: dict[str, Any] = {
            "name": self.name,
            "status": self.status.value,
            "source": self.spec.source,
            "target": self.spec.target,
            "counts": {"files": len(self.pairs), "changes": len(self.findings), "accepted": len(self.accepted)},
            "changes": [finding.to_dict() for finding in self.findings],
            "warnings": list(self.warnings),
        }
        if self.spec.description:
            out["description"] = self.spec.description
        if self.error is not None:
            out["error"] = str(self.error)
        if self.fix is not None:
            out["fix"] = {
                "conflicts": [conflict.to_dict() for conflict in self.fix.conflicts],
                "unresolved": len(self.fix.unresolved),
                "applied": {"source": [op.to_dict() for op in self.fix.source_ops],
                            "target": [op.to_dict() for op in self.fix.target_ops]},
                "written": list(self.fix.written),
                "remaining": len([f for f in self.fix.remaining if not f.accepted]),
            }
        return out


@dataclass
class CheckRun:
    """Every check's result, in config order."""

    config: Config
    results: list[CheckResult]

    def counts(self) -> dict[str, int]:
        """How many checks ended in each status (every status present, zeros included)."""
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    @property
    def exit_status(self) -> ExitStatus:
        """2 if any check errored, else 1 if any still differs (or has conflicts), else 0."""
        statuses = {result.status for result in self.results}
        if Status.ERROR in statuses:
            return ExitStatus.ERROR
        if statuses & {Status.DRIFT, Status.CONFLICTS}:
            return ExitStatus.DIFFERENCES
        return ExitStatus.OK

    @property
    def status(self) -> Status:
        """The run's overall status: the worst of its checks."""
        order = [Status.ERROR, Status.CONFLICTS, Status.DRIFT, Status.FIXED, Status.ACCEPTED, Status.PASS]
        present = {result.status for result in self.results}
        return next((status for status in order if status in present), Status.PASS)

    def to_dict(self) -> dict[str, Any]:
        """The ``nervsync check --output json`` report."""
        return {
            "schema_version": SCHEMA_VERSION,
            "config": self.config.file,
            "status": self.status.value,
            "summary": {"checks": len(self.results), **self.counts()},
            "checks": [result.to_dict() for result in self.results],
        }


# --------------------------------------------------------------------------------------------
# Files: plain paths and globs
# --------------------------------------------------------------------------------------------


def _shown(path: FsPath) -> str:
    """A path as messages and CI annotations show it: relative to the working folder when possible."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _glob_base(pattern: str) -> str:
    parts = pattern.replace("\\", "/").split("/")
    fixed = []
    for part in parts:
        if re.search(r"[*?\[]", part):
            break
        fixed.append(part)
    return "/".join(fixed)


def _expand(root: FsPath, pattern: str) -> tuple[FsPath, dict[str, FsPath]]:
    """The glob's fixed folder and its files, by their path below that folder."""
    base = root / _glob_base(pattern)
    files = {path.relative_to(base).as_posix(): path for path in sorted(root.glob(pattern)) if path.is_file()}
    return base, files


def resolve_pairs(spec: CheckSpec, root: FsPath) -> list[FilePair]:
    """The file pairs a check compares.

    Raises:
        InputError: two globs that match no file at all (a typo must not pass as "no drift").
    """
    if not any(char in spec.source for char in "*?["):
        return [FilePair("", _shown(root / spec.source), _shown(root / spec.target))]
    _, sources = _expand(root, spec.source)
    _, targets = _expand(root, spec.target)
    if not sources and not targets:
        raise InputError(spec.source, f"check {spec.name!r}: neither {spec.source} nor {spec.target} matches any file")
    return [
        FilePair(name, _shown(sources[name]) if name in sources else None,
                 _shown(targets[name]) if name in targets else None)
        for name in sorted(sources.keys() | targets.keys())
    ]


def _missing_path(spec: CheckSpec, root: FsPath, pair: FilePair, side: str) -> str:
    """Where the file a glob pair lacks on ``side`` belongs."""
    pattern = spec.source if side == "source" else spec.target
    return _shown(root / _glob_base(pattern) / pair.name)


# --------------------------------------------------------------------------------------------
# Comparing with per-path rules
# --------------------------------------------------------------------------------------------


def diff_options(spec: CheckSpec, *, extra_ignore: tuple[Pattern, ...] = ()) -> DiffOptions:
    """The options of a check's comparison; per-path precision is applied after the diff."""
    return DiffOptions(
        keys=spec.keys, ignore=(*spec.ignore, *extra_ignore), ignore_order=spec.ignore_order,
        precision=None if spec.precisions else spec.precision, text_fields=spec.text,
    )


def check_for_files(config: Config, source: str, target: str, name: str | None = None) -> CheckSpec:
    """The check whose rules apply to comparing ``source`` with ``target`` (``diff``/``sync --config``):
    the one named, else the one whose source and target (files, or globs) are these two files.

    Raises:
        UsageError: no check, or more than one, covers the two files.
    """
    if name is not None:
        return config.select([name])[0]
    wanted = (FsPath(source).resolve(), FsPath(target).resolve())
    found = [spec for spec in config.checks if any(
        (FsPath(pair.source).resolve(), FsPath(pair.target).resolve()) == wanted
        for pair in _pairs_or_none(spec, config.root) if pair.source and pair.target)]
    if len(found) != 1:
        which = "no check" if not found else f"{len(found)} checks ({', '.join(s.name for s in found)})"
        raise UsageError(f"{config.file}: {which} compare {source} with {target}; name one with --check NAME")
    return found[0]


def _pairs_or_none(spec: CheckSpec, root: FsPath) -> list[FilePair]:
    try:
        return resolve_pairs(spec, root)
    except InputError:
        return []


def _first(rules: tuple[tuple[Pattern, Any], ...], path: Path, prefix: bool = False) -> Any:
    return next((value for pattern, value in rules if matches(pattern, path, prefix=prefix)), None)


def _list_root(change: Change, spec: CheckSpec, source: Any, target: Any) -> tuple[Path, bool] | None:
    """The outermost list above ``change`` whose configured mode differs from the check's default."""
    for end in range(len(change.path) + 1):
        prefix = change.path[:end]
        as_set = _first(spec.lists, prefix)
        if (as_set is not None and as_set != spec.ignore_order
                and isinstance(get_at(source, prefix), list) and isinstance(get_at(target, prefix), list)):
            return prefix, bool(as_set)
    return None


def _apply_list_rules(diff: Diff, spec: CheckSpec, source: Document, target: Document,
                      options: DiffOptions) -> list[Change]:
    """Re-compare the lists whose ``lists`` rule differs from the default, in their own mode.

    Lists nested inside such a list follow its mode too.
    """
    if not spec.lists:
        return diff.changes
    roots: dict[Path, bool] = {}
    kept: list[Change] = []
    for change in diff.changes:
        found = _list_root(change, spec, source.data, target.data)
        if found is None:
            kept.append(change)
        else:
            roots.setdefault(*found)
    for root, as_set in roots.items():
        redone = diff_documents(source, target, dataclasses.replace(options, ignore_order=as_set), root)
        kept.extend(redone.changes)
    return kept


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _within_precision(change: Change, spec: CheckSpec) -> bool:
    if change.kind is not ChangeKind.CHANGED or not (_is_number(change.source) and _is_number(change.target)):
        return False
    digits = _first(spec.precisions, change.path, prefix=True)
    digits = spec.precision if digits is None else digits
    return digits is not None and abs(change.source - change.target) < 10.0 ** -digits


def is_text_field(change: Change, spec: CheckSpec) -> bool:
    """Strings shown (and compared) line by line: configured text fields, and multi-line strings."""
    values = [v for v in (change.source, change.target) if isinstance(v, str)]
    if not values:
        return False
    return any("\n" in value for value in values) or any(matches(p, change.path) for p in spec.text)


def _normal_text(text: str) -> str:
    # CRLF vs LF, and YAML's chomping (``|`` keeps one final newline, ``|-`` none), do not count.
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


def _same_text(change: Change, spec: CheckSpec) -> bool:
    if change.kind is not ChangeKind.CHANGED or not spec.text:
        return False
    if not (isinstance(change.source, str) and isinstance(change.target, str)):
        return False
    return (any(matches(p, change.path) for p in spec.text)
            and _normal_text(change.source) == _normal_text(change.target))


def _prune_ignored(value: Any, path: Path, ignore: tuple[Pattern, ...]) -> Any:
    """A mapping without its ignored keys (recursively), so ignored children of an added mapping do not count."""
    if not isinstance(value, dict):
        return value
    pruned = {}
    for key, child in value.items():
        child_path = (*path, Field(key))
        if not any(matches(pattern, child_path, prefix=True) for pattern in ignore):
            pruned[key] = _prune_ignored(child, child_path, ignore)
    return pruned


def _without_ignored(change: Change, spec: CheckSpec) -> Change | None:
    """An added or removed mapping with its ignored keys left out; ``None`` when nothing else is in it.

    The diff ignores paths it walks; an added ``metadata.annotations`` is one change whose value
    still holds ``annotations["kubectl.kubernetes.io/last-applied-configuration"]``.
    """
    if not spec.ignore or change.kind is ChangeKind.CHANGED:
        return change
    side = "target" if change.kind is ChangeKind.ADDED else "source"
    value = getattr(change, side)
    pruned = _prune_ignored(value, change.path, spec.ignore)
    if pruned == value:
        return change
    return None if pruned == {} else dataclasses.replace(change, **{side: pruned})


def compare(spec: CheckSpec, source: Document, target: Document, options: DiffOptions | None = None) -> Diff:
    """Compare two loaded documents under a check's rules (per-path lists, precision, text, ignore)."""
    options = options or diff_options(spec)
    diff = diff_documents(source, target, options)
    changes = []
    for change in _apply_list_rules(diff, spec, source, target, options):
        kept = _without_ignored(change, spec)
        if kept is not None and not _within_precision(kept, spec) and not _same_text(kept, spec):
            changes.append(kept)
    return Diff(changes=changes, warnings=diff.warnings)


# --------------------------------------------------------------------------------------------
# Running checks
# --------------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    """A pair's documents (``None`` for a side a glob did not find)."""

    pair: FilePair
    source: Document | None
    target: Document | None


def _load(spec: CheckSpec, pair: FilePair) -> _Loaded:
    source = load_document(pair.source, spec.source_format, coerce=spec.coerce) if pair.source else None
    target = load_document(pair.target, spec.target_format, coerce=spec.coerce) if pair.target else None
    if source is not None and target is not None:
        source, target = as_streams(source, target)
    return _Loaded(pair, source, target)


def _findings(spec: CheckSpec, loaded: _Loaded, accepted: AcceptedDrift, warnings: list[str],
              options: DiffOptions | None = None) -> list[Finding]:
    source, target = loaded.source, loaded.target
    if source is None or target is None:
        return [_file_finding(spec, loaded, accepted)]
    diff = compare(spec, source, target, options)
    warnings.extend(f"{source.name}, {target.name}: {warning}" for warning in diff.warnings)
    with gc_paused():
        positions = locate_all(diff.changes, PositionFinder(source), PositionFinder(target))
    findings = []
    for change, found in zip(diff.changes, positions):
        key = DriftKey.of(spec.name, loaded.pair.name, change)
        findings.append(Finding(spec.name, loaded.pair, change, found,
                                accepted=key in accepted, text=is_text_field(change, spec)))
    return findings


def _file_finding(spec: CheckSpec, loaded: _Loaded, accepted: AcceptedDrift) -> Finding:
    """A file found on one side only: the whole document added or removed."""
    if loaded.source is not None:
        change = Change(ChangeKind.REMOVED, (), source=loaded.source.data)
        positions = ChangePositions(Position(loaded.source.name, 1, 1), None)
    else:
        assert loaded.target is not None
        change = Change(ChangeKind.ADDED, (), target=loaded.target.data)
        positions = ChangePositions(None, Position(loaded.target.name, 1, 1))
    key = DriftKey.of(spec.name, loaded.pair.name, change)
    return Finding(spec.name, loaded.pair, change, positions, accepted=key in accepted)


def run_check(spec: CheckSpec, config: Config, accepted: AcceptedDrift, *, fix: bool = False) -> CheckResult:
    """Run one check (and, with ``fix``, sync its pairs that drift); errors are kept in the result."""
    result = CheckResult(spec)
    try:
        result.pairs = resolve_pairs(spec, config.root)
        loaded = [_load(spec, pair) for pair in result.pairs]
        for item in loaded:
            result.findings.extend(_findings(spec, item, accepted, result.warnings))
        if fix and result.drift:
            result.fix = _fix(spec, config, loaded, accepted, result)
    except NervsyncError as exc:
        result.error = exc
    return result


def run_checks(config: Config, names: list[str] | None = None, *, accepted: AcceptedDrift | None = None,
               fix: bool = False) -> CheckRun:
    """Run the named checks (all when none are named), in config order.

    Raises:
        UsageError: a name is not a check of the config.
    """
    selected = config.select(names or [])
    drift = accepted if accepted is not None else AcceptedDrift()
    return CheckRun(config, [run_check(spec, config, drift, fix=fix) for spec in selected])


def accept_all(run: CheckRun, accepted: AcceptedDrift) -> None:
    """Record every difference of the run's checks as accepted (checks with errors keep their entries)."""
    for result in run.results:
        if result.error is not None:
            continue
        accepted.replace_check(result.name, [finding.key for finding in result.findings])
        result.findings = [dataclasses.replace(finding, accepted=True) for finding in result.findings]


# --------------------------------------------------------------------------------------------
# --fix
# --------------------------------------------------------------------------------------------


def _glob(text: str) -> bool:
    return "*" in text or "?" in text


def _concrete(pattern: Pattern) -> bool:
    """A pattern naming exactly one path: no wildcard segment, no glob in a field name or key value."""
    for segment in pattern:
        if isinstance(segment, (AnySegment, AnyDepth)) or (isinstance(segment, Field) and _glob(segment.name)):
            return False
        if isinstance(segment, Match) and any(_glob(value) for _, value in segment.fields):
            return False
    return True


@dataclass
class _PathPlan:
    """How ``sync.paths`` rules are carried out in one fix.

    ``keep``: left as they are on the receiving side (``target-wins`` in a source-to-target sync);
    ``native``: strategies the sync applies per path itself (``SyncOptions.path_strategies``);
    ``scoped``: concrete paths synced on their own, after the main sync, with their own direction
    and strategy.
    """

    keep: list[Pattern] = field(default_factory=list)
    native: list[tuple[Pattern, ConflictStrategy]] = field(default_factory=list)
    scoped: list[tuple[Path, SyncDirection, ConflictStrategy]] = field(default_factory=list)


_WINNER = {ConflictStrategy.SOURCE_WINS: SyncDirection.TARGET_TO_SOURCE,
           ConflictStrategy.TARGET_WINS: SyncDirection.SOURCE_TO_TARGET}
"""The one-way direction in which a ``<side>-wins`` rule means "the receiving side keeps its values"."""


def _plan_paths(spec: CheckSpec, warnings: list[str]) -> _PathPlan:
    """Sort ``sync.paths`` rules by how they can be honoured.

    In a one-way sync a strategy can only say whether the receiving side keeps its values (the
    side it names wins) or not; other strategies make that path sync both ways.
    """
    plan = _PathPlan()
    base = spec.sync
    for rule in spec.sync.paths:
        direction = rule.direction or base.direction
        strategy = rule.strategy or base.strategy
        if rule.direction is None and direction is not SyncDirection.BIDIRECTIONAL:
            if _WINNER.get(strategy) is direction:
                plan.keep.append(rule.pattern)
                continue
            if strategy in _WINNER:
                continue  # the sending side wins: what a one-way sync does anyway
            direction = SyncDirection.BIDIRECTIONAL
        if rule.direction is None and direction is SyncDirection.BIDIRECTIONAL:
            plan.native.append((rule.pattern, strategy))
        elif _concrete(rule.pattern):
            path: Path = tuple(s for s in rule.pattern if isinstance(s, (Field, Index, Match)))
            plan.scoped.append((path, direction, strategy))
        else:
            warnings.append(f"sync.paths {format_path(rule.pattern)}: a per-path direction on a pattern is not "
                            f"supported; the check's direction ({base.direction.value}) applies")
    return plan


def sync_options(spec: CheckSpec, leave: tuple[Path, ...], warnings: list[str]) -> tuple[SyncOptions, _PathPlan]:
    """The main sync's options, and the per-path rules to honour around it.

    ``leave`` are paths the sync must not touch: accepted drift, and values the check calls equal
    (within precision, reordered sets, same text) that a plain sync would still rewrite.
    """
    paths = _plan_paths(spec, warnings)
    settings = spec.sync
    options = SyncOptions(
        diff=diff_options(spec, extra_ignore=(*leave, *paths.keep, *(p for p, _, _ in paths.scoped))),
        direction=settings.direction, strategy=settings.strategy, no_delete=settings.no_delete,
        no_create=settings.no_create, timestamp_field=settings.timestamp_field, max_deletes=settings.max_deletes,
        path_strategies=tuple(paths.native),
    )
    return options, paths


def _leave_alone(spec: CheckSpec, source: Document, target: Document, reported: list[Finding]) -> tuple[Path, ...]:
    """Paths a plain sync would change but the check does not report as drift (see :func:`sync_options`).

    Compared by sync unit (a change inside a list without identity is a change of the whole list),
    so a set-like list with a real difference is still synced, as a whole.
    """
    wanted = {unit_of(f.change.path) for f in reported if not f.accepted}
    raw = diff_documents(source, target, diff_options(spec))
    return tuple(change.path for change in raw.changes if unit_of(change.path) not in wanted)


def _sync_pair(spec: CheckSpec, loaded: _Loaded, reported: list[Finding], outcome: FixOutcome,
               warnings: list[str]) -> tuple[Document, Document] | None:
    """Plan and apply the sync of one pair in memory; ``None`` when conflicts remain unresolved."""
    source, target = loaded.source, loaded.target
    assert source is not None
    assert target is not None
    leave = _leave_alone(spec, source, target, reported)
    options, paths = sync_options(spec, leave, warnings)
    mtimes = (mtime(source.name), mtime(target.name))
    steps: list[SyncOutcome] = [sync_documents(source, target, options, mtimes=mtimes)]
    for path, direction, strategy in paths.scoped:
        if not steps[-1].applied:
            break
        scoped = dataclasses.replace(options, path=path, direction=direction, strategy=strategy,
                                     diff=diff_options(spec, extra_ignore=leave))
        steps.append(sync_documents(steps[-1].source, steps[-1].target, scoped, mtimes=mtimes))
    for step in steps:
        outcome.conflicts.extend(step.plan.conflicts)
        outcome.source_ops.extend(step.plan.source_ops)
        outcome.target_ops.extend(step.plan.target_ops)
        warnings.extend(step.plan.warnings)
    if not all(step.applied for step in steps):
        return None
    return steps[-1].source, steps[-1].target


def _missing_file(spec: CheckSpec, config: Config, loaded: _Loaded, warnings: list[str]) -> tuple[str, str] | None:
    """For a file on one side only: where and what to create on the other side, if the sync may.

    Files are never deleted: a file the direction would remove is left, with a warning.
    """
    direction = spec.sync.direction
    if loaded.source is not None:
        origin, side = loaded.source, "target"
        deletes = direction is SyncDirection.TARGET_TO_SOURCE
    else:
        assert loaded.target is not None
        origin, side = loaded.target, "source"
        deletes = direction is SyncDirection.SOURCE_TO_TARGET
    if deletes:
        warnings.append(f"{origin.name}: --fix does not delete files; remove it by hand if it should go")
        return None
    if spec.sync.no_create:
        warnings.append(f"{origin.name}: not copied to the {side} side (sync.no_create)")
        return None
    destination = _missing_path(spec, config.root, loaded.pair, side)
    fmt = format_for_name(destination) or get_format(origin.format)
    return destination, fmt.dump(origin.data, multi_document=origin.multi_document)


def _fix(spec: CheckSpec, config: Config, loaded: list[_Loaded], accepted: AcceptedDrift,
         result: CheckResult) -> FixOutcome:
    """Sync every drifting pair; write only if no pair of the check has unresolved conflicts."""
    outcome = FixOutcome()
    drifting = {finding.pair for finding in result.drift}
    planned: list[tuple[_Loaded, Document, Document]] = []
    created: dict[FilePair, tuple[str, str]] = {}
    for item in loaded:
        if item.pair not in drifting:
            continue
        if item.source is None or item.target is None:
            new_file = _missing_file(spec, config, item, result.warnings)
            if new_file is not None:
                created[item.pair] = new_file
            continue
        reported = [f for f in result.findings if f.pair == item.pair]
        synced = _sync_pair(spec, item, reported, outcome, result.warnings)
        if synced is not None:
            planned.append((item, *synced))
    if outcome.unresolved:
        return outcome
    _write_fix(planned, created, outcome)
    for item in loaded:
        if item.pair in drifting:
            outcome.remaining.extend(_remaining(spec, item, accepted, item.pair in created))
    return outcome


def _write_fix(planned: list[tuple[_Loaded, Document, Document]], created: dict[FilePair, tuple[str, str]],
               outcome: FixOutcome) -> None:
    """Write the synced documents (TARGET first) and the new files, recording what was written."""
    for item, new_source, new_target in planned:
        assert item.source is not None
        assert item.target is not None
        for original, new in ((item.target, new_target), (item.source, new_source)):
            where = write_document(original, new)
            if where is not None:
                outcome.written.append(where)
    for destination, text in created.values():
        os.makedirs(os.path.dirname(destination) or ".", exist_ok=True)
        atomic_write(destination, text)
        outcome.written.append(destination)


def _remaining(spec: CheckSpec, item: _Loaded, accepted: AcceptedDrift, created: bool) -> list[Finding]:
    """What still differs after the fix: the pair compared again from disk."""
    if item.source is None or item.target is None:
        return [] if created else [_file_finding(spec, item, accepted)]
    return _findings(spec, _load(spec, item.pair), accepted, [])


def error_position(error: NervsyncError) -> Position | None:
    """Where an input error points, for annotations (``None`` when it names no file)."""
    if isinstance(error, InputError) and error.line is not None:
        return Position(error.file, error.line, error.column)
    if isinstance(error, InputError):
        return Position(error.file, 1, None, exact=False)
    return None


__all__ = [
    "CheckResult",
    "CheckRun",
    "FilePair",
    "Finding",
    "FixOutcome",
    "Status",
    "accept_all",
    "compare",
    "error_position",
    "resolve_pairs",
    "run_check",
    "run_checks",
]
