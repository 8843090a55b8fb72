"""The fast delimiter sniffer finds exactly what ``csv.Sniffer`` finds (delimiter or error)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli.formats.sniff import sniff_delimiter

REPO = Path(__file__).resolve().parents[1]
DELIMITERS = ",;\t|"


def expected(sample: str, delimiters: str | None = DELIMITERS) -> str:
    try:
        return str(csv.Sniffer().sniff(sample, delimiters=delimiters).delimiter)
    except csv.Error:
        return "error"


def got(sample: str, delimiters: str | None = DELIMITERS) -> str:
    try:
        return sniff_delimiter(sample, delimiters)
    except csv.Error:
        return "error"


def corpus() -> list[Path]:
    roots = [REPO / "fixtures", REPO.parent / "shared" / "conformance"]
    return sorted(p for root in roots if root.is_dir() for p in root.rglob("*")
                  if p.suffix in (".csv", ".tsv", ".txt", ".yaml", ".json") and p.is_file())


def test_every_file_of_the_corpora() -> None:
    files = corpus()
    if not files:
        pytest.skip("no corpus")
    for path in files:
        sample = path.read_bytes().decode("utf-8", errors="replace")[:65536]
        assert got(sample) == expected(sample), path
        assert got(sample, None) == expected(sample, None), path


def test_generated_tables(bench_data: Path) -> None:
    sample = (bench_data / "source.csv").read_text(encoding="utf-8")[:65536]
    assert got(sample) == expected(sample) == ","


ALPHABET = st.sampled_from([*"ab1 _,;\t|:\"'\n\r-.é", "\"\"", "\n\"", "\",", ", '", "'\n"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_random_samples(sample: str) -> None:
    assert got(sample) == expected(sample)
    assert got(sample, None) == expected(sample, None)


def test_random_tables() -> None:
    rng = random.Random(7)
    for _ in range(300):
        delim = rng.choice(",;\t|")
        quote = rng.choice("\"'")
        rows = []
        for _ in range(rng.randint(1, 30)):
            cells = []
            for _ in range(rng.randint(1, 6)):
                cell = "".join(rng.choice("ab \n,;'\"x") for _ in range(rng.randint(0, 8)))
                cells.append(quote + cell.replace(quote, quote * 2) + quote if rng.random() < 0.4 else cell)
            rows.append((delim + rng.choice(["", " "])).join(cells))
        sample = "\n".join(rows)
        assert got(sample) == expected(sample), sample
