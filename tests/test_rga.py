"""The RGA sequence CRDT: list behaviour, CRDT laws, serialisation and real editing traces."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervsync_cli.merge.rga import RGA, ElementId

TRACES = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "editing-traces"


def _trace(name: str) -> Path:
    path = TRACES / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


# -- one replica behaves like a list ----------------------------------------------------------


def test_local_edits_behave_like_a_list() -> None:
    doc: RGA[str] = RGA("a")
    doc.insert(0, "b")
    doc.insert(0, "a")
    doc.insert(2, "d")
    doc.insert(2, "c")
    removed = doc.delete(1)
    assert doc.to_sequence() == ["a", "c", "d"]
    assert len(doc) == 3
    assert removed == ElementId(1, "a")


def test_many_random_edits_match_a_list() -> None:
    # Enough elements for many block splits and long cursor jumps.
    rng = random.Random(20240501)
    doc: RGA[int] = RGA("a")
    model: list[int] = []
    for step in range(30_000):
        if model and rng.random() < 0.3:
            index = rng.randrange(len(model))
            del model[index]
            doc.delete(index)
        else:
            index = rng.randrange(len(model) + 1)
            model.insert(index, step)
            doc.insert(index, step)
        if step % 5000 == 0:
            assert doc.to_sequence() == model
    assert doc.to_sequence() == model
    assert len(doc) == len(model)
    samples = range(0, len(model), 997)
    assert [doc.index_of(doc.id_at(i)) for i in samples] == list(samples)


def test_index_of_counts_visible_elements_before_an_element() -> None:
    doc: RGA[str] = RGA("a")
    ids = [doc.insert(i, ch) for i, ch in enumerate("abcd")]
    doc.delete(1)
    assert [doc.index_of(elem_id) for elem_id in ids] == [0, 1, 1, 2]
    assert doc.id_at(1) == ids[2]


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (lambda doc: doc.insert(3, "x"), IndexError),
        (lambda doc: doc.insert(-1, "x"), IndexError),
        (lambda doc: doc.delete(2), IndexError),
        (lambda doc: doc.id_at(2), IndexError),
        (lambda doc: doc.delete_id(ElementId(9, "z")), KeyError),
        (lambda doc: doc.insert_after(ElementId(9, "z"), "x"), KeyError),
        (lambda doc: doc.insert_after(ElementId(2, "a"), "x", ElementId(2, "b")), ValueError),
        (lambda doc: doc.insert_after(None, "x", ElementId(2, "a")), ValueError),
    ],
)
def test_bad_operations_raise(action: Any, error: type[Exception]) -> None:
    doc: RGA[str] = RGA("a")
    doc.insert(0, "p")
    doc.insert(1, "q")
    with pytest.raises(error):
        action(doc)
    assert doc.to_sequence() == ["p", "q"]


def test_redelivered_insert_and_delete_change_nothing() -> None:
    doc: RGA[str] = RGA("a")
    first = doc.insert(0, "x")
    again = doc.insert_after(None, "x", first)
    doc.delete_id(first)
    doc.delete_id(first)
    assert again == first
    assert doc.to_sequence() == []
    assert len(doc.to_dict()["elements"]) == 1


# -- concurrent histories ---------------------------------------------------------------------


@dataclass
class History:
    """Replicas after a random interleaving of local edits and syncs, and what was deleted."""

    replicas: list[RGA[str]]
    deleted: set[str] = field(default_factory=set)


@st.composite
def histories(draw: st.DrawFn, min_replicas: int = 2, max_replicas: int = 3) -> History:
    count = draw(st.integers(min_replicas, max_replicas))
    origin: RGA[str] = RGA("base")
    for index, value in enumerate(draw(st.lists(st.sampled_from("xyz"), max_size=4))):
        origin.insert(index, f"{value}{index}")
    history = History([origin.fork(f"r{n}") for n in range(count)])
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, count - 1), st.sampled_from(["insert", "delete", "sync"]), st.floats(0, 1)),
            max_size=30,
        )
    )
    for step, (who, action, where) in enumerate(steps):
        doc = history.replicas[who]
        if action == "insert":
            doc.insert(round(where * len(doc)), f"v{step}")  # values are unique
        elif action == "delete" and len(doc):
            history.deleted.add(doc.to_sequence()[int(where * (len(doc) - 1))])
            doc.delete(int(where * (len(doc) - 1)))
        elif action == "sync":
            other = history.replicas[round(where * (count - 1))]
            history.replicas[who] = doc.join(other)
    return history


@settings(max_examples=200)
@given(histories())
def test_join_is_commutative(history: History) -> None:
    a, b = history.replicas[:2]
    assert a.join(b) == b.join(a)
    assert a.join(b).to_sequence() == b.join(a).to_sequence()


@settings(max_examples=200)
@given(histories(min_replicas=3))
def test_join_is_associative(history: History) -> None:
    a, b, c = history.replicas
    assert a.join(b).join(c) == a.join(b.join(c))


@settings(max_examples=200)
@given(histories())
def test_join_is_idempotent(history: History) -> None:
    a, b = history.replicas[:2]
    assert a.join(a) == a
    merged = a.join(b)
    assert merged.join(b) == merged
    assert merged.join(a) == merged


@settings(max_examples=200)
@given(histories())
def test_deleted_elements_never_reappear(history: History) -> None:
    merged = history.replicas[0]
    for other in history.replicas[1:]:
        merged = merged.join(other)
    visible = set(merged.to_sequence())
    assert not visible & history.deleted
    # Every element inserted anywhere and not deleted anywhere survives the join.
    everything = {item["value"] for doc in history.replicas for item in doc.to_dict()["elements"]}
    assert visible == everything - history.deleted


@given(st.lists(st.sampled_from("abc"), max_size=6), st.floats(0, 1), st.text("xy", min_size=1, max_size=3))
def test_concurrent_inserts_at_one_position_keep_both_in_one_order(base: list[str], where: float, texts: str) -> None:
    origin: RGA[str] = RGA("base")
    for index, value in enumerate(base):
        origin.insert(index, value)
    ours, theirs = origin.fork("ours"), origin.fork("theirs")
    index = round(where * len(base))
    for offset, char in enumerate(texts):
        ours.insert(index + offset, char.upper())
    theirs.insert(index, "T")
    merged = ours.join(theirs).to_sequence()
    assert merged == theirs.join(ours).to_sequence()
    inserted = merged[index : index + len(texts) + 1]
    # Both runs are kept whole, the newer first run start first: equal counters, "theirs" > "ours".
    assert inserted == ["T", *texts.upper()]
    assert merged[:index] + merged[index + len(texts) + 1 :] == base


@settings(max_examples=200)
@given(histories())
def test_operations_delivered_in_any_order_reach_the_joined_state(history: History) -> None:
    a, b = history.replicas[:2]
    state = a.join(b)
    for first, second in ((a, b), (b, a)):
        replica: RGA[str] = RGA("observer")
        for source in (first, second):
            _deliver(source, replica)
        assert replica == state
        assert replica.to_sequence() == state.to_sequence()


def _deliver(source: RGA[str], target: RGA[str]) -> None:
    """Apply ``source``'s elements and tombstones to ``target`` as remote operations."""
    elements = source.to_dict()["elements"]
    # Sequence order lists every element after its origin, so it is a causal delivery order.
    for item in elements:
        origin = None if item["after"] is None else ElementId(*item["after"])
        target.insert_after(origin, item["value"], ElementId(*item["id"]))
    for item in elements:
        if item["deleted"]:
            target.delete_id(ElementId(*item["id"]))


