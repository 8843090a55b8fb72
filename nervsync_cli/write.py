"""Writing a synced document back: format-preserving rendering plus an atomic replace."""

from __future__ import annotations

from .files import STDIN, atomic_write, atomic_write_bytes
from .formats import get_format
from .formats.csv_format import CsvFormat
from .formats.csv_update import update_csv, update_csv_bytes
from .formats.json_format import JsonFormat
from .formats.json_update import update_json_bytes
from .model import Document


def render(original: Document, new: Document) -> str:
    """The new text of ``original``'s file, changing only what differs (fresh text if none).

    ``original.data`` must still be the tree its text was loaded into: parts of ``new.data`` that
    are the very objects of it are taken as unchanged (a tree edited in place is not).
    """
    return render_bytes(original, new).decode("utf-8")


def render_bytes(original: Document, new: Document) -> bytes:
    """:func:`render` as UTF-8 bytes (without a byte order mark), from and to bytes where it can.

    A JSON file is spliced as bytes, so its text is neither decoded nor the result encoded.
    """
    fmt = get_format(new.format)
    if not original.has_text:
        return fmt.dump(new.data, multi_document=new.multi_document).encode("utf-8")
    if new.data is original.data:
        return _original_bytes(original)
    # The built-in writers also take the tree the text was loaded into, and skip the parts of the
    # new tree that are the same objects (a sync copies only what it changes; see apply.applied_copy).
    # A document wrapped into a stream (diff.as_streams) holds more than its text: no short cut.
    same_shape = original.format == new.format and not original.multi_document
    if same_shape and type(fmt) is JsonFormat:
        return update_json_bytes(_original_bytes(original), new.data, old=original.data)
    if same_shape and type(fmt) is CsvFormat and original.record_starts is not None:
        return update_csv_bytes(_original_bytes(original), new.data, old=original.data, starts=original.record_starts)
    text = str(original.text)
    if same_shape and type(fmt) is CsvFormat:
        return update_csv(text, new.data, old=original.data).encode("utf-8")
    return fmt.update(text, new.data, multi_document=new.multi_document).encode("utf-8")


def write_document(original: Document, new: Document, out: str | None = None) -> str | None:
    """Write ``new`` to ``out`` (default: in place); returns where, or ``None`` if nothing changed.

    A file whose text would not change is not rewritten, so its mtime and inode stay.
    """
    destination = out or original.name
    if destination == STDIN and out is None:
        return None
    if out is None and new.data is original.data and original.has_text:
        return None  # the text would be the original's: not even read
    data = render_bytes(original, new)
    if out is None and original.has_text and data == _original_bytes(original):
        return None
    if destination == STDIN:
        atomic_write(destination, data.decode("utf-8"), bom=original.bom)
    else:
        atomic_write_bytes(destination, data, bom=original.bom)
    return destination


def _original_bytes(document: Document) -> bytes:
    raw = document.original_bytes()
    assert raw is not None  # (a document with text)
    return raw
