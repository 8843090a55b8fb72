"""The sync library: DiffSynchronizer with model adapters, resolvers, events and threads.

Models here are real classes (plain, dataclass, pydantic) and real files; adapters and resolvers
are small implementations of the library's protocols, as a user would write them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pydantic
import pytest

from nervsync_cli import (
    UNRESOLVED,
    ConflictStrategy,
    DiffSynchronizer,
    Document,
    RefusedError,
    SyncDirection,
    SyncOptions,
)
from nervsync_cli.model import Conflict
from nervsync_cli.paths import Field, format_path, parse_path
from nervsync_cli.resolve import TIMESTAMP_FIELDS, parse_timestamp
from nervsync_cli.sync import sync_documents

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


# ---------------------------------------------------------------------------------------------
# The seed example: two model classes from two systems, one adapter each.
# ---------------------------------------------------------------------------------------------


class Article:
    """The CMS's article: a plain class with a datetime."""

    def __init__(self, title: str, content: str, tags: list[str], updated_at: datetime) -> None:
        self.title, self.content, self.tags, self.updated_at = title, content, tags, updated_at


class WikiPage:
    """The wiki's page: another shape for the same data (the text is ``body``, times are epochs)."""

    def __init__(self, heading: str, body: str, labels: list[str], modified: float) -> None:
        self.heading, self.body, self.labels, self.modified = heading, body, labels, modified


class ArticleAdapter:
    def to_tree(self, model: Article) -> dict[str, Any]:
        return {"title": model.title, "content": model.content, "tags": list(model.tags),
                "updated_at": model.updated_at.isoformat()}

    def from_tree(self, tree: dict[str, Any], original: Article) -> Article:
        return Article(tree["title"], tree["content"], tree["tags"], datetime.fromisoformat(tree["updated_at"]))


class WikiPageAdapter:
    """Presents a page in the article's field names, so the two trees line up."""

    def to_tree(self, model: WikiPage) -> dict[str, Any]:
        stamp = datetime.fromtimestamp(model.modified, tz=timezone.utc).isoformat()
        return {"title": model.heading, "content": model.body, "tags": list(model.labels), "updated_at": stamp}

    def from_tree(self, tree: dict[str, Any], original: WikiPage) -> WikiPage:
        modified = datetime.fromisoformat(tree["updated_at"]).timestamp()
        return WikiPage(tree["title"], tree["content"], tree["tags"], modified)


MAY_1 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
MAY_2 = datetime(2024, 5, 2, 12, 0, tzinfo=timezone.utc)


def _pair() -> tuple[Article, WikiPage]:
    local = Article("Sync in practice", "Local draft.", ["sync"], MAY_1)
    remote = WikiPage("Sync in practice (2nd ed.)", "Wiki text.", ["sync"], MAY_2.timestamp())
    return local, remote


def test_seed_example_two_adapters_two_models_and_their_conflicts() -> None:
    sync = DiffSynchronizer()
    sync.register_adapter(Article, ArticleAdapter)
    sync.register_adapter(WikiPage, WikiPageAdapter())  # an instance works as well as a class
    local, remote = _pair()

    result = sync.sync(local, remote, conflict_strategy=ConflictStrategy.LAST_UPDATE_WINS)

    assert result.success, result.error
    conflicts = {format_path(c.path): c for c in result.conflicts}
    assert set(conflicts) == {"title", "content", "updated_at"}
    for conflict in conflicts.values():
        # The page is newer (its record's updated_at), so its values win everywhere.
        assert conflict.resolution == "target"
        assert "target newer" in conflict.reason
        assert "updated_at" in conflict.reason
        assert conflict.source_time == "2024-05-01T12:00:00Z"
        assert conflict.target_time == "2024-05-02T12:00:00Z"
    synced = result.source_model
    assert isinstance(synced, Article)
    assert (synced.title, synced.content, synced.updated_at) == ("Sync in practice (2nd ed.)", "Wiki text.", MAY_2)
    assert result.target_model is remote  # nothing to change on the newer side
    assert {format_path(op.path) for op in result.applied["source"]} == set(conflicts)
    assert result.applied["target"] == []
    assert {format_path(c.path) for c in result.changes} == set(conflicts)
    assert result.timestamp.tzinfo is not None
    # The caller's model is not modified: the synced one is a new object.
    assert local.title == "Sync in practice"


