"""nervsync: structure-aware diff, sync and merge of JSON, YAML and CSV model files.

The library API; importing it loads neither rich nor typer (those belong to the CLI).
"""

import importlib
from typing import TYPE_CHECKING, Any

from .diff import diff_documents, diff_values
from .errors import ApplyError, DuplicateKeyError, InputError, NervsyncError, RefusedError, UsageError
from .files import load_document
from .formats import Format, register_format
from .model import (
    Change,
    ChangeKind,
    Conflict,
    ConflictStrategy,
    Diff,
    DiffOptions,
    Document,
    KeyRule,
    SyncDirection,
    SyncOptions,
)

if TYPE_CHECKING:
    from .resolve import UNRESOLVED
    from .synchronizer import DiffResult, DiffSynchronizer, ModelAdapter

__version__ = "0.1.0"

# The sync engine is imported on first use, so that ``nervsync diff`` (and any program that only
# diffs) does not pay for it at start-up.
_LAZY = {
    "UNRESOLVED": "resolve",
    "DiffResult": "synchronizer",
    "DiffSynchronizer": "synchronizer",
    "ModelAdapter": "synchronizer",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nervsync_cli' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

__all__ = [
    "UNRESOLVED",
    "ApplyError",
    "Change",
    "ChangeKind",
    "Conflict",
    "ConflictStrategy",
    "Diff",
    "DiffOptions",
    "DiffResult",
    "DiffSynchronizer",
    "Document",
    "DuplicateKeyError",
    "Format",
    "InputError",
    "KeyRule",
    "ModelAdapter",
    "NervsyncError",
    "RefusedError",
    "SyncDirection",
    "SyncOptions",
    "UsageError",
    "__version__",
    "diff_documents",
    "diff_values",
    "load_document",
    "register_format",
]
