"""RFC 6902 JSON Patch: apply a patch to a plain JSON-like tree, and tell a JSON Patch from a merge patch.

:func:`apply_json_patch` never mutates its arguments and is all or nothing: it works on a private
copy of the document, so a failing operation leaves nothing half applied. Every failure is an
:class:`~nervsync_cli.errors.ApplyError` naming the operation, e.g.
``operation 3 (replace /a/b): path not found: /a has no member 'b'``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from nervsync_cli.errors import ApplyError
from nervsync_cli.patch.pointer import (
    JSONValue,
    array_index,
    child,
    describe,
    parse_pointer,
    resolve_parent,
    resolve_tokens,
)

PatchKind = Literal["jsonpatch", "mergepatch"]
Operation = Mapping[str, Any]


def apply_json_patch(doc: JSONValue, patch: Sequence[Operation]) -> JSONValue:
    """Apply the RFC 6902 ``patch`` to ``doc`` and return the patched document.

    The result shares no mutable part with ``doc`` or ``patch``; neither is modified. Members of
    an operation other than ``op``, ``path``, ``from`` and ``value`` are ignored (RFC 6902 §4).
    ``test`` compares with :func:`json_equal`.

    Raises:
        ApplyError: the patch is malformed or an operation cannot be applied; the message names
            the operation's index, op and path, and why.
    """
    operations = _operations(patch)
    result = copy_json(doc)
    for index, operation in enumerate(operations):
        try:
            result = _apply(result, operation)
        except ApplyError as error:
            raise ApplyError(f"{_label(index, operation)}: {error.message}") from error
    return result


def detect_patch_kind(obj: object) -> PatchKind:
    """``"jsonpatch"`` if ``obj`` is a list of objects that each have an ``op``, else ``"mergepatch"``.

    An empty list counts as a JSON Patch (that changes nothing) rather than as a merge patch
    replacing the whole document with ``[]``: the harmless reading of an ambiguous document.
    """
    if isinstance(obj, list) and all(isinstance(item, dict) and "op" in item for item in obj):
        return "jsonpatch"
    return "mergepatch"


def json_equal(left: JSONValue, right: JSONValue) -> bool:
    """JSON equality (RFC 6902 §4.6): what a ``test`` operation checks.

    Numbers compare as numbers (``1`` equals ``1.0``), but booleans are not numbers (``true``
    differs from ``1``); objects compare regardless of member order, arrays element by element.
    """
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(item, right[key]) for key, item in left.items())
    return type(left) is type(right) and left == right


def copy_json(value: JSONValue) -> JSONValue:
    """A deep copy of a JSON-like tree: new dicts and lists, scalars shared (they are immutable)."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def _operations(patch: object) -> list[Operation]:
    # Typed `object`: a patch comes from a parsed file, so its shape is checked, not trusted.
    if not isinstance(patch, (list, tuple)):
        raise ApplyError(f"a JSON Patch must be an array of operations, not {type(patch).__name__}")
    operations: list[Operation] = []
    for index, operation in enumerate(patch):
        if not isinstance(operation, Mapping):
            raise ApplyError(f"operation {index}: must be an object, not {type(operation).__name__}")
        operations.append(operation)
    return operations


def _label(index: int, operation: Operation) -> str:
    words = [word for word in (operation.get("op"), _shown(operation.get("path"))) if isinstance(word, str)]
    source = _shown(operation.get("from"))
    if operation.get("op") in ("move", "copy") and isinstance(source, str):
        words += ["from", source]
    return f"operation {index} ({' '.join(words)})" if words else f"operation {index}"


def _shown(pointer: object) -> object:
    # The root pointer is the empty string, which would vanish from the message.
    return '""' if pointer == "" else pointer


def _apply(doc: JSONValue, operation: Operation) -> JSONValue:
    if "op" not in operation:
        raise ApplyError("missing 'op'")
    name = operation["op"]
    handler = _HANDLERS.get(name) if isinstance(name, str) else None
    if handler is None:
        raise ApplyError(f"unknown op {name!r}")
    return handler(doc, _pointer_member(operation, "path"), operation)


def _pointer_member(operation: Operation, member: str) -> list[str]:
    if member not in operation:
        raise ApplyError(f"missing {member!r}")
    pointer = operation[member]
    if not isinstance(pointer, str):
        raise ApplyError(f"{member!r} must be a string, not {type(pointer).__name__}")
    return parse_pointer(pointer)


def _value(operation: Operation) -> JSONValue:
    if "value" not in operation:
        raise ApplyError("missing 'value'")
    value: JSONValue = operation["value"]
    return value


def _add(doc: JSONValue, tokens: list[str], operation: Operation) -> JSONValue:
    return _insert(doc, tokens, copy_json(_value(operation)))


def _remove(doc: JSONValue, tokens: list[str], _operation: Operation) -> JSONValue:
    _detach(doc, tokens)
    return doc


def _replace(doc: JSONValue, tokens: list[str], operation: Operation) -> JSONValue:
    value = copy_json(_value(operation))
    if not tokens:
        return value
    parent, where = resolve_parent(doc, tokens), tokens[:-1]
    if isinstance(parent, list):
        parent[array_index(tokens[-1], len(parent), where)] = value
    else:
        child(parent, tokens[-1], where)  # raises when the member is missing: replace never creates one
        parent[tokens[-1]] = value
    return doc


def _move(doc: JSONValue, tokens: list[str], operation: Operation) -> JSONValue:
    source = _pointer_member(operation, "from")
    if len(tokens) > len(source) and tokens[: len(source)] == source:
        raise ApplyError(f"cannot move {describe(source)} into one of its own children")
    if tokens == source:
        resolve_tokens(doc, source)  # a move onto itself changes nothing, but "from" must still exist
        return doc
    return _insert(doc, tokens, _detach(doc, source))


def _copy(doc: JSONValue, tokens: list[str], operation: Operation) -> JSONValue:
    source = _pointer_member(operation, "from")
    return _insert(doc, tokens, copy_json(resolve_tokens(doc, source)))


def _test(doc: JSONValue, tokens: list[str], operation: Operation) -> JSONValue:
    expected = _value(operation)
    if not json_equal(resolve_tokens(doc, tokens), expected):
        raise ApplyError(f"test failed: {describe(tokens)} is not equal to the given value")
    return doc


def _insert(doc: JSONValue, tokens: list[str], value: JSONValue) -> JSONValue:
    if not tokens:
        return value
    parent = resolve_parent(doc, tokens)
    if isinstance(parent, list):
        parent.insert(array_index(tokens[-1], len(parent), tokens[:-1], allow_end=True), value)
    else:
        parent[tokens[-1]] = value
    return doc


def _detach(doc: JSONValue, tokens: list[str]) -> JSONValue:
    if not tokens:
        raise ApplyError("cannot remove the document root")
    parent, where = resolve_parent(doc, tokens), tokens[:-1]
    if isinstance(parent, list):
        return parent.pop(array_index(tokens[-1], len(parent), where))
    value = child(parent, tokens[-1], where)
    del parent[tokens[-1]]
    return value


_HANDLERS: dict[str, Callable[[JSONValue, list[str], Operation], JSONValue]] = {
    "add": _add,
    "remove": _remove,
    "replace": _replace,
    "move": _move,
    "copy": _copy,
    "test": _test,
}