class JoinTextOrNewer:
    """Joins the two texts of ``content``; for anything else keeps the newer record's value."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def resolve(self, conflict: Conflict) -> Any:
        self.seen.append(format_path(conflict.path))
        if conflict.path[-1] == Field("content"):
            return f"{conflict.source}\n\n{conflict.target}"
        source_time, target_time = parse_timestamp(conflict.source_time), parse_timestamp(conflict.target_time)
        if source_time is None or target_time is None or source_time == target_time:
            return UNRESOLVED
        return conflict.source if source_time > target_time else conflict.target


def test_custom_resolver_is_honoured_under_manual() -> None:
    sync = DiffSynchronizer()
    sync.register_adapter(Article, ArticleAdapter)
    sync.register_adapter(WikiPage, WikiPageAdapter)
    local, remote = _pair()
    resolver = JoinTextOrNewer()

    result = sync.sync(local, remote, conflict_strategy=ConflictStrategy.MANUAL, conflict_resolver=resolver)

    assert result.success, result.error
    assert sorted(resolver.seen) == ["content", "title", "updated_at"]
    decided = {format_path(c.path): (c.resolution, c.reason) for c in result.conflicts}
    assert decided == {"title": ("target", "manual"), "content": ("value", "manual"),
                       "updated_at": ("target", "manual")}
    article, page = result.source_model, result.target_model
    assert article.content == page.body == "Local draft.\n\nWiki text."
    assert article.title == page.heading == "Sync in practice (2nd ed.)"


def test_custom_resolver_is_not_consulted_under_other_strategies() -> None:
    sync = DiffSynchronizer()
    resolver = JoinTextOrNewer()
    result = sync.sync({"a": 1}, {"a": 2}, conflict_strategy=ConflictStrategy.MERGE, conflict_resolver=resolver)
    assert not result.success
    assert result.error == "1 unresolved conflict"
    assert resolver.seen == []


def test_a_plain_function_serves_as_resolver_and_unresolved_applies_nothing() -> None:
    sync = DiffSynchronizer()
    source, target = {"a": 1, "b": "x", "only": True}, {"a": 2, "b": "y"}

    def prefer_numbers_from_source(conflict: Conflict) -> Any:
        return conflict.source if isinstance(conflict.source, int) else UNRESOLVED

    result = sync.sync(source, target, conflict_strategy=ConflictStrategy.MANUAL,
                       conflict_resolver=prefer_numbers_from_source)
    assert not result.success
    assert [(format_path(c.path), c.resolution) for c in result.conflicts] == [("a", "source"), ("b", None)]
    assert "left unresolved" in result.conflicts[1].reason
    # With one conflict open nothing is applied, not even the decided one or the added key.
    assert result.source_model is source
    assert result.target_model is target
    assert target == {"a": 2, "b": "y"}


# ---------------------------------------------------------------------------------------------
# Built-in adapters: dicts and lists, dataclasses, pydantic models, files.
# ---------------------------------------------------------------------------------------------


def test_dicts_and_lists_are_synced_without_touching_the_callers_objects() -> None:
    source = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    target = [{"id": 1, "name": "A"}, {"id": 3, "name": "c"}]
    snapshot = json.dumps([source, target])
    result = DiffSynchronizer().sync(source, target, direction=SyncDirection.SOURCE_TO_TARGET)
    assert result.success
    assert result.target_model == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert result.source_model is source
    assert json.dumps([source, target]) == snapshot


@dataclasses.dataclass
class Address:
    city: str
    zip: str


@dataclasses.dataclass
class Customer:
    id: int
    name: str
    address: Address
    tags: list[str] = dataclasses.field(default_factory=list)


def test_dataclasses_come_back_as_dataclasses_nested_ones_included() -> None:
    local = Customer(1, "Ada", Address("London", "N1"), ["vip"])
    remote = Customer(1, "Ada L.", Address("Cambridge", "N1"), ["vip"])
    result = DiffSynchronizer().sync(local, remote, conflict_strategy=ConflictStrategy.SOURCE_WINS)
    assert result.success
    synced = result.target_model
    assert isinstance(synced, Customer)
    assert isinstance(synced.address, Address)
    assert synced == local
    assert remote.name == "Ada L."


class Author(pydantic.BaseModel):
    name: str
    email: str


class Post(pydantic.BaseModel):
    id: int
    title: str
    author: Author
    tags: list[str]
    updated_at: datetime


def test_pydantic_models_round_trip_through_json_mode() -> None:
    newer = Post(id=7, title="New", author=Author(name="Bo", email="bo@x.org"), tags=["a"], updated_at=MAY_2)
    older = Post(id=7, title="Old", author=Author(name="Bo", email="bo@old.org"), tags=["a", "b"],
                 updated_at=MAY_1)
    result = DiffSynchronizer().sync(older, newer, conflict_strategy=ConflictStrategy.LAST_UPDATE_WINS)
    assert result.success, result.error
    assert isinstance(result.source_model, Post)
    assert result.source_model == newer
    assert result.source_model.updated_at == MAY_2


def test_files_are_synced_in_place_keeping_their_format(tmp_path: Path) -> None:
    source, target = tmp_path / "inventory.yaml", tmp_path / "inventory.json"
    shutil.copyfile(FIXTURES / "inventory-source.yaml", source)
    shutil.copyfile(FIXTURES / "inventory-target.json", target)
    source_bytes = source.read_bytes()
    result = DiffSynchronizer().sync(source, target, direction=SyncDirection.SOURCE_TO_TARGET)
    assert result.success, result.error
    assert result.target_model == target
    assert source.read_bytes() == source_bytes
    text = target.read_text(encoding="utf-8")
    assert text.startswith('{\n  "records": [\n    {\n      "id": "fw-fra-01",')
    assert {r["id"] for r in json.loads(text)["records"]} == {"sw-ams-01", "fw-fra-01", "lb-lon-02"}


def test_file_models_fall_back_to_file_times_for_last_update_wins(tmp_path: Path) -> None:
    source, target = tmp_path / "inventory.yaml", tmp_path / "inventory.json"
    shutil.copyfile(FIXTURES / "inventory-source.yaml", source)
    shutil.copyfile(FIXTURES / "inventory-target.json", target)
    os.utime(source, (1_600_000_000, 1_600_000_000))
    os.utime(target, (1_700_000_000, 1_700_000_000))
    result = DiffSynchronizer().sync(source, target, conflict_strategy=ConflictStrategy.LAST_UPDATE_WINS)
    assert result.success, result.error
    assert {c.resolution for c in result.conflicts} == {"target"}
    assert "fw-fra-01" in source.read_text(encoding="utf-8")
    assert "rack: R04" in source.read_text(encoding="utf-8")


class Base:
    def __init__(self, value: int) -> None:
        self.value = value


class Derived(Base):
    pass


class BaseAdapter:
    def to_tree(self, model: Base) -> dict[str, Any]:
        return {"value": model.value}

    def from_tree(self, tree: dict[str, Any], original: Base) -> Base:
        return type(original)(tree["value"])


def test_an_adapter_serves_subclasses_and_a_missing_adapter_is_reported() -> None:
    sync = DiffSynchronizer()
    unknown = sync.sync(Derived(1), Derived(2))
    assert not unknown.success
    assert unknown.error is not None
    assert "register_adapter" in unknown.error
    sync.register_adapter(Base, BaseAdapter)
    result = sync.sync(Derived(1), Derived(2), conflict_strategy=ConflictStrategy.TARGET_WINS)
    assert result.success
    assert isinstance(result.source_model, Derived)
    assert result.source_model.value == 2


# ---------------------------------------------------------------------------------------------
# incremental_sync, events, guards.
# ---------------------------------------------------------------------------------------------


BOOK_LOCAL = {"metadata": {"title": "Guide", "edition": 2}, "content": {"chapter1": "A", "chapter2": "B"}}
BOOK_REMOTE = {"metadata": {"title": "Guide", "edition": 3}, "content": {"chapter1": "A2", "chapter2": "B2"}}


@pytest.mark.parametrize(("path", "changed"), [("metadata", "metadata.edition"),
                                               ("content.chapter1", "content.chapter1")])
def test_incremental_sync_touches_only_its_subtree(path: str, changed: str) -> None:
    result = DiffSynchronizer().incremental_sync(BOOK_LOCAL, BOOK_REMOTE, path,
                                                 conflict_strategy=ConflictStrategy.TARGET_WINS)
    assert result.success
    assert [format_path(c.path) for c in result.conflicts] == [changed]
    synced = result.source_model
    for key in ("metadata", "content"):
        for field, value in BOOK_LOCAL[key].items():  # type: ignore[attr-defined]
            expected = BOOK_REMOTE[key][field] if f"{key}.{field}" == changed else value  # type: ignore[index]
            assert synced[key][field] == expected


class RecordingBus:
    """An event bus that keeps what it receives (lists append atomically, so threads are fine)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish(self, event_type: str, payload: dict[str, Any]) -> None:
        self.events.append((event_type, payload))


