"""Sync events: what happened, for audit logs and integrations (``--events``, ``event_bus``)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Protocol


class EventBus(Protocol):
    """Anything with ``publish(event_type, payload)``."""

    def publish(self, event_type: str, payload: dict[str, Any]) -> None:
        """Receive one event."""
        ...


class EventRecorder:
    """Stamps events with the run id and time, keeps them, and forwards them to a bus."""

    def __init__(self, bus: EventBus | None = None, run_id: str | None = None) -> None:
        self.bus = bus
        self.run_id = run_id or uuid.uuid4().hex
        self.events: list[dict[str, Any]] = []

    def publish(self, event_type: str, **payload: Any) -> None:
        """Record an event and pass it on."""
        event = {
            "event": event_type,
            "run_id": self.run_id,
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            **payload,
        }
        self.events.append(event)
        if self.bus is not None:
            self.bus.publish(event_type, event)
