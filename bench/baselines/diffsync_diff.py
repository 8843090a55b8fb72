"""Baseline: diffsync on the generator's records, one DiffSyncModel per device keyed by ``id``.

Usage: python bench/baselines/diffsync_diff.py SOURCE.json TARGET.json
Prints ``{"added": N, "removed": N, "changed": N}`` (records), the counts truth.json holds.
"""

from __future__ import annotations

import json
import sys
from typing import Any, ClassVar

from diffsync import Adapter, DiffSyncModel


class Device(DiffSyncModel):
    """The generator's device record: every field but ``id`` is an attribute."""

    _modelname = "device"
    _identifiers = ("id",)
    _attributes = (
        "name", "status", "role", "vendor", "model", "serial", "os_version", "mgmt_ip", "vlan", "ports",
        "rack_u", "cpu_load", "power_w", "managed", "monitored", "owner", "decommission_date", "location",
        "tags", "notes",
    )

    id: str
    name: str
    status: str
    role: str
    vendor: str
    model: str
    serial: str
    os_version: str
    mgmt_ip: str
    vlan: int
    ports: int
    rack_u: int
    cpu_load: float
    power_w: float
    managed: bool
    monitored: bool
    owner: str | None = None
    decommission_date: str | None = None
    location: dict[str, Any]
    tags: list[str]
    notes: str


class Inventory(Adapter):
    """One file's devices."""

    device = Device
    top_level: ClassVar[list[str]] = ["device"]

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def load(self) -> None:
        with open(self.path, encoding="utf-8") as handle:
            for record in json.load(handle)["records"]:
                self.add(Device(**record))


def main(argv: list[str]) -> int:
    source, target = Inventory(argv[1]), Inventory(argv[2])
    source.load()
    target.load()
    summary = target.diff_from(source).summary()
    print(json.dumps({"added": summary["create"], "removed": summary["delete"], "changed": summary["update"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
