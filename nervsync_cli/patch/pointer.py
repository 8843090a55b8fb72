"""RFC 6901 JSON Pointer: parse, format and resolve pointers in plain JSON-like trees.

A pointer such as ``/a/b~1c/0`` is a list of reference tokens (``["a", "b/c", "0"]``) once parsed.
Tokens stay strings until they meet a value: the same token ``"0"`` names member ``"0"`` of an
object and the first element of an array.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TypeAlias

from nervsync_cli.errors import ApplyError

JSONValue: TypeAlias = "dict[str, JSONValue] | list[JSONValue] | str | int | float | bool | None"
"""A plain JSON-like tree, as ``json.loads`` returns it."""

PathToken: TypeAlias = "str | int | float | bool | None"
"""One step of a path through a tree: a member name, an array index, or a non-string YAML key."""

# RFC 6901 §4: an array index is "0" or digits without a leading zero; no sign, no exponent.
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")


def parse_pointer(pointer: str) -> list[str]:
    """Split a JSON Pointer into its unescaped reference tokens.

    ``""`` (the whole document) gives ``[]``; ``"/"`` gives ``[""]`` (the member named ``""``).

    Raises:
        ApplyError: the pointer is neither empty nor starts with ``/``, or a ``~`` is not
            followed by ``0`` or ``1``.
    """
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ApplyError(f"invalid JSON Pointer {pointer!r}: it must be empty or start with '/'")
    if _BAD_ESCAPE.search(pointer):
        raise ApplyError(f"invalid JSON Pointer {pointer!r}: '~' must be followed by '0' or '1'")
    # "~1" before "~0": the other order would read "~01" as "/" instead of "~1" (RFC 6901 §4).
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def format_pointer(tokens: Iterable[str | int]) -> str:
    """Join reference tokens into a JSON Pointer, escaping ``~`` as ``~0`` and ``/`` as ``~1``.

    The inverse of :func:`parse_pointer`; ints are written in decimal, as array indices are.
    """
    return "".join("/" + str(token).replace("~", "~0").replace("/", "~1") for token in tokens)


def pointer_for(tokens: Iterable[PathToken]) -> str:
    """The JSON Patch ``path`` of the value reached through ``tokens``, for emitting patches.

    Takes any iterable of path steps (a tuple path, a generator, a ``deepdiff`` list path).
    Strings are member names, ints array indices. YAML allows mapping keys that are not
    strings; they are spelled as ``json.dumps`` spells them as member names (``True`` as
    ``true``, ``None`` as ``null``, ``1.5`` as ``1.5``), so the pointer addresses the document
    as it reads once written as JSON.

    Example:
        >>> pointer_for(("spec", "containers", 0, "a/b", True))
        '/spec/containers/0/a~1b/true'
    """
    return format_pointer(_member_name(token) for token in tokens)


def _member_name(token: PathToken) -> str | int:
    if isinstance(token, str) or (isinstance(token, int) and not isinstance(token, bool)):
        return token
    return json.dumps(token)


def resolve_pointer(doc: JSONValue, pointer: str) -> JSONValue:
    """The value ``pointer`` names inside ``doc`` (not a copy).

    Raises:
        ApplyError: the pointer is malformed or names no value of ``doc``.
    """
    return resolve_tokens(doc, parse_pointer(pointer))


def resolve_tokens(doc: JSONValue, tokens: Sequence[str]) -> JSONValue:
    """The value the parsed pointer ``tokens`` names inside ``doc`` (not a copy).

    Raises:
        ApplyError: the tokens name no value of ``doc``.
    """
    value = doc
    for depth, token in enumerate(tokens):
        value = child(value, token, tokens[:depth])
    return value


def resolve_parent(doc: JSONValue, tokens: Sequence[str]) -> dict[str, JSONValue] | list[JSONValue]:
    """The object or array holding the value ``tokens`` names, which need not exist yet.

    ``tokens`` must not be empty: the document root has no parent.

    Raises:
        ApplyError: the parent does not exist or is not an object or array.
    """
    where = tokens[:-1]
    parent = resolve_tokens(doc, where)
    if isinstance(parent, (dict, list)):
        return parent
    raise ApplyError(f"path not found: {describe(where)} is {_kind(parent)}, not an object or array")


def child(container: JSONValue, token: str, where: Sequence[str]) -> JSONValue:
    """The value ``token`` names inside ``container``, found at the parsed pointer ``where``.

    ``where`` only serves the error message.

    Raises:
        ApplyError: ``container`` has no such member or element, or is not an object or array.
    """
    if isinstance(container, dict):
        if token not in container:
            raise ApplyError(f"path not found: {describe(where)} has no member {token!r}")
        return container[token]
    if isinstance(container, list):
        return container[array_index(token, len(container), where)]
    raise ApplyError(f"path not found: {describe(where)} is {_kind(container)}, not an object or array")


def array_index(token: str, length: int, where: Sequence[str], *, allow_end: bool = False) -> int:
    """The index that ``token`` names in an array of ``length`` elements found at ``where``.

    Args:
        token: a reference token; only ``0`` and digits without a leading zero are indices.
        length: the array's length.
        where: the parsed pointer of the array, for error messages.
        allow_end: also accept ``length`` and ``-``, the position after the last element,
            where an insertion appends.

    Raises:
        ApplyError: ``token`` is not an index, or is out of range.
    """
    if token == "-":
        if allow_end:
            return length
        raise ApplyError(f"path not found: '-' (past the end of {describe(where)}) names no element")
    if not _ARRAY_INDEX.fullmatch(token):
        raise ApplyError(f"invalid array index {token!r} for {describe(where)}")
    last = length if allow_end else length - 1
    # Compare lengths first: int() refuses strings of thousands of digits.
    if len(token) > len(str(length)) or int(token) > last:
        raise ApplyError(f"path not found: index {token} is out of range for {describe(where)} (length {length})")
    return int(token)


def describe(tokens: Sequence[str]) -> str:
    """A parsed pointer as shown in messages: the pointer itself, or ``the document root``."""
    return format_pointer(tokens) or "the document root"


def _kind(value: str | int | float | bool | None) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "null"
