"""Machine-readable reports: the stable JSON (and YAML) forms of a diff."""

from __future__ import annotations

import json
import math
from typing import Any

from ..model import Diff

DIFF_SCHEMA_VERSION = 1


def diff_report(diff: Diff, source: str, target: str) -> dict[str, Any]:
    """The ``diff`` report (schema ``schemas/diff.schema.json``)."""
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "source": source,
        "target": target,
        "summary": diff.summary().to_dict(),
        "changes": [change.to_dict() for change in diff.changes],
        "warnings": list(diff.warnings),
    }


def to_json(report: dict[str, Any]) -> str:
    """Indented JSON with a final newline; non-ASCII kept readable.

    YAML can hold ``.nan`` and ``.inf``, JSON cannot: such numbers are written as the strings
    ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` so that the report stays valid JSON.
    """
    try:
        return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:
        return json.dumps(_finite(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def to_yaml(report: dict[str, Any]) -> str:
    """The same report as block YAML."""
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(report, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False))


SYNC_SCHEMA_VERSION = 1


def sync_report(outcome: Any, source: str, target: str, written: list[str], dry_run: bool) -> dict[str, Any]:
    """The ``sync`` report (schema ``schemas/sync.schema.json``)."""
    plan = outcome.plan
    return {
        "schema_version": SYNC_SCHEMA_VERSION,
        "source": source,
        "target": target,
        "dry_run": dry_run,
        "applied": {
            "source": [op.to_dict() for op in plan.source_ops],
            "target": [op.to_dict() for op in plan.target_ops],
        },
        "conflicts": [conflict.to_dict() for conflict in plan.conflicts],
        "unresolved": len(plan.unresolved),
        "matched": [pair.to_dict() for pair in plan.matched],
        "written": written,
        "warnings": list(plan.warnings),
    }
