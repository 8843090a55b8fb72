"""JSON codec: the standard library's C scanner, with duplicate keys treated as errors."""

from __future__ import annotations

import json
import json.decoder
import json.scanner
from typing import Any

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


class JsonFormat:
    """JSON files (``.json``)."""

    name: str = "json"
    extensions: tuple[str, ...] = (".json",)

    def load(self, text: str, name: str, *, coerce: bool = False) -> Document:
        """Parse JSON; a repeated key inside one object is an error, not last-one-wins."""
        if not text.strip():
            raise InputError(name, "file is empty")
        try:
            data = json.loads(text, object_pairs_hook=_unique_pairs)
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
        return Document(data=data, name=name, format=self.name, text=text)

    def dump(self, data: Any, *, multi_document: bool = False) -> str:
        """Two-space indented JSON with a final newline, non-ASCII kept as is."""
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def update(self, original: str, data: Any, *, multi_document: bool = False) -> str:
        """Splice ``data`` into ``original`` (see :mod:`.json_update`)."""
        from .json_update import update_json

        return str(update_json(original, data))