def test_event_bus_receives_the_run_from_start_to_completion() -> None:
    bus = RecordingBus()
    result = DiffSynchronizer(event_bus=bus).sync({"a": 1, "b": 2}, {"a": 5, "c": 3},
                                                  conflict_strategy=ConflictStrategy.SOURCE_WINS)
    assert result.success
    kinds = [kind for kind, _ in bus.events]
    # Per side: what one side lacks first, then the decided conflicts.
    assert kinds == ["sync.started", "conflict.detected", "conflict.resolved", "item.created", "item.created",
                     "item.updated", "sync.completed"]
    assert len({payload["run_id"] for _, payload in bus.events}) == 1
    items = [(p["side"], p["path"]) for kind, p in bus.events if kind.startswith("item.")]
    assert items == [("source", "c"), ("target", "b"), ("target", "a")]
    assert all(payload["event"] == kind for kind, payload in bus.events)


def test_event_bus_hears_a_failed_run() -> None:
    bus = RecordingBus()
    from nervsync_cli import DiffOptions, KeyRule

    duplicate = [{"id": 1}, {"id": 1}]
    result = DiffSynchronizer(event_bus=bus).sync(duplicate, [], diff_options=DiffOptions(keys=(KeyRule(("id",)),)))
    assert not result.success
    assert result.error is not None
    assert "duplicate key" in result.error
    assert bus.events[-1][0] == "sync.failed"


