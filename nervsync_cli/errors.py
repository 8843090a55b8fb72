"""The typed errors of nervsync, and the exit codes they map to.

Every error the library raises on purpose is a :class:`NervsyncError`; the CLI turns one into a
single line on stderr and its ``exit_code``. Anything else is a crash (exit 3).
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes, as documented in README and ``--help``."""

    OK = 0
    DIFFERENCES = 1
    ERROR = 2
    CRASH = 3


class NervsyncError(Exception):
    """Base of every error nervsync raises deliberately."""

    exit_code: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(NervsyncError):
    """The caller asked for something that cannot be done (bad option value, bad path syntax)."""


class InputError(NervsyncError):
    """An input file is missing, unreadable or malformed.

    ``file`` is the name shown to the user (``-`` or ``<stdin>`` for standard input); ``line`` and
    ``column`` are 1-based and given where the parser knows them.
    """

    def __init__(self, file: str, message: str, line: int | None = None, column: int | None = None) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.detail = message
        super().__init__(f"{self.location}: {message}")

    @property
    def location(self) -> str:
        """``file[:line[:column]]``, the prefix of the one-line message."""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class DuplicateKeyError(InputError):
    """Two items of one list share an identity key, or one mapping repeats a key."""


class OutputError(NervsyncError):
    """A file cannot be written (a folder that does not exist or refuses writes, a full disk);
    whatever was there is left as it was."""

    @classmethod
    def cannot(cls, path: str, what: str, exc: Exception) -> OutputError:
        """``path: cannot <what>: <the system's reason>``."""
        return cls(f"{path}: cannot {what}: {getattr(exc, 'strerror', None) or exc}")


class ApplyError(NervsyncError):
    """A patch or plan cannot be applied as written; nothing was changed."""


class RefusedError(NervsyncError):
    """A guard refused the operation (files drifted, too many deletes, a lock is held)."""
