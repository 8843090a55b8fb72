"""The interface every format codec implements."""

from __future__ import annotations

import io
from typing import Any, Protocol

from ..model import Document


class Format(Protocol):
    """A codec between text and a JSON-like tree.

    ``load`` raises :class:`~nervsync_cli.errors.InputError` naming ``name`` and, where the parser
    knows them, the line and column. ``update`` re-renders ``original`` so that it holds ``data``
    while every untouched part keeps its bytes; ``dump`` renders a new file from scratch.
    """

    name: str
    extensions: tuple[str, ...]

    def load(self, text: str, name: str, *, coerce: bool = False) -> Document:
        """Parse ``text`` (already decoded) into a document."""
        ...

    def dump(self, data: Any, *, multi_document: bool = False) -> str:
        """Render ``data`` as a new file in this format."""
        ...

    def update(self, original: str, data: Any, *, multi_document: bool = False) -> str:
        """Render ``data`` into ``original``'s layout, changing only what differs."""
        ...


def first_non_space(text: str) -> str:
    """The first character that is not whitespace (``""`` if none), without copying the text."""
    for char in text:
        if not char.isspace():
            return char
    return ""


# What str.splitlines takes for a line end besides "\n", "\r" and "\r\n".
_OTHER_LINE_ENDS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def csv_lines(text: str) -> list[str]:
    """The lines of ``text`` as ``csv`` reads a file opened with ``newline=""``: each ends with its
    own ``\n``, ``\r`` or ``\r\n``, kept.

    ``str.splitlines`` is three times faster than reading them from a ``StringIO`` but also ends a
    line at seven other characters: it is used only where none of those occurs.
    """
    if any(char in text for char in _OTHER_LINE_ENDS):
        return io.StringIO(text, newline="").readlines()
    return text.splitlines(keepends=True)
