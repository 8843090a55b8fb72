"""Deciding conflicts: resolutions files, conflict strategies, and custom resolvers.

Each decision records its ``reason`` so the conflict table can say which rule decided.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

from .errors import UsageError
from .model import MISSING, Conflict, ConflictStrategy
from .paths import Path, Pattern, format_path, matches
from .values import equal

TIMESTAMP_FIELDS = ("updated_at", "updatedAt", "modified", "last_modified", "timestamp")


class _Unresolved:
    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED: Any = _Unresolved()
"""What a custom resolver returns to leave a conflict unresolved."""


class ConflictResolver(Protocol):
    """A custom resolver for ``MANUAL``: returns the value to keep, or ``UNRESOLVED``."""

    def resolve(self, conflict: Conflict) -> Any:
        """The value both sides should end up with."""
        ...


def choose(conflict: Conflict, value: Any, reason: str) -> None:
    """Record a decision, naming the side when the value is one side's."""
    if value is UNRESOLVED:
        conflict.reason = reason + ": left unresolved"
        return
    if equal(value, conflict.source):
        conflict.resolution = "source"
    elif equal(value, conflict.target):
        conflict.resolution = "target"
    else:
        conflict.resolution = "value"
        conflict.value = value
    conflict.reason = reason


def parse_timestamp(value: Any) -> float | None:
    """Seconds since the epoch from ISO 8601 text or an epoch number (milliseconds if huge)."""
    if isinstance(value, bool) or value is None or value is MISSING:
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.timestamp()
    if not math.isfinite(seconds):
        return None
    return seconds / 1000.0 if seconds > 1e11 else seconds


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class LastUpdateWins:
    """Newer record wins: a record timestamp field, else each file's modification time.

    The record of a conflict is the innermost mapping enclosing it (the conflicting value itself
    included) that carries a timestamp field on both sides: a list item for record lists, the
    document itself for a single-object file such as one article.
    """

    def __init__(self, records: Callable[[Path], tuple[Any, Any]], field: str | None,
                 mtimes: tuple[float | None, float | None]) -> None:
        self.records = records
        self.field = field
        self.mtimes = mtimes
        # Conflicts of one record share its ancestors; get_at on a keyed list is a linear search.
        self._cache: dict[Path, tuple[Any, Any]] = {}

    def _pair(self, path: Path) -> tuple[Any, Any]:
        pair = self._cache.get(path)
        if pair is None:
            pair = self._cache[path] = self.records(path)
        return pair

    def record_times(self, conflict: Conflict) -> tuple[float, float, str] | None:
        """Both sides' times from the innermost enclosing record with a timestamp field on both."""
        fields = (self.field,) if self.field else TIMESTAMP_FIELDS
        for depth in range(len(conflict.path), -1, -1):
            source_record, target_record = self._pair(conflict.path[:depth])
            if not isinstance(source_record, dict) or not isinstance(target_record, dict):
                continue
            for name in fields:
                s_time = parse_timestamp(source_record.get(name, MISSING))
                t_time = parse_timestamp(target_record.get(name, MISSING))
                if s_time is not None and t_time is not None:
                    return s_time, t_time, f"record field {name!r}"
        return None

    def times(self, conflict: Conflict) -> tuple[float | None, float | None, str]:
        found = self.record_times(conflict)
        if found is not None:
            return found
        return self.mtimes[0], self.mtimes[1], "file modification times"

    def annotate(self, conflict: Conflict) -> None:
        """Show record times on a conflict without deciding it (for custom resolvers under MANUAL)."""
        found = self.record_times(conflict)
        if found is not None:
            conflict.source_time, conflict.target_time = _stamp(found[0]), _stamp(found[1])

    def decide(self, conflict: Conflict) -> None:
        s_time, t_time, origin = self.times(conflict)
        if s_time is None or t_time is None:
            conflict.reason = "last-update-wins: no timestamps to compare"
            return
        conflict.source_time, conflict.target_time = _stamp(s_time), _stamp(t_time)
        if s_time == t_time:
            conflict.reason = f"last-update-wins: tie on {origin}"
        elif s_time > t_time:
            choose(conflict, conflict.source, f"last-update-wins: source newer ({origin})")
        else:
            choose(conflict, conflict.target, f"last-update-wins: target newer ({origin})")


def load_resolutions(data: Any, name: str) -> dict[str, dict[str, Any]]:
    """Index a ``--resolutions`` file (the ``--conflicts-out`` format, edited) by path.

    Raises:
        UsageError: the file is not a list of conflicts with a valid ``resolution``.
    """
    items = data.get("conflicts") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise UsageError(f"{name}: expected a list of conflicts (or an object with 'conflicts')")
    out: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(items):
        if not isinstance(item, dict) or "path" not in item:
            raise UsageError(f"{name}: conflict [{position}] has no 'path'")
        resolution = item.get("resolution")
        if resolution not in (None, "source", "target", "value"):
            raise UsageError(f"{name}: conflict [{position}]: resolution must be source, target or value")
        if resolution == "value" and "value" not in item:
            raise UsageError(f"{name}: conflict [{position}]: resolution 'value' needs a 'value'")
        out[str(item["path"])] = item
    return out


def apply_resolutions(conflicts: list[Conflict], resolutions: Mapping[str, Mapping[str, Any]]) -> None:
    """Decide the conflicts a resolutions file names."""
    for conflict in conflicts:
        item = resolutions.get(format_path(conflict.path))
        if not item or item.get("resolution") is None:
            continue
        conflict.resolution = str(item["resolution"])
        if conflict.resolution == "value":
            conflict.value = item["value"]
        conflict.reason = "resolutions file"


def strategy_resolver(
    strategy: ConflictStrategy,
    *,
    last_update: LastUpdateWins | None = None,
    custom: ConflictResolver | None = None,
    resolutions: Mapping[str, Mapping[str, Any]] | None = None,
    path_strategies: tuple[tuple[Pattern, ConflictStrategy], ...] = (),
) -> Callable[[list[Conflict]], None]:
    """A resolver for ``plan_sync``: a resolutions file first, then the strategy of the first
    ``path_strategies`` pattern at or above the conflict's path, else ``strategy``."""

    def strategy_for(path: Path) -> ConflictStrategy:
        for pattern, chosen in path_strategies:
            if matches(pattern, path, prefix=True):
                return chosen
        return strategy

    def resolve(conflicts: list[Conflict]) -> None:
        if resolutions:
            apply_resolutions(conflicts, resolutions)
        for conflict in conflicts:
            if not conflict.resolved:
                _decide(strategy_for(conflict.path), conflict, last_update, custom)

    return resolve


def _decide(strategy: ConflictStrategy, conflict: Conflict, last_update: LastUpdateWins | None,
            custom: ConflictResolver | None) -> None:
    if strategy is ConflictStrategy.SOURCE_WINS:
        choose(conflict, conflict.source, "source-wins")
    elif strategy is ConflictStrategy.TARGET_WINS:
        choose(conflict, conflict.target, "target-wins")
    elif strategy is ConflictStrategy.LAST_UPDATE_WINS and last_update is not None:
        last_update.decide(conflict)
    elif strategy is ConflictStrategy.MANUAL and custom is not None:
        # A resolver sees only the conflict; record times let it prefer the newer side.
        if last_update is not None:
            last_update.annotate(conflict)
        choose(conflict, custom.resolve(conflict), "manual")
    elif strategy is ConflictStrategy.MERGE:
        conflict.reason = "merge: differs on both sides and there is no base to tell which changed"
    else:
        conflict.reason = f"{strategy.value}: not resolved"
