"""Baseline: DeepDiff on the generator's records, as dicts keyed by ``id``.

Usage: python bench/baselines/deepdiff_diff.py SOURCE.json TARGET.json
Prints ``{"added": N, "removed": N, "changed": N}`` (records), the counts truth.json holds.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from deepdiff import DeepDiff

_ROOT_KEY = re.compile(r"root\['((?:[^'\\]|\\.)*)'\]")


def keyed(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return {record["id"]: record for record in json.load(handle)["records"]}


def main(argv: list[str]) -> int:
    source, target = keyed(argv[1]), keyed(argv[2])
    result = DeepDiff(source, target, view="tree")
    added = len(result.get("dictionary_item_added", []))
    removed = len(result.get("dictionary_item_removed", []))
    changed: set[str] = set()
    for kind, items in result.items():
        if kind in ("dictionary_item_added", "dictionary_item_removed"):
            continue
        for item in items:
            match = _ROOT_KEY.match(item.path())
            if match:
                changed.add(match.group(1))
    print(json.dumps({"added": added, "removed": removed, "changed": len(changed)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
