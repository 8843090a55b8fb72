"""Which YAML parser could be nervsync's fast path? Speed and exactness against our loader.

For every ``.yaml``/``.yml`` file under ``fixtures/`` and ``../shared/conformance/``, each candidate's
documents are compared with what :class:`nervsync_cli.formats.yaml_format.YamlFormat` loads (the
reference: PyYAML's C parser with nervsync's JSON-shaped constructor: timestamps as text, keys as
strings, YAML 1.1 scalars, duplicate keys refused). Equality is strict: same types (``True`` is not
``1``), same key order is not required. A candidate "agrees" on a file when it loads the same data,
or when both refuse the file. Then each parser loads the generator's YAML files (time per file, GC
paused, best of N).

Usage: python bench/yaml_parsers.py [--data /tmp/gd] [--sizes 10000,100000] [--runs 3]
Prints a Markdown report (bench/yaml_parsers.md is one such run).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from nervsync_cli.errors import InputError
from nervsync_cli.formats.yaml_format import YamlFormat

REPO = Path(__file__).resolve().parents[1]
ROOTS = (REPO / "fixtures", REPO.parent / "shared" / "conformance")
REFUSED = object()

Loader = Callable[[str], list[Any]]


def reference(text: str) -> list[Any]:
    try:
        document = YamlFormat().load(text, "x")
    except InputError:
        return [REFUSED]
    return list(document.data) if document.multi_document else [document.data]


def _docs(found: Any) -> list[Any]:
    docs = [doc for doc in found if doc is not None] or [None]
    return docs


def pyyaml_csafe(text: str) -> list[Any]:
    return _docs(yaml.load_all(text, Loader=yaml.CSafeLoader))


def yaml_rs(text: str) -> list[Any]:
    rs: Any = importlib.import_module("yaml_rs")
    found = rs.loads(text, parse_datetime=False)
    return _docs(found if text.count("\n---") and isinstance(found, list) else [found])


def pyyaml_rs(text: str) -> list[Any]:
    rs: Any = importlib.import_module("pyyaml_rs")
    return _docs(rs.safe_load_all(text))


def ryml_tree(text: str) -> list[Any]:
    """rapidyaml builds its tree only; turning it into Python values would be a Python walk."""
    ryml: Any = importlib.import_module("ryml")
    ryml.parse_in_arena(text.encode("utf-8"))
    return [REFUSED]


CANDIDATES: dict[str, Loader] = {
    "PyYAML CSafeLoader (plain)": pyyaml_csafe,
    "yaml-rs (parse_datetime=False)": yaml_rs,
    "pyyaml-rs (safe_load_all)": pyyaml_rs,
    "rapidyaml (tree only)": ryml_tree,
}


def same(a: Any, b: Any) -> bool:
    """Equal with equal types all the way down (``1`` is not ``1.0`` nor ``True``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def corpus() -> list[Path]:
    files: list[Path] = []
    for root in ROOTS:
        if root.is_dir():
            files += sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return files


def agreement(files: list[Path]) -> dict[str, tuple[int, list[str]]]:
    texts = {}
    for path in files:
        try:
            texts[path] = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
    expected = {path: reference(text) for path, text in texts.items()}
    results: dict[str, tuple[int, list[str]]] = {}
    for name, load in CANDIDATES.items():
        agree, differ = 0, []
        for path, text in texts.items():
            try:
                got = load(text)
            except Exception:
                got = [REFUSED]
            want = expected[path]
            if (got == [REFUSED] and want == [REFUSED]) or (
                    got != [REFUSED] and want != [REFUSED] and same(got, want)):
                agree += 1
            else:
                differ.append(str(path.relative_to(REPO.parent)))
        results[name] = (agree, differ)
    return results


def speed(path: Path, load: Loader, runs: int) -> float | None:
    text = path.read_text(encoding="utf-8")
    best = math.inf
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            load(text)
            best = min(best, time.process_time() - start)
        except Exception:
            return None
        finally:
            gc.enable()
    return best


PROBES = (
    "enabled: yes\n", "mode: 0o17\n", "t: 1:20\n", "on: push\n", "a: 2001-12-14\n", "a: 1\na: 2\n",
    "1: x\n'1': y\n", "k: !Ref v\n",
)


def probes() -> list[str]:
    """Small documents where YAML 1.1 and 1.2 rules, or nervsync's own rules, tell parsers apart."""
    lines = ["| document | " + " | ".join(["reference", *CANDIDATES]) + " |", "|---|" + "---|" * (1 + len(CANDIDATES))]
    for text in PROBES:
        cells = []
        for load in (reference, *CANDIDATES.values()):
            try:
                got = load(text)
                cells.append("refused" if got == [REFUSED] else repr(got[0] if len(got) == 1 else got))
            except Exception as exc:
                cells.append(f"error ({type(exc).__name__})")
        lines.append(f"| `{text.strip()!r}` | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", default="/tmp/gd")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    files = corpus()
    results = agreement(files)
    loaders: dict[str, Loader] = {"nervsync loader (reference)": reference, **CANDIDATES}
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"Corpus: {len(files)} YAML files (fixtures/ and ../shared/conformance/).\n")
    print("| parser | files loaded identically | " + " | ".join(f"CPU s, {n:,} records" for n in sizes) + " |")
    print("|---|---|" + "---|" * len(sizes))
    for name, load in loaders.items():
        agree = f"{results[name][0]} / {len(files)}" if name in results else "(reference)"
        cells = []
        for size in sizes:
            path = Path(args.data) / str(size) / "source.yaml"
            seconds = speed(path, load, args.runs if size < 100_000 else 1) if path.exists() else None
            cells.append("–" if seconds is None else f"{seconds:.2f}")
        print(f"| {name} | {agree} | " + " | ".join(cells) + " |", flush=True)
    print("\n" + "\n".join(probes()))
    for name, (_, differ) in results.items():
        if differ:
            print(f"\n{name}: differs on {len(differ)} files, e.g. " + ", ".join(differ[:5]))


if __name__ == "__main__":
    main()
