"""Consoles for stdout and stderr, honouring NO_COLOR, --color/--no-color and the terminal width."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console


def make_console(stream: TextIO | None = None, color: bool | None = None, width: int | None = None) -> Console:
    """A console on ``stream`` (stdout by default).

    ``color`` None means: colour on a terminal unless NO_COLOR is set. On a pipe the output is
    plain text at a fixed width (120, or COLUMNS) so scripts see stable lines.
    """
    stream = stream or sys.stdout
    is_tty = stream.isatty()
    if color is None:
        color = is_tty and "NO_COLOR" not in os.environ
    if width is None and not is_tty:
        columns = os.environ.get("COLUMNS", "")
        # A stray COLUMNS (empty, "auto", "0") must not crash the run: fall back to 120.
        width = int(columns) if columns.isdigit() and int(columns) > 0 else 120
    return Console(
        file=stream,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        width=width,
        highlight=False,
        soft_wrap=False,
    )
