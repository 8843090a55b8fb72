"""Accepted drift: differences someone looked at and decided to live with, until they change.

``nervsync check --accept`` records every current difference of the checks it runs; later runs do
not fail on them. An entry is keyed by the check, the file pair (for checks over globs), the path
and a hash of both values, so the same path drifting to another value fails again. The file is
plain, sorted JSON, meant to be committed and reviewed::

    {"schema_version": 1,
     "accepted": [{"check": "app", "path": "spec.replicas", "kind": "changed", "hash": "3f0c…"}]}
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from .errors import InputError
from .files import atomic_write, decode, read_bytes
from .model import MISSING, Change
from .paths import format_path
from .values import canonical

SCHEMA_VERSION = 1


def drift_hash(change: Change) -> str:
    """A short, stable hash of a change's kind and both values (absent sides count as absent)."""
    values: dict[str, Any] = {"kind": change.kind.value}
    if change.source is not MISSING:
        values["source"] = change.source
    if change.target is not MISSING:
        values["target"] = change.target
    return hashlib.sha256(canonical(values)).hexdigest()[:16]


@dataclass(frozen=True, order=True)
class DriftKey:
    """What identifies one accepted difference."""

    check: str
    pair: str
    path: str
    kind: str
    hash: str

    @classmethod
    def of(cls, check: str, pair: str, change: Change) -> DriftKey:
        """The key of ``change`` found by ``check`` in the file pair named ``pair`` (``""``: the only one)."""
        return cls(check, pair, format_path(change.path), change.kind.value, drift_hash(change))

    def to_dict(self) -> dict[str, str]:
        """The JSON form; ``pair`` is left out for single-file checks."""
        out = {"check": self.check, "pair": self.pair, "path": self.path, "kind": self.kind, "hash": self.hash}
        if not self.pair:
            del out["pair"]
        return out


class AcceptedDrift:
    """The set of accepted differences, read from and written to one JSON file."""

    def __init__(self, keys: Iterable[DriftKey] = ()) -> None:
        self.keys = set(keys)

    def __contains__(self, key: object) -> bool:
        return key in self.keys

    @classmethod
    def load(cls, path: FsPath, shown: str) -> AcceptedDrift:
        """Read the file; a file that does not exist yet accepts nothing.

        Raises:
            InputError: the file is not a valid accepted-drift file.
        """
        if not path.exists():
            return cls()
        text, _ = decode(read_bytes(str(path)), shown)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(shown, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
        if not isinstance(data, dict) or not isinstance(data.get("accepted"), list):
            raise InputError(shown, "expected {\"schema_version\": 1, \"accepted\": [...]}")
        return cls(cls._entry(entry, shown, i) for i, entry in enumerate(data["accepted"]))

    @staticmethod
    def _entry(entry: Any, shown: str, position: int) -> DriftKey:
        fields = ("check", "path", "kind", "hash")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(name), str) for name in fields):
            raise InputError(shown, f"accepted[{position}]: expected check, path, kind and hash (strings)")
        return DriftKey(entry["check"], str(entry.get("pair", "")), entry["path"], entry["kind"], entry["hash"])

    def replace_check(self, check: str, keys: Iterable[DriftKey]) -> None:
        """Make ``keys`` the accepted drift of ``check``: its earlier entries, stale or not, go."""
        self.keys = {key for key in self.keys if key.check != check} | set(keys)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, sorted so that re-recording the same drift changes no byte."""
        return {"schema_version": SCHEMA_VERSION, "accepted": [key.to_dict() for key in sorted(self.keys)]}

    def save(self, path: FsPath) -> None:
        """Write the file atomically, creating its folder (``.nervsync/``) when needed."""
        os.makedirs(path.parent, exist_ok=True)
        atomic_write(str(path), json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
