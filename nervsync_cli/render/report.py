"""Machine-readable reports: the stable JSON (and YAML) forms of a diff."""

from __future__ import annotations

import json
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
    """Indented JSON with a final newline; non-ASCII kept readable."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def to_yaml(report: dict[str, Any]) -> str:
    """The same report as block YAML."""
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(report, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False))
