"""``--match``: pairing records by content when two systems number them differently.

The match fields become the lists' identity (a key rule), so matched records merge instead of
being duplicated; this module lists the pairs for the report, with each side's own id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .identity import key_of, match_segment
from .paths import Field, Path, format_path

_OWN_IDS = ("id", "key", "uuid", "name")


@dataclass(frozen=True)
class MatchedPair:
    """Two records paired by the match fields, and the ids each side gives them."""

    path: Path
    source_ids: dict[str, Any]
    target_ids: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form in the sync report."""
        return {"path": format_path(self.path), "source": self.source_ids, "target": self.target_ids}


def _record_lists(tree: Any, fields: tuple[str, ...], path: Path = ()) -> Iterator[tuple[Path, list[Any]]]:
    """Lists (under mappings) whose items all carry the match fields."""
    if isinstance(tree, dict):
        for name, value in tree.items():
            yield from _record_lists(value, fields, (*path, Field(name)))
    elif isinstance(tree, list) and tree and all(key_of(item, fields) is not None for item in tree):
        yield path, tree


def _ids(item: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: item[name] for name in _OWN_IDS if name in item and name not in fields}


def matched_pairs(source: Any, target: Any, fields: tuple[str, ...]) -> list[MatchedPair]:
    """Records present on both sides under the same match key, wherever the lists sit."""
    target_lists = dict(_record_lists(target, fields))
    pairs: list[MatchedPair] = []
    for path, items in _record_lists(source, fields):
        others = {key_of(item, fields): item for item in target_lists.get(path, [])}
        for item in items:
            key = key_of(item, fields)
            other = others.get(key)
            if other is not None and key is not None:
                pairs.append(MatchedPair((*path, match_segment(fields, key)), _ids(item, fields),
                                         _ids(other, fields)))
    return pairs
