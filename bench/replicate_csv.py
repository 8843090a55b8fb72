"""Make a big CSV record set from a generated one: ``--times`` copies of every row, keys made unique.

The generator (``../shared/bench/gen_data.py``) holds all its records in memory: at 10 million
rows that takes more RAM than the machine has. The columnar benchmark only needs rows of the same
shape with exactly known differences, so this streams an existing pair instead: copy ``k`` of each
row gets ``-k`` appended to its ``id`` (copy 0 keeps it), and every count in ``truth.json``
(records, added, removed, changed) is multiplied by ``--times``. The rows go through ``csv``
reader and writer, so multi-line cells stay whole; the writer's dialect is the generator's.

    python bench/replicate_csv.py --source-dir DIR/1000000 --times 10 --out DIR/10000000
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

_SCALED = ("n_source", "n_target", "added", "removed", "changed", "unchanged")


def replicate(source: Path, destination: Path, times: int) -> None:
    """Write ``times`` copies of the rows of ``source`` to ``destination``, one key per copy.

    The source is read once per copy rather than held in memory (the point is to stay small).
    """
    with destination.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for copy in range(times):
            with source.open(newline="", encoding="utf-8") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                key = header.index("id")
                if copy == 0:
                    writer.writerow(header)
                suffix = f"-{copy}" if copy else ""
                for row in reader:
                    row[key] += suffix
                    writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source-dir", type=Path, required=True,
                        help="a generated size folder (source.csv, target.csv, truth.json)")
    parser.add_argument("--times", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("source.csv", "target.csv"):
        replicate(args.source_dir / name, args.out / name, args.times)
    truth = json.loads((args.source_dir / "truth.json").read_text())
    scaled = {name: value * args.times if name in _SCALED else value for name, value in truth.items()
              if name in (*_SCALED, "key")}
    (args.out / "truth.json").write_text(json.dumps(scaled, indent=2) + "\n")


if __name__ == "__main__":
    main()
