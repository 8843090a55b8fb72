"""The columnar engine gives exactly the python engine's diff: same changes, order, paths, values,
warnings and errors. Every test compares the two engines on the same files; none times anything.
"""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("polars")

from nervsync_cli.columnar import Unsupported, diff_files, diff_tables
from nervsync_cli.diff import as_streams, diff_documents
from nervsync_cli.errors import DuplicateKeyError, InputError
from nervsync_cli.files import load_document
from nervsync_cli.identity import parse_key_option
from nervsync_cli.model import Diff, DiffOptions
from nervsync_cli.paths import format_path, parse_pattern

Write = Callable[[str, "str | bytes"], str]
RunCli = Callable[..., subprocess.CompletedProcess[str]]


def python_engine(source: str, target: str, options: DiffOptions, coerce: bool = False) -> Diff:
    loaded = as_streams(load_document(source, coerce=coerce), load_document(target, coerce=coerce))
    return diff_documents(*loaded, options)


def options(*keys: str, ignore: tuple[str, ...] = (), precision: int | None = None) -> DiffOptions:
    return DiffOptions(keys=tuple(parse_key_option(key) for key in keys),
                       ignore=tuple(parse_pattern(p) for p in ignore), precision=precision)


def same(source: str, target: str, opts: DiffOptions, coerce: bool = False) -> Diff:
    """Both engines agree (the columnar one must not fall back); returns the diff."""
    expected = python_engine(source, target, opts, coerce)
    got = diff_tables(source, target, opts, coerce=coerce)
    assert got.warnings == expected.warnings
    assert got.changes == expected.changes
    return got


def rewrite(path: str, out: str, edit: Callable[[list[list[str]]], list[list[str]]]) -> str:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(edit(rows))
    Path(out).write_text(buffer.getvalue(), encoding="utf-8")
    return out


@pytest.fixture
def generated(bench_data: Path) -> tuple[str, str]:
    return str(bench_data / "source.csv"), str(bench_data / "target.csv")


@pytest.mark.parametrize("coerce", [False, True])
def test_generated_data_by_id(generated: tuple[str, str], coerce: bool) -> None:
    diff = same(*generated, options(), coerce)
    assert diff.changes


@pytest.mark.parametrize("coerce", [False, True])
def test_key_other_than_id(generated: tuple[str, str], coerce: bool) -> None:
    same(*generated, options("serial"), coerce)


@pytest.mark.parametrize("coerce", [False, True])
def test_composite_key_ignore_and_precision(generated: tuple[str, str], coerce: bool) -> None:
    diff = same(*generated, options("serial,id", ignore=("[*].notes", "**.tags")), coerce)
    assert not any(getattr(change.path[-1], "name", None) in ("notes", "tags") for change in diff.changes)
    same(*generated, options(precision=1), coerce)
    # A whole record ignored by its key, and one column of all records.
    every = same(*generated, options(), coerce)
    first = next(format_path(change.path[:1]) for change in every.changes if len(change.path) == 2)
    fewer = same(*generated, options(ignore=(first, "[*].mgmt_ip")), coerce)
    assert 0 < len(fewer.changes) < len(every.changes)
    assert not any(format_path(change.path[:1]) == first for change in fewer.changes)


def test_duplicate_keys_raise_the_same_error(generated: tuple[str, str]) -> None:
    # ``name`` repeats in the generated data: an explicit key must be unique.
    with pytest.raises(DuplicateKeyError) as expected:
        python_engine(*generated, options("name"))
    with pytest.raises(DuplicateKeyError) as got:
        diff_tables(*generated, options("name"))
    assert str(got.value) == str(expected.value)


def test_duplicate_in_target_only(generated: tuple[str, str], tmp_path: Path) -> None:
    target = rewrite(generated[1], str(tmp_path / "t.csv"), lambda rows: [*rows, rows[5]])
    with pytest.raises(DuplicateKeyError) as expected:
        python_engine(generated[0], target, options("id"))
    with pytest.raises(DuplicateKeyError) as got:
        diff_tables(generated[0], target, options("id"))
    assert str(got.value) == str(expected.value)
    # Without --key, a repeated id is no key: rows are then matched by another column or position.
    same(generated[0], target, options())


def test_no_key_column_is_positional_with_the_warning(generated: tuple[str, str], tmp_path: Path) -> None:
    def drop_keys(rows: list[list[str]]) -> list[list[str]]:
        keep = [k for k, column in enumerate(rows[0]) if column not in ("id", "name")]
        return [[row[k] for k in keep] for row in rows]

    source = rewrite(generated[0], str(tmp_path / "s.csv"), drop_keys)
    target = rewrite(generated[1], str(tmp_path / "t.csv"), drop_keys)
    diff = same(source, target, options())
    assert diff.warnings
    # Identical tables without a key: no changes and no warning, as the python engine says.
    assert not same(source, source, options()).warnings


def test_other_column_order_and_other_columns(generated: tuple[str, str], tmp_path: Path) -> None:
    reordered = rewrite(generated[1], str(tmp_path / "r.csv"), lambda rows: [row[::-1] for row in rows])
    same(generated[0], reordered, options())
    fewer = rewrite(generated[1], str(tmp_path / "f.csv"), lambda rows: [row[:-3] for row in rows])
    same(generated[0], fewer, options())


