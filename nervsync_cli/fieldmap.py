"""``--map``: renaming fields between two schemas (SOURCE ``content`` ↔ TARGET ``body``)."""

from __future__ import annotations

from typing import Any

from .errors import UsageError
from .model import Op
from .paths import Field, Match, Path


class FieldMap:
    """A one-to-one renaming of mapping keys, applied at every depth.

    The TARGET side is viewed in SOURCE's names for comparing, and operations for TARGET are
    translated back before they are applied, so TARGET keeps its own schema.
    """

    def __init__(self, source_to_target: dict[str, str]) -> None:
        self.to_target_names = dict(source_to_target)
        self.to_source_names = {t: s for s, t in source_to_target.items()}
        if len(self.to_source_names) != len(self.to_target_names):
            raise UsageError("--map: two source fields map to the same target field")

    @classmethod
    def from_data(cls, data: Any, name: str) -> FieldMap:
        """Build from a loaded map file: ``{fields: {src: tgt}}`` or just ``{src: tgt}``.

        Raises:
            UsageError: the file is not a mapping of names to names.
        """
        fields = data.get("fields", data) if isinstance(data, dict) else None
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            raise UsageError(f"{name}: a map file is a mapping of SOURCE field names to TARGET field names")
        return cls(fields)

    @staticmethod
    def _rename(value: Any, names: dict[str, str]) -> Any:
        if isinstance(value, dict):
            return {names.get(k, k): FieldMap._rename(v, names) for k, v in value.items()}
        if isinstance(value, list):
            return [FieldMap._rename(v, names) for v in value]
        return value

    def target_as_source(self, tree: Any) -> Any:
        """TARGET's tree in SOURCE's field names (a copy)."""
        return self._rename(tree, self.to_source_names)

    def source_as_target(self, tree: Any) -> Any:
        """SOURCE-named values in TARGET's field names (a copy)."""
        return self._rename(tree, self.to_target_names)

    def path_to_target(self, path: Path) -> Path:
        """A SOURCE-named path in TARGET's names."""
        out: list[Any] = []
        for segment in path:
            if isinstance(segment, Field):
                out.append(Field(self.to_target_names.get(segment.name, segment.name)))
            elif isinstance(segment, Match):
                out.append(Match(tuple((self.to_target_names.get(n, n), v) for n, v in segment.fields)))
            else:
                out.append(segment)
        return tuple(out)

    def op_to_target(self, op: Op) -> Op:
        """An operation planned in SOURCE's names, for TARGET's own tree."""
        from dataclasses import replace

        return replace(
            op,
            path=self.path_to_target(op.path),
            value=self.source_as_target(op.value),
            old=self.source_as_target(op.old),
            after=self.path_to_target(op.after) if op.after else None,
        )