# -- serialisation ----------------------------------------------------------------------------


@settings(max_examples=200)
@given(histories())
def test_to_dict_from_dict_round_trip(history: History) -> None:
    doc = history.replicas[0]
    restored = RGA.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert restored == doc
    assert restored.replica_id == doc.replica_id
    assert restored.to_sequence() == doc.to_sequence()
    # The clock comes back too: a new element does not reuse an id.
    new_id = restored.insert(0, "new")
    assert all(ElementId(*item["id"]) != new_id for item in doc.to_dict()["elements"])


@pytest.mark.parametrize(
    "data",
    [
        {"elements": []},
        {"replica": 3, "elements": []},
        {"replica": "a", "elements": [{"id": [1, "a"], "value": "x", "deleted": False}]},
        {"replica": "a", "elements": [{"id": ["1", "a"], "after": None, "value": "x", "deleted": False}]},
        {"replica": "a", "elements": [{"id": [1, "a"], "after": None, "value": "x", "deleted": "no"}]},
        {"replica": "a", "elements": [{"id": [1, "a"], "after": [5, "b"], "value": "x", "deleted": False}]},
        {"replica": "a", "elements": [{"id": [1, "a"], "after": [1, "a"], "value": "x", "deleted": False}]},
        {
            "replica": "a",
            "elements": [
                {"id": [1, "a"], "after": None, "value": "x", "deleted": False},
                {"id": [1, "a"], "after": None, "value": "y", "deleted": False},
            ],
        },
    ],
)
def test_from_dict_rejects_malformed_states(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"."):
        RGA.from_dict(data)