def test_small_tables_and_edge_cells(write: Write) -> None:
    source = write("s.csv", 'id,a,b\n1,x,"multi\nline"\n2,"q""uote",\n3,"a,b",z\n4,,\n')
    target = write("t.csv", 'id,a,b\r\n2,"q""uote",\r\n1,x,"multi\nline!"\r\n5,new,\r\n4,,\r\n')
    same(source, target, options())
    same(source, target, options(), coerce=True)
    same(target, source, options("a"))
    same(source, source, options())


def test_coerced_keys_collide_like_python(write: Write) -> None:
    source = write("s.csv", "k,v\n1.0,a\n1.00,b\n")
    target = write("t.csv", "k,v\n1,a\n")
    with pytest.raises(DuplicateKeyError) as expected:
        python_engine(source, target, options("k"), coerce=True)
    with pytest.raises(DuplicateKeyError) as got:
        diff_tables(source, target, options("k"), coerce=True)
    assert str(got.value) == str(expected.value)
    same(source, target, options("v"), coerce=True)


def test_ragged_rows_give_the_same_error(write: Write) -> None:
    good = write("good.csv", "id,a,b\n1,x,y\n2,x,y\n")
    for name, text in (("short.csv", "id,a,b\n1,x,y\n2,x\n"), ("long.csv", "id,a,b\n1,x,y,z\n"),
                       ("blank_ws.csv", "id,a,b\n1,x,y\n   \n")):
        bad = write(name, text)
        with pytest.raises(Unsupported):
            diff_tables(good, bad, options())
        assert diff_files(good, bad, options(), engine="columnar") is None
        with pytest.raises(InputError, match="row has"):
            python_engine(good, bad, options())


def test_files_csv_reads_differently_fall_back(write: Write) -> None:
    good = write("good.csv", "id,a\n1,x\n")
    for name, text in (("blank.csv", "id,a\n1,x\n\n2,y\n"), ("cr.csv", "id,a\r1,x\r"),
                       ("stray_quote.csv", 'id,a\n1,ab"c\n'), ("after_quote.csv", 'id,a\n1,"ab"c\n'),
                       ("sep.csv", "id,a\n1,x\x1fy\n")):
        other = write(name, text)
        with pytest.raises(Unsupported):
            diff_tables(good, other, options())


def test_blank_cells_at_the_end_are_not_short_rows(write: Write) -> None:
    source = write("s.csv", "id,a,b\n1,x,\n2,y,\n3,\"z,\",\n")
    target = write("t.csv", "id,a,b\n1,x,\n2,y,q\n")
    same(source, target, options())


def test_cli_engines_print_the_same(generated: tuple[str, str], write: Write, run_cli: RunCli) -> None:
    for output in ("json", "table"):
        columnar = run_cli("diff", *generated, "--engine", "columnar", "-o", output)
        python = run_cli("diff", *generated, "--engine", "python", "-o", output)
        assert (columnar.returncode, columnar.stdout, columnar.stderr) == (python.returncode, python.stdout,
                                                                           python.stderr)
        assert columnar.returncode == 1
    good = write("good.csv", "id,a,b\n1,x,y\n")
    ragged = write("ragged.csv", "id,a,b\n1,x,y\n2,x\n")
    columnar = run_cli("diff", good, ragged, "--engine", "columnar")
    python = run_cli("diff", good, ragged, "--engine", "python")
    assert (columnar.returncode, columnar.stdout, columnar.stderr) == (python.returncode, python.stdout, python.stderr)
    assert columnar.returncode == 2


def test_short_row_in_a_file_with_other_column_order(write: Write) -> None:
    # TARGET's rows are packed in SOURCE's column order; a padded short row shows in TARGET's own
    # last column (here "id"), not in the last packed cell.
    source = write("s.csv", "id,a,b\n1,x,y\n2,x,y\n")
    target = write("t.csv", "b,a,id\ny,x,1\ny,x\n")
    with pytest.raises(Unsupported):
        diff_tables(source, target, options())
    with pytest.raises(InputError, match="row has"):
        python_engine(source, target, options())


def test_sorted_and_unsorted_keys_join_alike(generated: tuple[str, str], write: Write) -> None:
    # Keys increasing in SOURCE are matched by binary search, others by a hash join: SOURCE's keys
    # here come before, between and after TARGET's.
    source = write("s.csv", "id,v\nb,1\nd,2\nf,3\n")
    target = write("t.csv", "id,v\ng,1\nd,2\na,3\nf,4\n")
    same(source, target, options())
    same(target, source, options())
    same(generated[1], generated[0], options())


def test_unit_separator_on_either_side_or_in_the_header_falls_back(write: Write) -> None:
    # The packed rows are joined with U+001F; the scan for it runs while polars reads, on both files.
    good = write("good.csv", "id,a\n1,x\n2,y\n")
    in_cell = write("cell.csv", "id,a\n1,x\n2,y\x1fz\n")
    in_header = write("header.csv", "id,a\x1fb\n1,x\n")
    for source, target in ((in_cell, good), (good, in_cell), (in_header, good), (good, in_header)):
        with pytest.raises(Unsupported):
            diff_tables(source, target, options())
        assert diff_files(source, target, options(), engine="columnar") is None