def test_max_deletes_refuses_before_anything_is_applied() -> None:
    from nervsync_cli.events import EventRecorder

    recorder = EventRecorder()
    source = Document({"keep": 1}, "source", "json")
    target = Document({"keep": 1, "x": 1, "y": 2}, "target", "json")
    options = SyncOptions(direction=SyncDirection.SOURCE_TO_TARGET, max_deletes=1)
    with pytest.raises(RefusedError, match="delete 2 items"):
        sync_documents(source, target, options, events=recorder)
    assert target.data == {"keep": 1, "x": 1, "y": 2}
    assert recorder.events[-1]["event"] == "sync.failed"
    allowed = sync_documents(source, target, SyncOptions(direction=SyncDirection.SOURCE_TO_TARGET, max_deletes=2))
    assert allowed.target.data == {"keep": 1}


def test_one_synchronizer_shared_by_many_threads() -> None:
    sync = DiffSynchronizer(event_bus=RecordingBus())
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(20):
                # Registering adapters while others look them up must not break either.
                sync.register_adapter(type(f"Model{n}_{i}", (), {}), BaseAdapter)
                local = Customer(n, f"name-{n}-{i}", Address("A", str(i)), [str(n)])
                remote = Customer(n, "old", Address("B", str(i)), [])
                result = sync.sync(local, remote, direction=SyncDirection.SOURCE_TO_TARGET)
                assert result.success, result.error
                assert result.target_model == local
                page = sync.sync(Article("t", str(n), [], MAY_1), Article("t", "x", [], MAY_2),
                                 conflict_strategy=ConflictStrategy.LAST_UPDATE_WINS)
                assert not page.success  # no adapter for Article on this synchronizer
        except BaseException as exc:  # collected: an assertion in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    bus = sync.event_bus
    assert isinstance(bus, RecordingBus)
    completed = [p for kind, p in bus.events if kind == "sync.completed"]
    assert len(completed) == 8 * 20
    assert len({p["run_id"] for p in completed}) == 8 * 20


