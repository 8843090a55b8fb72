"""Baseline: simonw's csv-diff on the generator's CSV tables, keyed by ``id``.

Usage: python bench/baselines/csvdiff_diff.py SOURCE.csv TARGET.csv
Prints ``{"added": N, "removed": N, "changed": N}`` (rows), the counts truth.json holds.

The dialect is given (``excel``, what the generator writes): csv-diff's default sniffs it from
the first megabyte, which takes minutes on these files (multi-line quoted cells), so the
comparison is with csv-diff at its fastest.
"""

from __future__ import annotations

import json
import sys

from csv_diff import compare, load_csv


def main() -> None:
    tables = []
    for path in sys.argv[1:3]:
        with open(path, newline="", encoding="utf-8") as handle:
            tables.append(load_csv(handle, key="id", dialect="excel"))
    result = compare(*tables)
    print(json.dumps({kind: len(result[kind]) for kind in ("added", "removed", "changed")}))


if __name__ == "__main__":
    main()
