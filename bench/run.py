"""``make bench``: whole-process timings of nervsync on the generator's record sets, against floors and peers.

For each size and format (JSON, YAML, CSV):

* the parse floor: both files loaded by the fastest parser (orjson, PyYAML's CSafeLoader,
  ``csv.reader``) with the GC paused, in a fresh interpreter;
* ``nervsync diff -o json`` (checked against the generator's ``truth.json``);
* ``nervsync sync`` source-to-target and bidirectional (source-wins) on fresh copies, checked by a
  diff of the results; their floor is the parse floor plus writing the receiving file (atomically,
  fsync included: what any sync must at least do);
* the peers on the same records keyed by id (``bench/baselines/``), also checked against
  truth.json: deepdiff and diffsync for JSON, csv-diff for CSV.

Then the columnar engine on big CSV tables (1M rows by default: ``--columnar-sizes``; sizes above
1M are 1M rows replicated by ``bench/replicate_csv.py``), the replay of the automerge-paper editing
trace on the RGA (``bench/rga_trace.py``), and a table of the issue's targets, met or not.

Every timing is the median of ``--runs`` whole-process runs (one where the parse floor alone takes
over 20 s, and for the peers above 10k records) (wall clock), with the child's CPU time
(user + system, from ``wait4``) and peak RSS. The machine is shared: the load average is recorded,
and CPU seconds are the steadier figure when other work competes for the two cores. The floors,
the diff and the syncs of one format and size run in rounds (one run of each per round), so that
the two sides of a ratio run under the same conditions when the machine's speed drifts: every ratio
is the median of the per-round ratios. Growth (10× the records) is measured the same way, the
smaller size's diff and sync running in the bigger size's rounds, and each peer run sits between
two runs of ``nervsync diff``, its ratio taken against their mean.

Writes BENCHMARKS.md (``--out``). Usage:

    python bench/run.py [--quick] [--sizes 1000,10000,100000] [--formats json,yaml,csv] [--runs 3]
                        [--data DIR] [--columnar-sizes 1000000] [--no-peers] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GEN = REPO.parent / "shared" / "bench" / "gen_data.py"
TRACE = REPO.parent / "shared" / "conformance" / "editing-traces" / "automerge-paper.json.gz"
BASELINES = REPO / "bench" / "baselines"
PEER_TIMEOUT = 300.0
# A row whose parse floor alone takes this long (YAML at 100k records) is measured once, not --runs
# times: three runs of every command would take most of an hour.
SLOW_SECONDS = 20.0
# The peers measured for each format (bench/baselines/<name>_diff.py), with their labels.
PEERS = {"json": ("deepdiff", "diffsync"), "csv": ("csvdiff",)}
PEER_LABELS = {"deepdiff": "deepdiff (keyed dicts)", "diffsync": "diffsync", "csvdiff": "csv-diff (dialect given)"}
REPLICATE = REPO / "bench" / "replicate_csv.py"

FLOOR = {
    "json": "import gc,sys,orjson; gc.disable(); [orjson.loads(open(p,'rb').read()) for p in sys.argv[1:]]",
    "yaml": "import gc,sys,yaml; gc.disable(); [yaml.load(open(p,encoding='utf-8').read(), Loader=yaml.CSafeLoader)"
            " for p in sys.argv[1:]]",
    "csv": "import gc,sys,csv; gc.disable(); [list(csv.reader(open(p,newline='',encoding='utf-8')))"
           " for p in sys.argv[1:]]",
}
# Writing the receiving file as a sync must: a temporary file beside it, fsync, rename.
WRITE_FLOOR = (
    "import os,sys; data=open(sys.argv[1],'rb').read(); tmp=sys.argv[2]+'.tmp'\n"
    "with open(tmp,'wb') as f:\n f.write(data); f.flush(); os.fsync(f.fileno())\n"
    "os.replace(tmp, sys.argv[2])"
)


@dataclass
class Sample:
    """One child process: wall and CPU seconds, peak RSS, exit code, what it printed."""

    wall: float
    cpu: float
    rss_mib: float
    code: int
    stdout: bytes
    stderr: bytes


@dataclass
class Timing:
    """The median of several runs of one command."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss(self) -> float:
        return max(s.rss_mib for s in self.samples)

    @property
    def last(self) -> Sample:
        return self.samples[-1]


