"""Three-way text merge: git merge-file conformance, word-level merging and symmetry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli.merge.text import TextConflict, merge_text

CONFORMANCE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance"


def _cases(folder: str) -> list[dict[str, Any]]:
    index = CONFORMANCE / folder / "cases.json"
    if not index.exists():
        pytest.skip(f"{index} is not available")
    cases: list[dict[str, Any]] = json.loads(index.read_text(encoding="utf-8"))["cases"]
    return cases


def _read(folder: str, name: str) -> str:
    # newline="" keeps the bytes as they are: the expectations are byte-exact.
    with open(CONFORMANCE / folder / name, encoding="utf-8", newline="") as stream:
        return stream.read()


# -- conformance ------------------------------------------------------------------------------

# How each isomorphic-git expectation was produced (see its SOURCE.md).
GIT_OPTIONS: dict[str, dict[str, Any]] = {
    "a-o-b": {},
    "a-o-c": {},
    "a-o-c-diff3": {"style": "diff3"},
    "a-o-c-diff3-marker-size-10": {"style": "diff3", "marker_size": 10},
}


def test_every_isomorphic_git_case_is_covered() -> None:
    assert {case["id"] for case in _cases("isomorphic-git-mergefile")} == set(GIT_OPTIONS)


@pytest.mark.parametrize("case_id", sorted(GIT_OPTIONS))
def test_isomorphic_git_merge_file_byte_for_byte(case_id: str) -> None:
    folder = "isomorphic-git-mergefile"
    (case,) = [case for case in _cases(folder) if case["id"] == case_id]
    base, ours, theirs = (_read(folder, case[role]) for role in ("base", "ours", "theirs"))
    result = merge_text(base, ours, theirs, **GIT_OPTIONS[case_id])
    assert result.text == _read(folder, case["expected"])
    assert result.clean is case["clean"]


def test_isomorphic_git_conflict_is_reported() -> None:
    folder = "isomorphic-git-mergefile"
    if not (CONFORMANCE / folder).exists():
        pytest.skip("isomorphic-git fixtures are not available")
    result = merge_text(_read(folder, "o.txt"), _read(folder, "a.txt"), _read(folder, "c.txt"))
    assert result.conflicts == [TextConflict(base="original\n", ours="modified\n", theirs="", line=1)]


def _mergiraf_text_cases() -> list[Any]:
    index = CONFORMANCE / "mergiraf-examples" / "cases.json"
    if not index.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{index} is not available"))]
    cases = json.loads(index.read_text(encoding="utf-8"))["cases"]
    return [pytest.param(case, id=case["id"]) for case in cases if case["language"] == "txt"]


@pytest.mark.parametrize("case", _mergiraf_text_cases())
def test_mergiraf_text_examples(case: dict[str, Any]) -> None:
    folder = "mergiraf-examples"
    base, ours, theirs = (_read(folder, case[role]) for role in ("base", "left", "right"))
    result = merge_text(base, ours, theirs, labels=("LEFT", "BASE", "RIGHT"), style="diff3")
    assert result.text == _read(folder, case["expected"])
    assert result.clean is not case["expected_has_conflict_markers"]


# Outputs of `git merge-file -p -L ours -L base -L theirs` (git 2.39) on the same inputs.
@pytest.mark.parametrize(
    ("base", "ours", "theirs", "style", "expected"),
    [
        ("a\n", "x\ny\n", "x\nz\n", "merge", "x\n<<<<<<< ours\ny\n=======\nz\n>>>>>>> theirs\n"),
        ("a\n", "x\ny\n", "x\nz\n", "diff3", "<<<<<<< ours\nx\ny\n||||||| base\na\n=======\nx\nz\n>>>>>>> theirs\n"),
        ("a", "b", "c", "merge", "<<<<<<< ours\nb\n=======\nc\n>>>>>>> theirs\n"),
        ("a\n", "b", "c", "merge", "<<<<<<< ours\nb\n=======\nc\n>>>>>>> theirs\n"),
    ],
)
def test_line_conflicts_match_git(base: str, ours: str, theirs: str, style: Any, expected: str) -> None:
    assert merge_text(base, ours, theirs, granularity="line", style=style).text == expected


# -- behaviour --------------------------------------------------------------------------------


def test_edits_to_two_adjacent_lines_merge_cleanly() -> None:
    base = "Lionel's sister went to some boarding school.\nHe owes me $150.00 (car rental)."
    ours = "Lionel's sister went to a boarding school.\nHe owes me $150.00 (car rental)."
    theirs = "Lionel's sister went to some boarding school.\nHe owes me $200.00 (car rental)."
    result = merge_text(base, ours, theirs)
    assert result.clean
    assert result.text == "Lionel's sister went to a boarding school.\nHe owes me $200.00 (car rental)."


def test_word_edits_to_one_line_merge_cleanly() -> None:
    result = merge_text("the quick brown fox", "the slow brown fox", "the quick brown dog")
    assert result.clean
    assert result.text == "the slow brown dog"
    assert result.conflicts == []


def test_word_conflict_shows_the_whole_line_with_clean_edits_applied() -> None:
    result = merge_text("the quick brown fox", "the slow brown fox", "the fast brown dog")
    assert not result.clean
    assert result.text == "<<<<<<< ours\nthe slow brown dog\n=======\nthe fast brown dog\n>>>>>>> theirs\n"
    assert result.conflicts == [TextConflict(base="quick", ours="slow", theirs="fast", line=1)]


def test_word_granularity_marks_only_the_conflicted_lines() -> None:
    base = "one two\nthree four\nfive six\n"
    result = merge_text(base, "one 2\nthree 4\nfive six\n", "one two\nthree IV\nfive 6\n", granularity="word")
    assert result.text == "one 2\n<<<<<<< ours\nthree 4\n=======\nthree IV\n>>>>>>> theirs\nfive 6\n"
    assert result.conflicts == [TextConflict(base="four", ours="4", theirs="IV", line=2)]


def test_identical_changes_on_both_sides_do_not_conflict() -> None:
    result = merge_text("a\nb\nc\n", "a\nB\nc\nd\n", "a\nB\nc\n")
    assert result.clean
    assert result.text == "a\nB\nc\nd\n"


def test_a_changed_line_next_to_a_deleted_one_merges_by_word() -> None:
    # Line by line the two hunks touch (a diff3 conflict); word by word they do not.
    result = merge_text("k: 1\nv: 2\n", "k: 9\nv: 2\n", "k: 1\n")
    assert result.clean
    assert result.text == "k: 9\n"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("a\nX\nc\n", "a\nY\nc\n"),  # the same word changed two ways
        ("a\nc\n", "a\nY\nc\n"),  # deleted on one side, changed on the other
        ("a\nb\nX\nc\n", "a\nb\nY\nc\n"),  # different insertions at one place
    ],
)
def test_overlapping_changes_conflict(ours: str, theirs: str) -> None:
    result = merge_text("a\nb\nc\n", ours, theirs)
    assert not result.clean
    assert result.text.count("<<<<<<< ours\n") == len({conflict.line for conflict in result.conflicts}) == 1
    assert result.text.startswith("a\n")


def test_empty_labels_give_bare_markers() -> None:
    result = merge_text("a\n", "b\n", "c\n", labels=("", "", ""), style="diff3")
    assert result.text == "<<<<<<<\nb\n|||||||\na\n=======\nc\n>>>>>>>\n"


@pytest.mark.parametrize(
    "options",
    [{"granularity": "char"}, {"style": "zdiff3"}, {"marker_size": 0}],
)
def test_bad_options_raise(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        merge_text("a", "b", "c", **options)


# -- properties -------------------------------------------------------------------------------

WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "eps"])
LINES = st.lists(WORDS, min_size=1, max_size=3).map(" ".join)


@st.composite
def edited(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """``lines`` with some lines kept, dropped, replaced or preceded by new ones."""
    out: list[str] = []
    for line in lines:
        action = draw(st.sampled_from(["keep", "keep", "keep", "drop", "replace", "insert"]))
        if action == "insert":
            out.append(draw(LINES))
        if action in ("keep", "insert"):
            out.append(line)
        elif action == "replace":
            out.append(draw(LINES))
    if draw(st.booleans()):
        out.append(draw(LINES))
    return out


@st.composite
def versions(draw: st.DrawFn) -> tuple[str, str, str]:
    base = draw(st.lists(LINES, max_size=6))
    ending = draw(st.sampled_from(["\n", ""]))
    return (
        "\n".join(base) + ending if base else "",
        "\n".join(draw(edited(base))) + ending,
        "\n".join(draw(edited(base))) + ending,
    )


def _swap_sides(text: str) -> str:
    """``text`` with the ours and theirs sections of every conflict block exchanged."""
    out: list[str] = []
    block: dict[str, list[str]] | None = None
    side = ""
    for line in text.splitlines(keepends=True):
        if line == "<<<<<<< ours\n":
            block, side = {"ours": []}, "ours"
        elif block is not None and line in ("||||||| base\n", "=======\n"):
            side = "base" if line.startswith("|") else "theirs"
            block[side] = []
        elif block is not None and line == ">>>>>>> theirs\n":
            out += ["<<<<<<< ours\n", *block["theirs"]]
            if "base" in block:
                out += ["||||||| base\n", *block["base"]]
            out += ["=======\n", *block["ours"], ">>>>>>> theirs\n"]
            block = None
        elif block is not None:
            block[side].append(line)
        else:
            out.append(line)
    return "".join(out)


@settings(max_examples=300)
@given(versions(), st.sampled_from(["line", "word"]), st.sampled_from(["merge", "diff3"]))
def test_merge_is_symmetric(texts: tuple[str, str, str], granularity: Any, style: Any) -> None:
    base, ours, theirs = texts
    forward = merge_text(base, ours, theirs, granularity=granularity, style=style)
    backward = merge_text(base, theirs, ours, granularity=granularity, style=style)
    assert forward.clean == backward.clean
    assert forward.text == _swap_sides(backward.text)
    assert [(c.base, c.ours, c.theirs, c.line) for c in forward.conflicts] == [
        (c.base, c.theirs, c.ours, c.line) for c in backward.conflicts
    ]


@settings(max_examples=300)
@given(versions(), st.sampled_from(["auto", "line", "word"]))
def test_one_sided_or_identical_changes_merge_to_that_version(texts: tuple[str, str, str], granularity: Any) -> None:
    base, changed, _ = texts
    for ours, theirs in ((base, changed), (changed, base), (changed, changed)):
        result = merge_text(base, ours, theirs, granularity=granularity)
        assert result.clean
        assert result.text == changed


@settings(max_examples=300)
@given(st.lists(WORDS, min_size=2, max_size=8), st.data())
def test_changes_to_different_lines_merge_cleanly(words: list[str], data: st.DataObject) -> None:
    lines = [f"{word}{number}" for number, word in enumerate(words)]
    mine, other = data.draw(st.lists(st.integers(0, len(lines) - 1), min_size=2, max_size=2, unique=True))
    ours, theirs, expected = list(lines), list(lines), list(lines)
    ours[mine] = expected[mine] = "ours"
    theirs[other] = expected[other] = "theirs"
    result = merge_text("\n".join(lines) + "\n", "\n".join(ours) + "\n", "\n".join(theirs) + "\n")
    assert result.clean
    assert result.text == "\n".join(expected) + "\n"
