"""Two versions of one table load sharing their rows, into exactly what loading each alone gives.

The shared load (:mod:`nervsync_cli.formats.csv_pair`) is checked against :meth:`CsvFormat.load`
on random tables with quoted delimiters, line breaks inside cells, blank lines, CRLF, repeated
rows and rows rewritten in another quoting; the rewrite that uses the rows' known starts against
the one that finds them itself.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nervsync_cli.errors import InputError
from nervsync_cli.files import RawInput
from nervsync_cli.formats import get_format
from nervsync_cli.formats.base import csv_lines
from nervsync_cli.formats.csv_format import CsvFormat
from nervsync_cli.formats.csv_pair import assemble, parse_source, scan
from nervsync_cli.formats.csv_update import update_csv, update_csv_bytes
from nervsync_cli.split_load import _table_pair

_FORMAT = get_format("csv")
assert isinstance(_FORMAT, CsvFormat)
CSV: CsvFormat = _FORMAT

cells = st.lists(st.sampled_from([*"ab1 ,;\"é\n\x0c\u2028", "\r\n"]), max_size=6).map("".join)


def _text(header: list[str], rows: list[list[str]], terminator: str, quote_all: set[int], blank_after: set[int],
          final_newline: bool) -> str:
    out = io.StringIO()
    plain = csv.writer(out, lineterminator=terminator)
    quoted = csv.writer(out, lineterminator=terminator, quoting=csv.QUOTE_ALL)
    plain.writerow(header)
    for k, row in enumerate(rows):
        (quoted if k in quote_all else plain).writerow(row)
        if k in blank_after:
            out.write(terminator)
    text = out.getvalue()
    return text if final_newline else text[: -len(terminator)]


@st.composite
def table_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A table and an edited version of it: rows changed, dropped, added, repeated, moved, requoted."""
    header = ["id", *draw(st.lists(st.sampled_from(["name", "note", "n"]), min_size=1, max_size=3, unique=True))]
    source = [[f"r{k}", *draw(st.lists(cells, min_size=len(header) - 1, max_size=len(header) - 1))]
              for k in range(draw(st.integers(0, 12)))]
    target = [list(row) for row in source if draw(st.booleans()) or draw(st.booleans())]
    for row in target:
        if draw(st.integers(0, 4)) == 0:
            row[draw(st.integers(1, len(header) - 1))] = draw(cells)
    target += [[f"new{k}", *draw(st.lists(cells, min_size=len(header) - 1, max_size=len(header) - 1))]
               for k in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()) and target:
        target.append(list(target[0]))  # the same text twice
    if draw(st.booleans()):
        target.reverse()
    terminator = draw(st.sampled_from(["\n", "\r\n"]))

    def text(rows: list[list[str]]) -> str:
        indexes = st.sets(st.integers(0, max(len(rows) - 1, 0)), max_size=2)
        return _text(header, rows, terminator, draw(indexes), draw(indexes), draw(st.booleans()) or not rows)

    return text(source), text(target)


def _raw(name: str, text: str) -> RawInput:
    return RawInput(name, CSV, text.encode(), False)


def _plain_loads(source_text: str, target_text: str, coerce: bool) -> tuple[Any, Any] | str:
    """Both tables loaded each on its own, or the error that stops that."""
    try:
        return CSV.load(source_text, "s.csv", coerce=coerce).data, CSV.load(target_text, "t.csv", coerce=coerce).data
    except InputError as error:
        return str(error)


@given(st.lists(st.sampled_from([*"a,\"\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", "\r\n"])).map("".join))
def test_csv_lines_are_the_lines_csv_reads(text: str) -> None:
    assert csv_lines(text) == io.StringIO(text, newline="").readlines()
    assert "".join(csv_lines(text)) == text