def test_join_rejects_one_id_with_two_origins() -> None:
    a: RGA[str] = RGA("same")
    b: RGA[str] = RGA("same")
    a.insert(0, "x")
    b.insert(0, "p")
    b.insert(0, "q")  # (2, "same") follows the head here, (1, "same") there
    a.insert(1, "y")
    with pytest.raises(ValueError, match="origin"):
        a.join(b)


# -- editing traces ---------------------------------------------------------------------------


def test_automerge_paper_trace_reaches_its_end_content() -> None:
    with gzip.open(_trace("automerge-paper.json.gz"), "rb") as stream:
        trace = json.load(stream)
    doc: RGA[str] = RGA("paper")
    assert trace["startContent"] == ""
    for txn in trace["txns"]:
        for position, count, text in txn["patches"]:
            for _ in range(count):
                doc.delete(position)
            for offset, char in enumerate(text):
                doc.insert(position + offset, char)
    assert "".join(doc.to_sequence()) == trace["endContent"]
    elements = doc.to_dict()["elements"]
    assert (len(elements), sum(item["deleted"] for item in elements)) == (182_315, 77_463)


@pytest.mark.parametrize("name", ["friendsforever.json.gz", "clownschool.json.gz"])
def test_concurrent_trace_reaches_its_end_content(name: str) -> None:
    with gzip.open(_trace(name), "rb") as stream:
        trace = json.load(stream)
    replicas = _replay_concurrent(trace)
    final = replicas[trace["txns"][-1]["agent"]]
    assert "".join(final.to_sequence()) == trace["endContent"]
    elements = final.to_dict()["elements"]
    inserted = sum(len(text) for txn in trace["txns"] for _, _, text in txn["patches"])
    deleted = sum(count for txn in trace["txns"] for _, count, _ in txn["patches"])
    assert len(elements) == inserted
    assert sum(item["deleted"] for item in elements) == deleted
    # The last version descends from every other, so joining all replicas adds nothing.
    merged = replicas[0]
    for other in replicas[1:]:
        merged = merged.join(other)
    assert merged == final


Op = tuple[str, ElementId | None, ElementId, str]


def _replay_concurrent(trace: dict[str, Any]) -> list[RGA[str]]:
    """One replica per agent, brought to each txn's parent version by replaying missing ops.

    An agent's txns are totally ordered, so a version is a vector of per-agent txn counts.
    """
    agents = trace["numAgents"]
    replicas: list[RGA[str]] = [RGA(f"agent{n}") for n in range(agents)]
    seen = [[0] * agents for _ in range(agents)]  # seen[a][b]: txns of agent b replayed on a
    txns_of: list[list[int]] = [[] for _ in range(agents)]
    versions: list[list[int]] = []
    ops: list[list[Op]] = []
    for number, txn in enumerate(trace["txns"]):
        agent, doc = txn["agent"], replicas[txn["agent"]]
        version = [max(counts) for counts in zip(*(versions[p] for p in txn["parents"]), [0] * agents)]
        missing = sorted(n for b in range(agents) for n in txns_of[b][seen[agent][b] : version[b]])
        for earlier in missing:
            for kind, ref, elem_id, value in ops[earlier]:
                if kind == "insert":
                    doc.insert_after(ref, value, elem_id)
                else:
                    doc.delete_id(elem_id)
        applied: list[Op] = []
        for position, count, text in txn["patches"]:
            applied += [("delete", None, doc.delete(position), "") for _ in range(count)]
            for offset, char in enumerate(text):
                ref = doc.id_at(position + offset - 1) if position + offset else None
                applied.append(("insert", ref, doc.insert_after(ref, char), char))
        ops.append(applied)
        txns_of[agent].append(number)
        version[agent] += 1
        seen[agent] = version
        versions.append(version)
    return replicas