def run_once(argv: list[str], timeout: float | None = None, cwd: Path | None = None) -> Sample:
    """Run a child with its output in temporary files; wall time, and CPU and peak RSS from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code, out.read(), err.read())


def measure(argv: list[str], runs: int) -> Timing:
    return Timing([run_once(argv) for _ in range(runs)])


def nervsync(*args: str) -> list[str]:
    return [sys.executable, "-m", "nervsync_cli", *args]


def counts_of(report: dict[str, Any]) -> dict[str, int]:
    summary = report.get("summary", report)
    return {k: int(summary[k]) for k in ("added", "removed", "changed")}


def check_truth(stdout: bytes, truth: dict[str, Any], label: str) -> str:
    try:
        got = counts_of(json.loads(stdout))
    except (ValueError, KeyError) as exc:
        return f"MISMATCH {label}: unreadable output ({exc})"
    expected = {k: truth[k] for k in ("added", "removed", "changed")}
    return "ok" if got == expected else f"MISMATCH {label}: {got} != {expected}"


def columnar_command(source: Path, target: Path, engine: str) -> list[str]:
    """``nervsync diff --engine ENGINE -o json``."""
    return nervsync("diff", "--engine", engine, str(source), str(target), "-o", "json")


def paired(a: list[float], b: list[float]) -> float:
    """The median of the ratios of runs taken side by side (``a[k] / b[k]``): where the machine's
    speed drifts between rounds, each ratio still compares runs made under the same conditions."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def walls(timing: Timing) -> list[float]:
    return [sample.wall for sample in timing.samples]


@dataclass
class Row:
    fmt: str
    size: int
    floor: Timing
    diff: Timing
    write: Timing
    sync_st: Timing
    sync_bidi: Timing
    verdict: str
    peers: dict[str, Peer | None] = field(default_factory=dict)
    # The diff and sync s→t of the size ten times smaller, run in the same rounds (growth).
    smaller_diff: Timing = field(default_factory=Timing)
    smaller_sync: Timing = field(default_factory=Timing)

    @property
    def sync_floor(self) -> list[float]:
        """Floor plus write, per round."""
        return [a + b for a, b in zip(walls(self.floor), walls(self.write), strict=True)]

    def diff_ratio(self) -> float:
        return paired(walls(self.diff), walls(self.floor))

    def sync_ratio(self, timing: Timing) -> float:
        return paired(walls(timing), self.sync_floor)

    def growth(self) -> tuple[float, float] | None:
        """How many times longer than at a tenth of the records: diff, sync s→t (paired by round)."""
        if not self.smaller_diff.samples:
            return None
        return (paired(walls(self.diff), walls(self.smaller_diff)),
                paired(walls(self.sync_st), walls(self.smaller_sync)))


@dataclass
class Peer:
    """A peer's runs, each between two runs of ``nervsync diff`` (``around``: one more than ``runs``)."""

    timing: Timing
    around: Timing

    def times_slower(self) -> float:
        """Peer time over nervsync's, per run, against the mean of the nervsync runs either side."""
        mine = walls(self.around)
        return paired(walls(self.timing), [(x + y) / 2 for x, y in pairwise(mine)])


def sync_once(src: Path, tgt: Path, extra: list[str], problems: list[str], label: str) -> Sample:
    with tempfile.TemporaryDirectory(dir=src.parent) as tmp:
        a, b = Path(tmp) / src.name, Path(tmp) / tgt.name
        shutil.copy(src, a)
        shutil.copy(tgt, b)
        # Run in the temporary folder: the sync's state store (.nervsync/) is created there, as a
        # first sync of a pair would, and goes with it.
        sample = run_once(nervsync("sync", str(a), str(b), "-q", *extra), cwd=Path(tmp))
        if sample.code != 0:
            problems.append(f"sync {label} exit {sample.code}: {sample.stderr[-300:]!r}")
        elif run_once(nervsync("diff", str(a), str(b), "-q")).code != 0:
            problems.append(f"sync {label}: files still differ")
        return sample


