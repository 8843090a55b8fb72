"""diffsync adapters sync through nervsync, and results reach them as CRUD calls on their models."""

from __future__ import annotations

from typing import Any, ClassVar

from diffsync import Adapter, DiffSyncModel

from nervsync_cli import ConflictStrategy, DiffSynchronizer, SyncDirection

CALLS: list[tuple[str, str]] = []


class Device(DiffSyncModel):
    _modelname = "device"
    _identifiers = ("name",)
    _attributes = ("site", "status")

    name: str
    site: str
    status: str

    @classmethod
    def create(cls, adapter: Any, ids: dict[str, Any], attrs: dict[str, Any]) -> Device | None:
        CALLS.append(("create", ids["name"]))
        return super().create(adapter=adapter, ids=ids, attrs=attrs)

    def update(self, attrs: dict[str, Any]) -> Device | None:
        CALLS.append(("update", self.name))
        return super().update(attrs)

    def delete(self) -> Device | None:
        CALLS.append(("delete", self.name))
        return super().delete()


class Inventory(Adapter):
    device = Device
    top_level: ClassVar[list[str]] = ["device"]


def inventory(*devices: tuple[str, str, str]) -> Inventory:
    store = Inventory()
    for name, site, status in devices:
        store.add(Device(name=name, site=site, status=status))
    return store


def test_diffsync_adapters_sync_through_their_own_crud() -> None:
    CALLS.clear()
    source = inventory(("sw1", "ams", "active"), ("sw2", "fra", "active"))
    target = inventory(("sw1", "ams", "planned"), ("sw3", "lon", "active"))
    result = DiffSynchronizer().sync(source, target, direction=SyncDirection.SOURCE_TO_TARGET)
    assert result.success
    assert result.target_model is target
    assert sorted(CALLS) == [("create", "sw2"), ("delete", "sw3"), ("update", "sw1")]
    assert {(d.name, d.site, d.status) for d in target.get_all("device")} == {
        ("sw1", "ams", "active"), ("sw2", "fra", "active")}


def test_diffsync_conflicts_are_reported_per_field() -> None:
    source = inventory(("sw1", "ams", "active"))
    target = inventory(("sw1", "ams", "planned"))
    result = DiffSynchronizer().sync(source, target)
    assert not result.success
    assert [str(c.path[-1].name) for c in result.conflicts] == ["status"]  # type: ignore[union-attr]
    won = DiffSynchronizer().sync(source, target, conflict_strategy=ConflictStrategy.TARGET_WINS)
    assert won.success
    assert source.get("device", "sw1").get_attrs()["status"] == "planned"