@settings(max_examples=400, deadline=None)
@given(table_pairs(), st.booleans())
def test_the_shared_load_is_the_plain_load(pair: tuple[str, str], coerce: bool) -> None:
    source_text, target_text = pair
    plain = _plain_loads(source_text, target_text, coerce)
    if isinstance(plain, str):  # (a tiny sample can make the sniffer pick another delimiter)
        with pytest.raises(InputError) as error:
            _table_pair(_raw("s.csv", source_text), _raw("t.csv", target_text), coerce)
        assert str(error.value) == plain
        return
    source, target = _table_pair(_raw("s.csv", source_text), _raw("t.csv", target_text), coerce)
    assert (source.data, target.data) == plain
    assert (source.text, target.text) == (source_text, target_text)
    assert len({*map(id, target.data)}) == len(target.data)
    if target.record_starts is not None:
        starts, raw = target.record_starts, target_text.encode()
        assert starts[-1] == len(raw)
        for k, row in enumerate(target.data):
            first = next(csv.reader(io.StringIO(raw[starts[k]:starts[k + 1]].decode(), newline="")))
            assert dict(zip(row, first)) == row


@settings(max_examples=300, deadline=None)
@given(table_pairs(), st.data())
def test_a_rewrite_from_known_starts_is_the_rewrite_that_finds_them(pair: tuple[str, str], data: Any) -> None:
    source_text, target_text = pair
    assume(not isinstance(_plain_loads(source_text, target_text, False), str))
    _, target = _table_pair(_raw("s.csv", source_text), _raw("t.csv", target_text), False)
    old = target.data
    new = [row if data.draw(st.booleans()) else {**row, list(row)[-1]: "changed"}
           for row in old if data.draw(st.integers(0, 5))]
    new.append(dict.fromkeys(old[0], "added") if old else {"id": "added"})
    if data.draw(st.booleans()):
        new = data.draw(st.permutations(new))
    expected = update_csv(target_text, new)
    assert update_csv(target_text, new, old=old) == expected
    if target.record_starts is not None:
        raw = target_text.encode()
        assert update_csv_bytes(raw, new, old=old, starts=target.record_starts) == expected.encode()


def test_rows_written_alike_are_shared() -> None:
    source_text = 'id,note\r\nr1,"two\r\nlines"\r\nr2,plain\r\nr3,"a, b"\r\n'
    target_text = 'id,note\r\nr3,"a, b"\r\nr2,"plain"\r\n\r\nr1,"two\r\nlines"\r\nr4,new\r\n'
    source, target = _table_pair(_raw("s.csv", source_text), _raw("t.csv", target_text), False)
    assert target.data == [{"id": "r3", "note": "a, b"}, {"id": "r2", "note": "plain"},
                           {"id": "r1", "note": "two\r\nlines"}, {"id": "r4", "note": "new"}]
    # r3 and r1 are written alike; r2 is quoted otherwise, r4 is new: equal values, own objects.
    shared = [any(row is mine for mine in source.data) for row in target.data]
    assert shared == [True, False, True, False]
    assert target.record_starts == [9, 20, 34, 51, len(target_text)]  # (ASCII: bytes are characters)


@pytest.mark.parametrize("target_text", [
    "id,note\nr1,a\nr2\n",  # a short row
    'id,note\nr1,"open\n',  # a quote never closed
])
def test_a_malformed_target_is_reported_as_the_plain_load_reports_it(target_text: str) -> None:
    source_text = "id,note\nr1,a\nr2,b\n"
    with pytest.raises(InputError) as plain:
        CSV.load(target_text, "t.csv")
    with pytest.raises(InputError) as shared:
        _table_pair(_raw("s.csv", source_text), _raw("t.csv", target_text), False)
    assert str(shared.value) == str(plain.value)


def test_tables_of_other_headers_or_dialects_share_nothing() -> None:
    parsed = parse_source(CSV, "id,note\nr1,a\n", "s.csv")
    assert parsed is not None
    for target_text in ("id,other\nr1,a\n", "id;note\nr1;a\n"):
        found = scan(CSV, target_text)
        assert found is not None
        assert assemble(CSV, parsed, (target_text, target_text.encode(), "t.csv"), found) is None
