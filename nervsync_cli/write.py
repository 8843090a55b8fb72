"""Writing a synced document back: format-preserving rendering plus an atomic replace."""

from __future__ import annotations

from .files import STDIN, atomic_write
from .formats import get_format
from .formats.csv_format import CsvFormat
from .formats.csv_update import update_csv
from .formats.json_format import JsonFormat
from .formats.json_update import update_json
from .model import Document


def render(original: Document, new: Document) -> str:
    """The new text of ``original``'s file, changing only what differs (fresh text if none).

    ``original.data`` must still be the tree its text was loaded into: parts of ``new.data`` that
    are the very objects of it are taken as unchanged (a tree edited in place is not).
    """
    fmt = get_format(new.format)
    if original.text is None:
        return fmt.dump(new.data, multi_document=new.multi_document)
    if new.data is original.data:
        return original.text
    # The built-in writers also take the tree the text was loaded into, and skip the parts of the
    # new tree that are the same objects (a sync copies only what it changes; see apply.applied_copy).
    # A document wrapped into a stream (diff.as_streams) holds more than its text: no short cut.
    same_shape = original.format == new.format and not original.multi_document
    if same_shape and type(fmt) is JsonFormat:
        return update_json(original.text, new.data, old=original.data)
    if same_shape and type(fmt) is CsvFormat:
        return update_csv(original.text, new.data, old=original.data)
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
