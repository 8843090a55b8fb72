"""RFC 7396 JSON Merge Patch: apply one to a plain JSON-like tree, and make the minimal one.

A merge patch mirrors the shape of the document: an object member set to ``null`` deletes the
member, an object merges recursively, and anything else (a list, a scalar) replaces the value
whole. Two limits follow, and :func:`make_merge_patch` is explicit about both:

* a list cannot be edited element by element, only replaced whole: the result lists the
  pointers where that happened (:attr:`MergePatchResult.replaced_lists`);
* an object member cannot be *set* to ``null``: :func:`make_merge_patch` raises
  :class:`~nervsync_cli.errors.ApplyError` rather than return a patch that would delete it.
  (A ``null`` inside a list, or as the whole document, is expressible and allowed.)
"""

from __future__ import annotations

from dataclasses import dataclass

from nervsync_cli.errors import ApplyError
from nervsync_cli.patch.jsonpatch import copy_json, json_equal
from nervsync_cli.patch.pointer import JSONValue, format_pointer


@dataclass(frozen=True)
class MergePatchResult:
    """What :func:`make_merge_patch` made.

    Attributes:
        patch: the minimal merge patch turning the source into the target.
        replaced_lists: JSON Pointers, in document order, where source and target both hold a
            list, the lists differ, and so the patch carries the target's list whole.
    """

    patch: JSONValue
    replaced_lists: tuple[str, ...]


def apply_merge_patch(target: JSONValue, patch: JSONValue) -> JSONValue:
    """Apply the RFC 7396 merge ``patch`` to ``target`` and return the result.

    Neither argument is modified and the result shares no mutable part with them. Members keep
    the target's order; members the patch adds come after, in the patch's order.
    """
    if not isinstance(patch, dict):
        return copy_json(patch)
    base = target if isinstance(target, dict) else {}
    result: dict[str, JSONValue] = {}
    for key, value in base.items():
        if key not in patch:
            result[key] = copy_json(value)
        elif patch[key] is not None:
            result[key] = apply_merge_patch(value, patch[key])
    for key, change in patch.items():
        if key not in base and change is not None:
            result[key] = apply_merge_patch(None, change)
    return result


def make_merge_patch(source: JSONValue, target: JSONValue) -> MergePatchResult:
    """The minimal merge patch turning ``source`` into ``target``.

    Minimal: members equal (by :func:`~nervsync_cli.patch.jsonpatch.json_equal`) in source and
    target are left out, so ``{}`` means "no change" between two objects. Between two equal
    values that are not objects the patch is the value itself, as no smaller patch exists.

    Raises:
        ApplyError: ``target`` has an object member whose value is ``null`` where ``source``
            differs; a merge patch cannot express it, as ``null`` there means "delete".
    """
    replaced_lists: list[str] = []
    patch = _diff(source, target, [], replaced_lists)
    return MergePatchResult(patch, tuple(replaced_lists))


def _diff(source: JSONValue, target: JSONValue, tokens: list[str], replaced_lists: list[str]) -> JSONValue:
    if not isinstance(target, dict):
        if isinstance(source, list) and isinstance(target, list) and not json_equal(source, target):
            replaced_lists.append(format_pointer(tokens))
        return copy_json(target)
    # Merging into a non-object starts from {} (RFC 7396 §2), so every target member must be spelled out.
    base = source if isinstance(source, dict) else {}
    patch: dict[str, JSONValue] = {key: None for key in base if key not in target}
    for key, value in target.items():
        if key in base and json_equal(base[key], value):
            continue
        if value is None:
            raise ApplyError(
                f"a merge patch cannot set {format_pointer([*tokens, key])} to null (null deletes a member); "
                "use a JSON Patch instead"
            )
        patch[key] = _diff(base.get(key), value, [*tokens, key], replaced_lists)
    return patch