def bench_size(size: int, formats: list[str], runs: int, data: Path, peers: bool, problems: list[str],
               smaller: bool = False) -> list[Row]:
    """The rows of one size; ``smaller``: this run has the size ten times smaller too (its diff and
    sync s→t then also run in these rounds, for the growth ratios)."""
    folder = data / str(size)
    truth = json.loads((folder / "truth.json").read_text())
    rows = []
    for fmt in formats:
        src, tgt = folder / f"source.{fmt}", folder / f"target.{fmt}"
        label = f"{fmt} {size:,}"
        floor_argv = [sys.executable, "-c", FLOOR[fmt], str(src), str(tgt)]
        diff_argv = nervsync("diff", str(src), str(tgt), "-o", "json")
        # The same records ten times fewer, when this run has them: growth is measured in the rounds too.
        small = data / str(size // 10)
        small_pair = (small / f"source.{fmt}", small / f"target.{fmt}")
        has_small = smaller and all(path.exists() for path in small_pair)
        row = Row(fmt, size, Timing(), Timing(), Timing(), Timing(), Timing(), "ok")
        # In rounds, one run of each command per round: the machine's speed drifts (a shared VM),
        # and a ratio is fair only if its two sides ran under the same conditions.
        for round_number in range(runs):
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                write_argv = [sys.executable, "-c", WRITE_FLOOR, str(tgt), str(Path(tmp) / tgt.name)]
                for timing, argv in ((row.floor, floor_argv), (row.diff, diff_argv), (row.write, write_argv)):
                    timing.samples.append(run_once(argv))
            for timing, name, extra in ((row.sync_st, "s→t", ["--direction", "source-to-target"]),
                                        (row.sync_bidi, "bidi", ["--strategy", "source-wins"])):
                timing.samples.append(sync_once(src, tgt, extra, problems, f"{name} {label}"))
            if has_small:
                row.smaller_diff.samples.append(run_once(nervsync("diff", *map(str, small_pair), "-o", "json")))
                row.smaller_sync.samples.append(sync_once(*small_pair, ["--direction", "source-to-target"], problems,
                                                          f"s→t {fmt} {size // 10:,}"))
            if round_number == 0 and row.floor.wall > SLOW_SECONDS:
                break
        row.verdict = check_truth(row.diff.last.stdout, truth, label)
        if row.verdict != "ok":
            problems.append(row.verdict)
        if peers:
            for peer in PEERS.get(fmt, ()):
                row.peers[peer] = measure_peer(peer, src, tgt, truth, runs if size <= 10_000 else 1, problems)
        rows.append(row)
        print(render_row(row), flush=True)
    return rows


def measure_peer(peer: str, src: Path, tgt: Path, truth: dict[str, Any], runs: int,
                 problems: list[str]) -> Peer | None:
    """A baseline's runs, checked against truth.json, each between two runs of ``nervsync diff``;
    ``None`` if it failed."""
    label = f"{peer} {src.suffix[1:]} {truth['n_source']:,}"
    argv = [sys.executable, str(BASELINES / f"{peer}_diff.py"), str(src), str(tgt)]
    mine = nervsync("diff", str(src), str(tgt), "-o", "json")
    result = Peer(Timing(), Timing([run_once(mine)]))
    for _ in range(runs):
        result.timing.samples.append(run_once(argv, timeout=PEER_TIMEOUT))
        result.around.samples.append(run_once(mine))
        if result.timing.last.code != 0:
            break
    timing = result.timing
    if timing.last.code != 0:
        problems.append(f"{label}: exit {timing.last.code} {timing.last.stderr[-200:]!r}")
        return None
    verdict = check_truth(timing.last.stdout.splitlines()[-1], truth, label)
    if verdict != "ok":
        problems.append(verdict)
    return result


HEADER = (
    "| format | records | parse floor s | diff s | diff / floor | diff CPU s | diff peak RSS MiB "
    "| sync s→t s | s→t / (floor + write) | sync bidi s | bidi / (floor + write) | truth |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def render_row(row: Row) -> str:
    return (
        f"| {row.fmt} | {row.size:,} | {row.floor.wall:.2f} | {row.diff.wall:.2f} | {row.diff_ratio():.2f}× | "
        f"{row.diff.cpu:.2f} | {row.diff.rss:.0f} | {row.sync_st.wall:.2f} | {row.sync_ratio(row.sync_st):.2f}× | "
        f"{row.sync_bidi.wall:.2f} | {row.sync_ratio(row.sync_bidi):.2f}× | {row.verdict} |"
    )


def peers_table(rows: list[Row]) -> list[str]:
    lines = ["| format | records | nervsync diff s | peer | peer s | peer / nervsync |", "|---|---|---|---|---|---|"]
    for row in rows:
        for peer, result in row.peers.items():
            cells = [row.fmt, f"{row.size:,}", f"{row.diff.wall:.2f}", PEER_LABELS[peer]]
            if result is None:
                cells += ["failed", "–"]
            elif result.timing.last.wall >= PEER_TIMEOUT:
                cells += [f"> {PEER_TIMEOUT:.0f}", f"> {result.times_slower():.0f}×"]
            else:
                cells += [f"{result.timing.wall:.2f}", f"{result.times_slower():.2f}×"]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def scaling_table(rows: list[Row]) -> list[str]:
    lines = ["| format | step | diff time ×  | sync s→t time × |", "|---|---|---|---|"]
    for row in sorted(rows, key=lambda r: (r.fmt, r.size)):
        growth = row.growth()
        if growth is not None:
            lines.append(f"| {row.fmt} | {row.size // 10:,} → {row.size:,} | {growth[0]:.2f}× | {growth[1]:.2f}× |")
    return lines


@dataclass
class ColumnarRow:
    size: int
    engine: str
    timing: Timing
    files_mib: float
    verdict: str

    def line(self) -> str:
        t = self.timing
        return (f"| {self.size:,} | {self.engine} | {t.wall:.2f} | {t.cpu:.2f} | {t.rss:.0f} | {self.files_mib:.0f} | "
                f"{t.rss / self.files_mib:.2f} | {self.verdict} |")


COLUMNAR_HEADER = ["| rows | engine | wall s | CPU s | peak RSS MiB | files MiB | RSS / files | truth |",
                   "|---|---|---|---|---|---|---|---|"]


def columnar_data(size: int, data: Path) -> Path:
    """The CSV pair of ``size`` rows: generated up to 1M; above, 1M rows replicated (the generator
    holds every record in memory, more than the machine has at 10M)."""
    folder = data / str(size)
    if (folder / "source.csv").exists():
        return folder
    if size <= 1_000_000:
        subprocess.run([sys.executable, str(GEN), "--out", str(data), "--sizes", str(size), "--formats", "csv"],
                       check=True, stdout=subprocess.DEVNULL)
        return folder
    base = columnar_data(1_000_000, data)
    subprocess.run([sys.executable, str(REPLICATE), "--source-dir", str(base), "--times", str(size // 1_000_000),
                    "--out", str(folder)], check=True)
    return folder


def bench_columnar(sizes: list[int], runs: int, data: Path, problems: list[str]) -> list[ColumnarRow]:
    rows = []
    for size in sizes:
        folder = columnar_data(size, data)
        truth = json.loads((folder / "truth.json").read_text())
        src, tgt = folder / "source.csv", folder / "target.csv"
        files = (src.stat().st_size + tgt.stat().st_size) / 2**20
        engines = ["columnar"] + (["python"] if size <= 1_000_000 else [])
        for engine in engines:
            engine_runs = runs if engine == "columnar" and size <= 1_000_000 else 1
            timing = measure(columnar_command(src, tgt, engine), engine_runs)
            verdict = check_truth(timing.last.stdout, truth, f"columnar {engine} {size:,}")
            if verdict != "ok":
                problems.append(verdict)
            rows.append(ColumnarRow(size, engine, timing, files, verdict))
            print(rows[-1].line(), flush=True)
    return rows


def bench_rga(runs: int, problems: list[str]) -> float | None:
    """Median seconds of the editing-trace replay (``None``: no trace, or it failed)."""
    if not TRACE.exists():
        return None
    code = (
        "import json,sys; sys.path.insert(0, sys.argv[2]); from bench.rga_trace import replay_trace, load_trace;"
        "text, seconds = replay_trace(sys.argv[1]); ok = text == load_trace(__import__('pathlib').Path(sys.argv[1]))"
        "['endContent']; print(json.dumps({'seconds': seconds, 'ok': ok}))"
    )
    seconds = []
    for _ in range(runs):
        sample = run_once([sys.executable, "-c", code, str(TRACE), str(REPO)])
        if sample.code != 0:
            problems.append(f"rga replay exit {sample.code}: {sample.stderr[-300:]!r}")
            return None
        result = json.loads(sample.stdout)
        if not result["ok"]:
            problems.append("rga replay: final text differs from endContent")
        seconds.append(result["seconds"])
    median = statistics.median(seconds)
    print(f"rga replay {median:.2f} s", flush=True)
    return float(median)


def targets_table(rows: list[Row], columnar: list[ColumnarRow], rga: float | None) -> list[str]:
    """The issue's targets, each with what this run measured and whether it is met."""
    lines = ["| target | measured | met |", "|---|---|---|"]

    def add(target: str, measured: str, met: bool) -> None:
        lines.append(f"| {target} | {measured} | {'yes' if met else '**no**'} |")

    by = {(r.fmt, r.size): r for r in rows}
    for fmt, limit in (("json", 1.5), ("csv", 1.5), ("yaml", 1.2)):
        if (row := by.get((fmt, 100_000))) is not None:
            times = row.diff_ratio()
            add(f"diff, {fmt}, 100k records: ≤ {limit}× the parse floor", f"{times:.2f}×", times <= limit)
    for fmt in ("json", "csv", "yaml"):
        if (row := by.get((fmt, 100_000))) is not None:
            times = row.sync_ratio(row.sync_st)
            add(f"sync source-to-target, {fmt}, 100k: ≤ 2× (floor + write)", f"{times:.2f}×", times <= 2)
    for row in rows:
        if row.size != 100_000:
            continue
        for peer, result in row.peers.items():
            # A peer that failed (out of memory, say) counts as one that ran out of time.
            times = PEER_TIMEOUT / row.diff.wall if result is None else result.times_slower()
            need = 1.0 if peer == "csvdiff" else 10.0
            add(f"diff, {row.fmt}, 100k: ≥ {need:g}× faster than {PEER_LABELS[peer]}", f"{times:.2f}×", times >= need)
    for row in sorted(rows, key=lambda r: (r.fmt, r.size)):
        growth = row.growth()
        if growth is None:
            continue
        for what, times in zip(("diff", "sync s→t"), growth):
            add(f"{what}, {row.fmt}, {row.size // 10:,} → {row.size:,} records: ≤ 11× the time", f"{times:.2f}×",
                times <= 11)
    for col in columnar:
        if col.engine != "columnar":
            continue
        rss_ratio = col.timing.rss / col.files_mib
        if col.size == 1_000_000:
            add("columnar CSV diff, 1M rows: ≤ 3 s wall", f"{col.timing.wall:.2f} s", col.timing.wall <= 3)
            add("columnar CSV diff, 1M rows: peak RSS < 2× the files", f"{rss_ratio:.2f}×", rss_ratio < 2)
        elif col.size >= 10_000_000:
            add(f"columnar CSV diff, {col.size:,} rows: completes within 24 GB",
                f"{col.verdict}, {col.timing.rss / 1024:.1f} GiB, {col.timing.wall:.0f} s",
                col.verdict == "ok" and col.timing.rss < 24 * 1024)
    if rga is not None:
        add("RGA: the 259,778-edit trace replays in ≤ 2 s", f"{rga:.2f} s", rga <= 2)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k only, no 1M columnar run, 1 peer run")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--formats", default="json,yaml,csv")
    parser.add_argument("--columnar-sizes", default="1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=str(REPO / "bench" / "out"))
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--peer-max", type=int, default=None, help="run the peers only up to this many records")
    parser.add_argument("--out", default=str(REPO / "BENCHMARKS.md"))
    args = parser.parse_args()
    if not GEN.exists():
        print(f"bench: {GEN} not found (../shared is needed)", file=sys.stderr)
        return 2
    sizes = [1000, 10000] if args.quick else [int(s) for s in args.sizes.split(",")]
    columnar_sizes = [] if args.quick or not args.columnar_sizes else [int(s) for s in args.columnar_sizes.split(",")]
    formats = args.formats.split(",")
    data = Path(args.data)
    subprocess.run([sys.executable, str(GEN), "--out", str(data), "--sizes", ",".join(map(str, sizes)),
                    "--formats", args.formats], check=True, stdout=subprocess.DEVNULL)
    # Measure the CLI as installed, not its compiling: an editable install has no byte code, and
    # where PYTHONDONTWRITEBYTECODE is set every run would compile the package again.
    compileall.compile_dir(REPO / "nervsync_cli", quiet=1)
    load_before = os.getloadavg()
    print(HEADER, flush=True)
    problems: list[str] = []
    rows: list[Row] = []
    for size in sizes:
        peers = not args.no_peers and (args.peer_max is None or size <= args.peer_max)
        rows += bench_size(size, formats, args.runs, data, peers, problems, smaller=size // 10 in sizes)
    columnar = bench_columnar(columnar_sizes, args.runs, data, problems) if columnar_sizes else []
    rga = bench_rga(args.runs, problems)
    load_after = os.getloadavg()
    text = [
        "# Benchmarks",
        "",
        f"`python bench/run.py {' '.join(sys.argv[1:])}`: median of {args.runs} whole-process runs (wall clock; "
        f"one run where the parse floor alone takes over {SLOW_SECONDS:.0f} s, and for peers above 10k records; "
        "a format and size's floors, diff and syncs in rounds, one run of each per round, with the diff and "
        "sync s→t of the size ten times smaller; every ratio is the median of the per-round ratios, and a "
        "peer's is against the mean of the nervsync diffs run just before and after it), "
        f"on {os.cpu_count()} cores (load average {load_before[0]:.1f} before, {load_after[0]:.1f} after: the "
        "machine is shared, so CPU seconds are given too). Parse floor: both files loaded by orjson / PyYAML "
        "CSafeLoader / csv.reader with the GC paused, in a fresh interpreter. Sync floor: the parse floor plus "
        "writing the receiving file atomically (temporary file, fsync, rename). Syncs run on fresh copies and "
        "are checked by a diff of the results; every diff, nervsync's and the peers', is checked against the "
        "generator's truth.json.",
        "",
        "## Targets (issue 6)",
        "",
        *targets_table(rows, columnar, rga),
        "",
        "## diff and sync",
        "",
        HEADER,
        *[render_row(row) for row in rows],
        "",
        "## Peers (records keyed by id; bench/baselines/)",
        "",
        *peers_table(rows),
        "",
        "## Scaling (10× the records)",
        "",
        *scaling_table(rows),
    ]
    if columnar:
        text += ["", "## Columnar engine (CSV, `--engine auto` picks it from 48 MiB)", "", *COLUMNAR_HEADER,
                 *[row.line() for row in columnar]]
    trace = "(trace not found, or the replay failed)" if rga is None else f"replay {rga:.2f} s (median of {args.runs})"
    text += ["", "## RGA editing-trace replay", "", f"automerge-paper (259,778 edits): {trace}", ""]
    if problems:
        text += ["## Problems", "", *[f"- {p}" for p in problems], ""]
    Path(args.out).write_text("\n".join(text))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