# ---------------------------------------------------------------------------------------------
# last-update-wins details and timestamps.
# ---------------------------------------------------------------------------------------------


def _lww(source: Any, target: Any, **options: Any) -> Any:
    return sync_documents(Document(source, "source", "json"), Document(target, "target", "json"),
                          SyncOptions(strategy=ConflictStrategy.LAST_UPDATE_WINS, **options))


@pytest.mark.parametrize("field", TIMESTAMP_FIELDS)
def test_last_update_wins_detects_each_timestamp_field(field: str) -> None:
    outcome = _lww([{"id": 1, "v": "s", field: "2024-01-02"}], [{"id": 1, "v": "t", field: 1_704_067_200}])
    assert outcome.applied
    assert outcome.target.data == [{"id": 1, "v": "s", field: "2024-01-02"}]
    assert f"record field {field!r}" in outcome.plan.conflicts[0].reason


def test_last_update_wins_inside_a_path_reads_the_enclosing_record() -> None:
    source = {"records": [{"id": 1, "location": {"rack": "R1"}, "updated_at": "2024-01-02T00:00:00Z"}]}
    target = {"records": [{"id": 1, "location": {"rack": "R2"}, "updated_at": "2024-01-01T00:00:00Z"}]}
    outcome = _lww(source, target, path=parse_path("records[id=1].location"))
    assert outcome.applied
    assert outcome.plan.conflicts[0].resolution == "source"
    assert outcome.target.data["records"][0]["location"] == {"rack": "R1"}
    # updated_at is outside the path: it stays as it was.
    assert outcome.target.data["records"][0]["updated_at"] == "2024-01-01T00:00:00Z"


def test_last_update_wins_tie_and_no_timestamps_leave_conflicts_open() -> None:
    tie = _lww({"v": 1, "modified": 100}, {"v": 2, "modified": "1970-01-01T00:01:40Z"})
    assert not tie.applied
    assert all("tie" in c.reason for c in tie.plan.conflicts)
    unknown = _lww({"v": 1}, {"v": 2})
    assert not unknown.applied
    assert unknown.plan.conflicts[0].reason == "last-update-wins: no timestamps to compare"


@pytest.mark.parametrize(("value", "seconds"), [
    ("2024-01-01T00:00:00Z", 1_704_067_200.0),
    ("2024-01-01T01:00:00+01:00", 1_704_067_200.0),
    ("2024-01-01 00:00:00", 1_704_067_200.0),  # no zone: read as UTC
    ("2024-01-01", 1_704_067_200.0),
    (1_704_067_200, 1_704_067_200.0),
    (1_704_067_200_000, 1_704_067_200.0),  # milliseconds
    ("1704067200.5", 1_704_067_200.5),
    ("yesterday", None),
    (True, None),
    (None, None),
    (float("nan"), None),
])
def test_parse_timestamp(value: Any, seconds: float | None) -> None:
    assert parse_timestamp(value) == seconds


def test_importing_the_library_loads_neither_rich_nor_typer() -> None:
    code = "import nervsync_cli, sys; assert not any(m.split('.')[0] in ('rich','typer') for m in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
