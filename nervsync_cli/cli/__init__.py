"""The command line: a thin typer layer over the library. Exit codes: see :class:`ExitStatus`."""

from .app import app, main

__all__ = ["app", "main"]
