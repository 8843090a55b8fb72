"""``make bench``: whole-process timings of nervsync on the generator's record sets.

For each size and format: the parse floor (both files loaded with the fastest parser, GC paused),
``nervsync diff``, and ``nervsync sync`` (source-to-target and bidirectional with source-wins) on
copies; median wall time of N runs and peak RSS of the child. Every diff result is checked against
the generator's ``truth.json``. Writes BENCHMARKS.md.

Usage: python bench/run.py [--sizes 1000,10000,100000] [--formats json,yaml,csv] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GEN = REPO.parent / "shared" / "bench" / "gen_data.py"

FLOOR = {
    "json": "import gc,sys,orjson; gc.disable(); [orjson.loads(open(p,'rb').read()) for p in sys.argv[1:]]",
    "yaml": "import gc,sys,yaml; gc.disable(); [yaml.load(open(p,encoding='utf-8').read(), Loader=yaml.CSafeLoader)"
            " for p in sys.argv[1:]]",
    "csv": "import gc,sys,csv; gc.disable(); [list(csv.reader(open(p,newline='',encoding='utf-8')))"
           " for p in sys.argv[1:]]",
}


def measure(argv: list[str], runs: int) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Median wall seconds of ``runs`` runs, and the last run's result."""
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True)
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def peak_rss(argv: list[str]) -> float:
    """Peak RSS in MiB of one run, from the kernel's accounting of the child."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(argv[0], argv)
    _, _, usage = os.wait4(pid, 0)
    return usage.ru_maxrss / 1024


def nervsync(*args: str) -> list[str]:
    return [sys.executable, "-m", "nervsync_cli", *args]


def check_truth(result: subprocess.CompletedProcess[bytes], truth: dict[str, int], label: str) -> str:
    report = json.loads(result.stdout)
    summary = report["summary"]
    expected = {k: truth[k] for k in ("added", "removed", "changed")}
    got = {k: summary[k] for k in expected}
    if got != expected:
        return f"MISMATCH {label}: {got} != {expected}"
    return "ok"


def bench_size(size: int, formats: list[str], runs: int, data: Path, rows: list[str]) -> list[str]:
    folder = data / str(size)
    truth = json.loads((folder / "truth.json").read_text())
    problems = []
    for fmt in formats:
        src, tgt = folder / f"source.{fmt}", folder / f"target.{fmt}"
        floor, _ = measure([sys.executable, "-c", FLOOR[fmt], str(src), str(tgt)], runs)
        diff_t, result = measure(nervsync("diff", str(src), str(tgt), "-o", "json"), runs)
        diff_rss = peak_rss(nervsync("diff", str(src), str(tgt), "-o", "json"))
        verdict = check_truth(result, truth, f"{fmt} {size}")
        if verdict != "ok":
            problems.append(verdict)
        sync_times = {}
        for label, extra in (("s→t", ["--direction", "source-to-target"]),
                             ("bidi", ["--strategy", "source-wins"])):
            samples = []
            for _ in range(runs):
                with tempfile.TemporaryDirectory() as tmp:
                    a, b = Path(tmp) / src.name, Path(tmp) / tgt.name
                    shutil.copy(src, a)
                    shutil.copy(tgt, b)
                    start = time.perf_counter()
                    proc = subprocess.run(nervsync("sync", str(a), str(b), "-q", *extra), capture_output=True)
                    samples.append(time.perf_counter() - start)
                    if proc.returncode != 0:
                        problems.append(f"sync {label} {fmt} {size} exit {proc.returncode}: {proc.stderr[-300:]!r}")
                    elif subprocess.run(nervsync("diff", str(a), str(b), "-q")).returncode != 0:
                        problems.append(f"sync {label} {fmt} {size}: files still differ")
            sync_times[label] = statistics.median(samples)
        rows.append(
            f"| {fmt} | {size:,} | {floor:.2f} | {diff_t:.2f} | {diff_t / floor:.1f}× | {diff_rss:.0f} | "
            f"{sync_times['s→t']:.2f} | {sync_times['bidi']:.2f} | {verdict} |"
        )
        print(rows[-1], flush=True)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--formats", default="json,yaml,csv")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=str(REPO / "bench" / "out"))
    args = parser.parse_args()
    if not GEN.exists():
        print(f"bench: {GEN} not found (../shared is needed)", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    data = Path(args.data)
    subprocess.run([sys.executable, str(GEN), "--out", str(data), "--sizes", args.sizes,
                    "--formats", args.formats], check=True, stdout=subprocess.DEVNULL)
    rows = [
        "| format | records | parse floor s | diff s | diff / floor | diff peak RSS MiB | sync s→t s | "
        "sync bidi s | truth |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(rows), flush=True)
    problems: list[str] = []
    for size in sizes:
        problems += bench_size(size, formats, args.runs, data, rows)
    (REPO / "BENCHMARKS.md").write_text(
        "# Benchmarks\n\nMedian of whole-process wall times (`python bench/run.py --runs "
        f"{args.runs}`), on {os.cpu_count()} cores. Parse floor: both files with orjson / PyYAML "
        "CSafeLoader / csv.reader, GC paused. Sync on fresh copies; every diff checked against "
        "truth.json.\n\n" + "\n".join(rows) + "\n"
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
