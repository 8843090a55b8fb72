"""Properties of the structural diff (hypothesis, on the library), plus a few CLI runs of them."""

# mypy: allow-untyped-defs, allow-incomplete-defs
# (pyproject relaxes these for module "tests.*", which tests/ without __init__.py never is)

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli.diff import diff_values, lcs_pairs
from nervsync_cli.model import MISSING, Change, ChangeKind, DiffOptions
from nervsync_cli.paths import Index, matches, parse_pattern
from nervsync_cli.values import equal

SWAP = {ChangeKind.ADDED: ChangeKind.REMOVED, ChangeKind.REMOVED: ChangeKind.ADDED,
        ChangeKind.CHANGED: ChangeKind.CHANGED}

# Small alphabets on purpose: collisions (equal keys, repeated list items, 1 vs 1.0) are where
# diffs go wrong, and random long text almost never collides.
_keys = st.sampled_from(["id", "name", "a", "b", "c", "tags", "spec"])
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, 1.0, -2.25, 1e300]),
    st.sampled_from(["", "x", "y", "1", "true", "null", "Zürich"]),
)
_values = st.recursive(_scalars, lambda c: st.lists(c, max_size=5) | st.dictionaries(_keys, c, max_size=4),
                       max_leaves=25)


@st.composite
def _records(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A list of records with unique string ids: what auto-detection keys on."""
    ids = draw(st.lists(st.sampled_from([f"r{i}" for i in range(12)]), unique=True, max_size=8))
    return [{"id": rid, **draw(st.dictionaries(st.sampled_from(["v", "w", "tags"]), _values, max_size=3))}
            for rid in ids]


_documents = st.fixed_dictionaries({"records": _records(), "meta": _values}) | _values


def _key_preserving_shuffle(value: Any, rng: random.Random) -> Any:
    """Reorder every mapping's keys and every list keyed by a unique string ``id``."""
    if isinstance(value, dict):
        items = [(key, _key_preserving_shuffle(item, rng)) for key, item in value.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        items = [_key_preserving_shuffle(item, rng) for item in value]
        ids = [item.get("id") if isinstance(item, dict) else None for item in items]
        if items and all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids):
            rng.shuffle(items)
        return items
    return value


def _signature(change: Change, swap: bool = False) -> tuple[Any, ...]:
    kind, source, target = change.kind, change.source, change.target
    if swap:
        kind, source, target = SWAP[kind], target, source
    path: tuple[Any, ...] = change.path
    # A changed item of a list without identity (and so anything inside one) is named by its
    # SOURCE position, which is the other list's position once the sides swap; the values must
    # still swap exactly. An added or removed item's own index is its own side's: it swaps as is.
    last = len(path) - 1
    path = tuple(Index(-1) if isinstance(segment, Index) and (i < last or kind is ChangeKind.CHANGED)
                 else segment for i, segment in enumerate(path))
    return kind, path, json.dumps(source, sort_keys=True, default=repr), json.dumps(
        target, sort_keys=True, default=repr)


@given(_documents)
def test_diff_of_a_value_with_itself_is_empty(a):
    assert diff_values(a, a).changes == []
    assert diff_values(a, json.loads(json.dumps(a))).changes == []  # an equal copy, not the same object


@settings(max_examples=60)
@given(_documents, st.randoms(use_true_random=False))
def test_key_preserving_shuffle_is_no_difference(a, rng):
    shuffled = _key_preserving_shuffle(a, rng)
    assert diff_values(a, shuffled).changes == []
    assert diff_values(shuffled, a).changes == []


@settings(max_examples=100)
@given(_documents, _documents)
def test_swapping_sides_swaps_added_and_removed(a, b):
    forward, backward = diff_values(a, b), diff_values(b, a)
    assert Counter(_signature(c, swap=True) for c in forward.changes) == Counter(
        _signature(c) for c in backward.changes)
    summary_ab, summary_ba = forward.summary(), backward.summary()
    assert summary_ab.changes == summary_ba.changes
    if not any(isinstance(seg, Index) for c in forward.changes for seg in c.path):
        # Record counts swap too, when every record is named by identity (not by position).
        assert (summary_ab.added, summary_ab.removed, summary_ab.changed) == (
            summary_ba.removed, summary_ba.added, summary_ba.changed)


@settings(max_examples=60)
@given(_documents, _documents)
def test_changes_exist_exactly_when_unequal_and_carry_their_values(a, b):
    changes = diff_values(a, b).changes
    assert (not changes) == equal(a, b)
    for change in changes:
        if change.kind is ChangeKind.ADDED:  # only in TARGET
            assert change.source is MISSING
            assert change.target is not MISSING
        elif change.kind is ChangeKind.REMOVED:  # only in SOURCE
            assert change.source is not MISSING
            assert change.target is MISSING
        else:
            assert not equal(change.source, change.target)


@given(st.lists(st.sampled_from("abcde"), max_size=12), st.lists(st.sampled_from("abcde"), max_size=12))
def test_lcs_is_a_longest_common_subsequence(s, t):
    pairs = lcs_pairs([c.encode() for c in s], [c.encode() for c in t])
    assert all(s[i] == t[j] for i, j in pairs)
    assert all(i1 < i2 and j1 < j2 for (i1, j1), (i2, j2) in itertools.pairwise(pairs))
    # Length: the textbook dynamic programme, written independently here.
    table = [[0] * (len(t) + 1) for _ in range(len(s) + 1)]
    for i, x in enumerate(s):
        for j, y in enumerate(t):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    assert len(pairs) == table[len(s)][len(t)]


@given(st.lists(st.sampled_from(["a", "b", "c", 1, 2]), max_size=10), st.data())
def test_one_insertion_into_a_list_is_one_added(items, data):
    position = data.draw(st.integers(0, len(items)))
    inserted = [*items[:position], "NEW", *items[position:]]
    changes = diff_values({"args": items}, {"args": inserted}).changes
    assert len(changes) == 1
    assert changes[0].kind is ChangeKind.ADDED
    assert changes[0].target == "NEW"


@given(st.lists(_scalars, max_size=8), st.randoms(use_true_random=False))
def test_ignore_order_makes_permutations_equal(items, rng):
    permuted = list(items)
    rng.shuffle(permuted)
    assert diff_values({"l": items}, {"l": permuted}, DiffOptions(ignore_order=True)).changes == []


@settings(max_examples=50)
@given(_documents, _documents)
def test_ignored_paths_never_show(a, b):
    options = DiffOptions(ignore=(parse_pattern("a"), parse_pattern("**.tags"), parse_pattern("records[*].v")))
    for change in diff_values(a, b, options).changes:
        assert not any(matches(pattern, change.path, prefix=True) for pattern in options.ignore)


# A few of the same properties through the real CLI, on files.

_CLI_CASES = [
    ({"records": [{"id": "a", "v": 1}, {"id": "b", "v": [1, 2]}], "top": {"x": 1}},
     {"records": [{"id": "c", "v": 3}, {"id": "b", "v": [1, 2, 3]}], "top": {"x": 2, "y": None}}),
    ([{"name": "web", "ports": [80, 443]}, {"name": "db"}], [{"name": "db", "ports": [5432]}]),
]


def test_cli_swapping_sides_swaps_added_and_removed(run_cli, write, report):
    for number, (a, b) in enumerate(_CLI_CASES):
        left = write(f"left{number}.json", json.dumps(a))
        right = write(f"right{number}.yaml", yaml.safe_dump(b))
        forward = report(run_cli("diff", left, right, "-o", "json"))
        backward = report(run_cli("diff", right, left, "-o", "json"))
        flipped = [{**c, "kind": {"added": "removed", "removed": "added"}.get(c["kind"], c["kind"]),
                    **({"source": c["target"]} if "target" in c else {}),
                    **({"target": c["source"]} if "source" in c else {})} for c in forward["changes"]]
        for change in flipped:
            if change["kind"] == "added":
                change.pop("source", None)
            if change["kind"] == "removed":
                change.pop("target", None)
        key = lambda c: json.dumps(c, sort_keys=True)  # noqa: E731
        assert sorted(map(key, flipped)) == sorted(map(key, backward["changes"]))
        s1, s2 = forward["summary"], backward["summary"]
        assert (s1["added"], s1["removed"], s1["changed"]) == (s2["removed"], s2["added"], s2["changed"])


def test_cli_a_file_against_itself_and_its_shuffle(run_cli, write):
    a = _CLI_CASES[0][1]
    shuffled = _key_preserving_shuffle(a, random.Random(1))
    path = write("a.json", json.dumps(a))
    assert run_cli("diff", path, path).returncode == 0
    assert run_cli("diff", path, write("b.yaml", yaml.safe_dump(shuffled, sort_keys=False))).returncode == 0
