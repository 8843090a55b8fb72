"""The only module that touches the disk: reading inputs and writing outputs atomically."""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import gc
import hashlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import InputError, OutputError, UsageError
from .formats import format_for_name, get_format
from .formats.base import Format, first_non_space
from .formats.json_format import JsonFormat
from .model import Document

STDIN = "-"


def read_bytes(spec: str) -> bytes:
    """The raw bytes of a file, or of standard input for ``-``.

    Raises:
        InputError: missing file, a directory, or no permission.
    """
    if spec == STDIN:
        return sys.stdin.buffer.read()
    try:
        with open(spec, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(spec, "no such file") from None
    except IsADirectoryError:
        raise InputError(spec, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(spec, "permission denied") from None
    except OSError as exc:
        raise InputError(spec, exc.strerror or str(exc)) from None


def decode(raw: bytes, name: str) -> tuple[str, bool]:
    """UTF-8 text (with or without a byte order mark) and whether there was a mark.

    Raises:
        InputError: the bytes are not UTF-8; names the line and the offending byte.
    """
    bom = raw.startswith(codecs.BOM_UTF8)
    return utf8_text(raw[len(codecs.BOM_UTF8):] if bom else raw, name), bom


def utf8_text(raw: bytes, name: str) -> str:
    """:func:`decode` of bytes without a byte order mark."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = raw[exc.start]
        raise InputError(name, f"not UTF-8 text (tried utf-8): byte 0x{byte:02x} is invalid", line, column) from None


def _sniff_format_name(text: str) -> str:
    return "json" if first_non_space(text) in ("{", "[") else "yaml"


@dataclasses.dataclass(frozen=True)
class RawInput:
    """One input read but not parsed: its bytes (without a byte order mark) and its format."""

    name: str
    format: Format
    body: bytes
    bom: bool


def read_input(spec: str, format_name: str | None = None) -> RawInput:
    """Read one input (``-`` for stdin) and settle its format: the given one, or the implied one.

    Raises:
        InputError: the file cannot be read.
        UsageError: the format cannot be told from the name; pass it explicitly.
    """
    if format_name is not None:
        fmt = get_format(format_name)
    elif spec != STDIN:
        found = format_for_name(spec)
        if found is None:
            raise UsageError(f"{spec}: cannot tell the format from the extension "
                             "(name it with --source-format or --target-format)")
        fmt = found
    raw = read_bytes(spec)
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8):] if bom else raw
    if format_name is None and spec == STDIN:
        fmt = get_format(_sniff_format_name(utf8_text(body, spec)))
    return RawInput(spec, fmt, body, bom)


def parse_input(raw: RawInput, *, coerce: bool = False, freeze_gc: bool = False) -> Document:
    """Parse what :func:`read_input` read (``freeze_gc``: see :func:`gc_paused`).

    Raises:
        InputError: the input cannot be parsed.
    """
    with gc_paused(freeze=freeze_gc):
        if isinstance(raw.format, JsonFormat):
            document = raw.format.load_bytes(raw.body, raw.name, lambda: utf8_text(raw.body, raw.name))
        else:
            document = raw.format.load(utf8_text(raw.body, raw.name), raw.name, coerce=coerce)
    return with_bom(document, raw)


def with_bom(document: Document, raw: RawInput) -> Document:
    """``document``, marked as having had a byte order mark if ``raw`` had one."""
    return dataclasses.replace(document, bom=True) if raw.bom else document


def load_document(spec: str, format_name: str | None = None, *, coerce: bool = False,
                  freeze_gc: bool = False) -> Document:
    """Read and parse one input (``-`` for stdin) with the given or implied format.

    Raises:
        InputError: the file cannot be read or parsed.
        UsageError: the format cannot be told from the name; pass it explicitly.
    """
    return parse_input(read_input(spec, format_name), coerce=coerce, freeze_gc=freeze_gc)


@contextlib.contextmanager
def gc_paused(freeze: bool = False) -> Iterator[None]:
    """Build a big tree with the cyclic garbage collector off; with ``freeze``, keep it out of later
    collections.

    Loading makes one container per record and field. With the collector on, it rescans the
    growing tree again and again (that doubles orjson's time on a 100k-record file); once on, its
    next full collection would scan the whole tree (about a second for two 100k-record files).
    A loaded tree holds no reference cycles, so ``gc.freeze()`` moves it, and whatever else exists
    by then, to the permanent generation, which collections skip; reference counting still frees
    it. Freezing is process-wide, so only the short-lived CLI asks for it, never the library.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def atomic_write(path: str, text: str, *, bom: bool = False) -> None:
    """Replace ``path`` with ``text`` (UTF-8, with a byte order mark if asked); see
    :func:`atomic_write_bytes`. ``-`` writes to stdout."""
    if path == STDIN:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    atomic_write_bytes(path, text.encode("utf-8"), bom=bom)


def atomic_write_bytes(path: str, data: bytes, *, bom: bool = False) -> None:
    """Replace ``path`` with ``data`` (after a byte order mark if asked) so a crash leaves either
    the old or the new file, never half.

    The bytes go to a temporary file in the same folder, are flushed to disk, take the old file's
    permission bits, and are renamed over the old file; the folder is then synced so the rename
    itself survives a power cut.

    Raises:
        OutputError: the file cannot be written; it is left as it was.
    """
    try:
        _replace(Path(path), data, bom)
    except OSError as exc:
        raise OutputError.cannot(path, "write", exc) from None


def _replace(target: Path, data: bytes, bom: bool) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".nervsync-tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            if bom:
                handle.write(codecs.BOM_UTF8)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def append_text(path: str, text: str) -> None:
    """Append to a log file (events): one write call, so concurrent runs do not interleave lines.

    Raises:
        OutputError: the file cannot be written.
    """
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError.cannot(path, "write", exc) from None


def mtime(spec: str) -> float | None:
    """A file's modification time, or ``None`` for stdin and files that do not exist."""
    if spec == STDIN:
        return None
    try:
        return os.stat(spec).st_mtime
    except OSError:
        return None


def read_bytes_if_exists(path: str) -> bytes | None:
    """A file's bytes, or ``None`` if it does not exist (history and undo compare hashes)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def file_sha256(path: str) -> str | None:
    """The SHA-256 hex digest of a file's bytes, read in chunks (``None`` if it does not exist)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def files_sha256(*paths: str) -> tuple[str | None, ...]:
    """:func:`file_sha256` of each file, all at once: reading and hashing release the GIL, so big
    files are hashed on separate cores."""
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        return tuple(pool.map(file_sha256, paths))


def document_bytes(document: Document) -> bytes | None:
    """The bytes a loaded document was read from (``None`` for in-memory documents)."""
    raw = document.original_bytes()
    if raw is None:
        return None
    return (codecs.BOM_UTF8 if document.bom else b"") + raw
