"""JSON codec: the standard library's C scanner, with duplicate keys treated as errors."""

from __future__ import annotations

import json
import json.decoder
import json.scanner
from collections.abc import Callable
from typing import Any

import orjson

from ..errors import DuplicateKeyError, InputError
from ..model import Document


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


# What :func:`fast_loads` and :func:`orjson_loads` return where orjson steps aside.
SLOW: Any = object()


def fast_loads(source: bytes | str) -> Any:
    """orjson's parse of ``source`` when it is provably the stdlib's, else ``SLOW``."""
    data_bytes = source.encode("utf-8") if isinstance(source, str) else source
    data = orjson_loads(data_bytes)
    return data if data is SLOW or faithful(data_bytes, data) else SLOW


def orjson_loads(data_bytes: bytes) -> Any:
    """orjson's parse of ``data_bytes``, ``SLOW`` where it refuses them; see :func:`faithful`."""
    try:
        return orjson.loads(data_bytes)
    except orjson.JSONDecodeError:
        return SLOW


def faithful(data_bytes: bytes, data: Any) -> bool:
    """Whether ``data``, orjson's parse of ``data_bytes``, is provably the stdlib's parse.

    orjson is 8x faster than the stdlib scanner with a duplicate-key hook, but differs from it in
    three ways, each caught here or by :func:`orjson_loads`, so the exact path gives the result and
    the error messages:

    * it keeps the last of repeated keys. Outside strings a colon appears once per key, and orjson
      writes one per key plus those inside strings (which it never escapes), so the input and the
      re-serialised tree hold the same number of colons exactly when no key was dropped — unless
      the input spells a colon as ``\\u003a``, which sends it to the exact path;
    * it turns integers beyond 64 bits into floats, of magnitude 2**63 or more, which it writes
      back with an exponent (``1.8446744073709552e+19``): a digit before ``e+`` in the
      re-serialised tree sends it to the exact path (so does a float of 1e16 or more in the input,
      and such text inside a string: the exact path is slower, never wrong);
    * it refuses what the stdlib accepts (NaN, lone surrogates, deep nesting): its error does too.
    """
    try:
        dumped = orjson.dumps(data)
    except (orjson.JSONEncodeError, TypeError):
        return False
    return faithful_counts(data_bytes, dumped.count(b":"), has_exponent(dumped))


def faithful_counts(data_bytes: bytes, colons: int, exponent: bool) -> bool:
    """:func:`faithful`, given the colons in orjson's serialisation of the tree and whether
    :func:`has_exponent` found one in it (for a tree serialised in parts: their sums)."""
    return not exponent and colons == key_colons(data_bytes)


def key_colons(data_bytes: bytes) -> int | None:
    """The colons of a JSON text, which :func:`faithful` compares with its re-serialisation's;
    ``None`` where one may be spelt ``\\u003a`` (the counts would not tell)."""
    if b"\\u003" in data_bytes and (b"\\u003a" in data_bytes or b"\\u003A" in data_bytes):
        return None
    return data_bytes.count(b":")


def has_exponent(dumped: bytes) -> bool:
    """Whether orjson wrote some number as ``…e+NN`` (orjson never escapes ``e`` or ``+`` in strings)."""
    # ``+`` is rare and found by memchr; a search for ``e+`` would stop at every ``e``.
    pos = dumped.find(b"+")
    while pos != -1:
        if dumped[pos - 1:pos] == b"e" and dumped[pos - 2:pos - 1].isdigit():
            return True
        pos = dumped.find(b"+", pos + 1)
    return False


def line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _locate_duplicate(text: str) -> tuple[int, str]:
    """Offset of the object holding the first duplicate key, found with the pure-Python scanner.

    Only called once a duplicate is known to exist, so the slow scanner costs nothing normally.
    """
    decoder: Any = json.JSONDecoder()
    found: list[tuple[int, str]] = []

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        pairs, end = json.decoder.JSONObject(  # type: ignore[attr-defined]
            s_and_end, *args[:3], object_pairs_hook=list, memo=args[-1])
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys) and not found:
            dup = next(key for i, key in enumerate(keys) if key in keys[:i])
            found.append((s_and_end[1] - 1, dup))
        return dict(pairs), end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    decoder.decode(text)
    return found[0]


def _exact_loads(text: str, name: str) -> Any:
    """The standard library's parse, raising nervsync's errors with line and column."""
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        message = exc.msg[0].lower() + exc.msg[1:]
        raise InputError(name, f"invalid JSON: {message}", exc.lineno, exc.colno) from None
    except _DuplicateKey as exc:
        try:
            pos, key = _locate_duplicate(text)
        except RecursionError:
            # The pure-Python scanner needs more stack than the C one; the key is still known.
            raise DuplicateKeyError(name, f"duplicate key {exc.key!r} in one object") from None
        line, col = line_col(text, pos)
        raise DuplicateKeyError(name, f"duplicate key {key!r} in one object", line, col) from None
    except RecursionError:
        # The C scanner recurses once per level; a hostile or broken file must not crash us.
        raise InputError(name, "invalid JSON: nested too deeply") from None


class JsonFormat:
    """JSON files (``.json``)."""

    name: str = "json"
    extensions: tuple[str, ...] = (".json",)

    def load(self, text: str, name: str, *, coerce: bool = False) -> Document:
        """Parse JSON; a repeated key inside one object is an error, not last-one-wins."""
        return self._load_text(text, name, fast=True)

    def load_bytes(self, raw: bytes, name: str, decode: Callable[[], str]) -> Document:
        """:meth:`load`, given the file's bytes (without a byte order mark) and how to decode them.

        The text is decoded only if a write or the exact path needs it: orjson checks that the bytes
        are UTF-8 as it parses them.
        """
        if not raw or raw.isspace():
            raise InputError(name, "file is empty")
        document = self.load_fast(raw, name)
        # Where orjson stepped aside for these bytes, straight to the exact path.
        return document if document is not None else self._load_text(decode(), name, fast=False)

    def load_fast(self, raw: bytes, name: str) -> Document | None:
        """The fast path of :meth:`load_bytes` alone: orjson's parse, proved exact; ``None`` where it
        steps aside. Its trees hold JSON's types only, and finite floats (orjson refuses NaN)."""
        data = orjson_loads(raw)
        if data is SLOW or not faithful(raw, data):
            return None
        return Document(data=data, name=name, format=self.name, text=raw)

    def _load_text(self, text: str, name: str, *, fast: bool) -> Document:
        if not text or text.isspace():  # (``text.strip()`` would copy the whole file)
            raise InputError(name, "file is empty")
        data = fast_loads(text) if fast else SLOW
        if data is SLOW:
            data = _exact_loads(text, name)
        return Document(data=data, name=name, format=self.name, text=text)

    def dump(self, data: Any, *, multi_document: bool = False) -> str:
        """Two-space indented JSON with a final newline, non-ASCII kept as is."""
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def update(self, original: str, data: Any, *, multi_document: bool = False) -> str:
        """Splice ``data`` into ``original`` (see :mod:`.json_update`)."""
        from .json_update import update_json

        return str(update_json(original, data))
