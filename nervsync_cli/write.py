"""Writing a synced document back: format-preserving rendering plus an atomic replace."""

from __future__ import annotations

from .files import STDIN, atomic_write
from .formats import get_format
from .model import Document


def render(original: Document, new: Document) -> str:
    """The new text of ``original``'s file, changing only what differs (fresh text if none)."""
    fmt = get_format(new.format)
    if original.text is None:
        return fmt.dump(new.data, multi_document=new.multi_document)
    if new.data is original.data:
        return original.text
    return fmt.update(original.text, new.data, multi_document=new.multi_document)


def write_document(original: Document, new: Document, out: str | None = None) -> str | None:
    """Write ``new`` to ``out`` (default: in place); returns where, or ``None`` if nothing changed.

    A file whose text would not change is not rewritten, so its mtime and inode stay.
    """
    destination = out or original.name
    if destination == STDIN and out is None:
        return None
    text = render(original, new)
    if out is None and text == original.text:
        return None
    atomic_write(destination, text, bom=original.bom)
    return destination
