"""nervsync: structure-aware diff, sync and merge of JSON, YAML and CSV model files.

The library API; importing it loads neither rich nor typer (those belong to the CLI).
"""

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
from .resolve import UNRESOLVED
from .synchronizer import DiffResult, DiffSynchronizer, ModelAdapter

__version__ = "0.1.0"

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
