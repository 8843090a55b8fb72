"""The library facade: ``DiffSynchronizer`` syncs Python objects and files through model adapters.

A model adapter turns one kind of object into nervsync's JSON-like tree and back. Built-in
adapters cover dicts and lists, dataclasses, pydantic models and files (``pathlib.Path``); more
are added with :meth:`DiffSynchronizer.register_adapter` and found by the object's type hierarchy.

Example::

    sync = DiffSynchronizer()
    sync.register_adapter(Article, ArticleAdapter)
    result = sync.sync(local, remote, conflict_strategy=ConflictStrategy.LAST_UPDATE_WINS)
    for conflict in result.conflicts:
        print(conflict.path, conflict.resolution)
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any, Protocol

from .diff import diff_documents
from .errors import NervsyncError
from .events import EventBus, EventRecorder
from .model import (
    Change,
    Conflict,
    ConflictStrategy,
    DiffOptions,
    Document,
    KeyRule,
    Op,
    SyncDirection,
    SyncOptions,
)
from .paths import Path, parse_path
from .resolve import ConflictResolver
from .sync import finish_events, sync_documents


class ModelAdapter(Protocol):
    """Converts one kind of model object to a JSON-like tree and back."""

    def to_tree(self, model: Any) -> Any:
        """The model's data as dicts, lists and scalars."""
        ...

    def from_tree(self, tree: Any, original: Any) -> Any:
        """A model holding ``tree``, shaped like ``original``."""
        ...


class TreeAdapter:
    """Dicts and lists (copied, so the caller's objects are never modified)."""

    def to_tree(self, model: Any) -> Any:
        """A deep copy of the model."""
        return copy.deepcopy(model)

    def from_tree(self, tree: Any, original: Any) -> Any:
        """The tree itself."""
        return tree


class DataclassAdapter:
    """Dataclass instances (nested dataclasses become nested mappings)."""

    def to_tree(self, model: Any) -> Any:
        """``dataclasses.asdict``."""
        return dataclasses.asdict(model)

    def from_tree(self, tree: Any, original: Any) -> Any:
        """A new instance of the original's class with the synced fields.

        Fields that held a dataclass are rebuilt as one (``asdict`` flattened them to mappings), so
        ``local.author.name`` still works on the synced model.
        """
        values: dict[str, Any] = {}
        for f in dataclasses.fields(original):
            if not f.init or f.name not in tree:
                continue
            value, before = tree[f.name], getattr(original, f.name, None)
            if dataclasses.is_dataclass(before) and not isinstance(before, type) and isinstance(value, dict):
                value = self.from_tree(value, before)
            values[f.name] = value
        return type(original)(**values)


class PydanticAdapter:
    """pydantic v2 models."""

    def to_tree(self, model: Any) -> Any:
        """``model_dump(mode="json")``."""
        return model.model_dump(mode="json")

    def from_tree(self, tree: Any, original: Any) -> Any:
        """``model_validate`` on the original's class."""
        return type(original).model_validate(tree)


class FileAdapter:
    """Files named by a ``pathlib`` path: loaded by extension, written back atomically in place."""

    def to_tree(self, model: Any) -> Any:
        """The file's data."""
        from .files import load_document

        return load_document(str(model)).data

    def from_tree(self, tree: Any, original: Any) -> Any:
        """Write the synced data into the file (format-preserving) and return its path."""
        from .files import load_document
        from .write import write_document

        document = load_document(str(original))
        write_document(document, dataclasses.replace(document, data=tree))
        return original


class DiffSyncStoreAdapter:
    """diffsync ``Adapter`` instances: each model type becomes a list of records keyed by its
    ``_identifiers``; results go back through the models' own CRUD (``create``/``update``/
    ``delete``), so a diffsync adapter backed by a real system sees the changes as calls.
    """

    def to_tree(self, model: Any) -> Any:
        """``{model name: [identifiers + attributes, ...]}``."""
        return {
            name: [{**obj.get_identifiers(), **obj.get_attrs()} for obj in model.get_all(name)]
            for name in sorted(model.get_all_model_names())
        }

    def key_rules(self, model: Any) -> tuple[KeyRule, ...]:
        """Each model list is keyed by that model's identifiers."""
        from .paths import Field

        return tuple(KeyRule(tuple(getattr(model, name)._identifiers), (Field(name),))
                     for name in sorted(model.get_all_model_names()))

    def from_tree(self, tree: Any, original: Any) -> Any:
        """Create, update and delete models in ``original`` until it holds ``tree``."""
        for name, records in tree.items():
            cls = getattr(original, name)
            current = {obj.get_unique_id(): obj for obj in original.get_all(name)}
            wanted: set[str] = set()
            for record in records:
                ids = {key: record[key] for key in cls._identifiers}
                attrs = {key: record[key] for key in cls._attributes if key in record}
                uid = cls.create_unique_id(**ids)
                wanted.add(uid)
                existing = current.get(uid)
                if existing is None:
                    created = cls.create(adapter=original, ids=ids, attrs=attrs)
                    if created is not None:
                        original.add(created)
                elif existing.get_attrs() != attrs:
                    changed = {k: v for k, v in attrs.items() if existing.get_attrs().get(k) != v}
                    existing.update(attrs=changed)
            for uid, obj in current.items():
                if uid not in wanted and obj.delete() is not None:
                    original.remove(obj)
        return original


def _is_diffsync_adapter(kind: type) -> bool:
    # Checked by name so that importing nervsync never imports diffsync (it pulls in rich).
    return any(k.__name__ == "Adapter" and k.__module__.split(".")[0] == "diffsync" for k in kind.__mro__)


@dataclass
class DiffResult:
    """The outcome of :meth:`DiffSynchronizer.sync`.

    Attributes:
        changes: what differed before the sync.
        conflicts: every conflict with its resolution (``None`` while unresolved) and reason.
        source_model: the synced source (the original when nothing was applied).
        target_model: the synced target.
        applied: the operations applied to each side, by side name.
        timestamp: when the sync ran (UTC).
        success: every conflict was decided and the result applied.
        error: why not, when ``success`` is false.
    """

    changes: list[Change]
    conflicts: list[Conflict]
    source_model: Any
    target_model: Any
    applied: dict[str, list[Op]] = field(default_factory=dict)
    timestamp: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    success: bool = True
    error: str | None = None


def _key_rules(adapter: ModelAdapter, model: Any) -> tuple[KeyRule, ...]:
    """Identity rules an adapter knows for its model (optional ``key_rules`` method)."""
    rules = getattr(adapter, "key_rules", None)
    return tuple(rules(model)) if rules is not None else ()


class _CallableResolver:
    """Lets a plain function ``f(conflict) -> value`` serve as a resolver object."""

    def __init__(self, function: Any) -> None:
        self.function = function

    def resolve(self, conflict: Conflict) -> Any:
        return self.function(conflict)


def _document(adapter: ModelAdapter, model: Any, name: str) -> Document:
    """The model as a document; a file keeps its name, format and flags (CSV rows, YAML streams)."""
    if isinstance(adapter, FileAdapter):
        from .files import load_document

        return load_document(str(model))
    return Document(adapter.to_tree(model), name, "json")


def _mtime(model: Any) -> float | None:
    """A file model's modification time: last-update-wins falls back to it as the CLI does."""
    if not isinstance(model, PurePath):
        return None
    from .files import mtime

    return mtime(str(model))


class DiffSynchronizer:
    """Syncs two models of any registered kind. Safe to share between threads."""

    def __init__(self, event_bus: EventBus | None = None) -> None:
        self.event_bus = event_bus
        self._lock = threading.Lock()
        self._adapters: dict[type, ModelAdapter] = {
            dict: TreeAdapter(), list: TreeAdapter(), PurePath: FileAdapter(),
        }
        self._cache: dict[type, ModelAdapter] = {}

    def register_adapter(self, model_type: type, adapter_class: type[ModelAdapter] | ModelAdapter) -> None:
        """Use ``adapter_class`` (a class or an instance) for ``model_type`` and its subclasses."""
        adapter = adapter_class() if isinstance(adapter_class, type) else adapter_class
        with self._lock:
            self._adapters[model_type] = adapter
            self._cache.clear()

    def adapter_for(self, model: Any) -> ModelAdapter:
        """The adapter of the nearest registered class in ``model``'s type hierarchy.

        Raises:
            NervsyncError: no adapter fits.
        """
        kind = type(model)
        with self._lock:
            cached = self._cache.get(kind)
            if cached is not None:
                return cached
            adapter = self._find(kind, model)
            self._cache[kind] = adapter
            return adapter

    def _find(self, kind: type, model: Any) -> ModelAdapter:
        for klass in kind.__mro__:
            if klass in self._adapters:
                return self._adapters[klass]
        if dataclasses.is_dataclass(model):
            return DataclassAdapter()
        if hasattr(model, "model_dump") and hasattr(kind, "model_validate"):
            return PydanticAdapter()
        if _is_diffsync_adapter(kind):
            return DiffSyncStoreAdapter()
        raise NervsyncError(f"no adapter registered for {kind.__qualname__}; use register_adapter")

    def sync(
        self,
        source: Any,
        target: Any,
        direction: SyncDirection = SyncDirection.BIDIRECTIONAL,
        conflict_strategy: ConflictStrategy = ConflictStrategy.MERGE,
        conflict_resolver: ConflictResolver | Any | None = None,
        *,
        path: Path | str = (),
        diff_options: DiffOptions | None = None,
    ) -> DiffResult:
        """Sync ``source`` and ``target`` and return the synced models with every decision.

        ``conflict_resolver`` (an object with ``resolve(conflict)``, or a function) decides
        conflicts under ``ConflictStrategy.MANUAL``. Errors are reported in the result, not raised.
        """
        recorder = EventRecorder(self.event_bus)
        try:
            source_adapter, target_adapter = self.adapter_for(source), self.adapter_for(target)
            compare = diff_options or DiffOptions()
            rules = (*_key_rules(source_adapter, source), *_key_rules(target_adapter, target))
            if rules:
                compare = dataclasses.replace(compare, keys=(*compare.keys, *rules))
            options = SyncOptions(
                diff=compare, direction=direction, strategy=conflict_strategy,
                path=parse_path(path) if isinstance(path, str) else path,
            )
            source_doc = _document(source_adapter, source, "source")
            target_doc = _document(target_adapter, target, "target")
            changes = diff_documents(source_doc, target_doc, options.diff, options.path).changes
            resolver = conflict_resolver
            if resolver is not None and not hasattr(resolver, "resolve"):
                resolver = _CallableResolver(resolver)
            outcome = sync_documents(source_doc, target_doc, options, custom_resolver=resolver, events=recorder,
                                     mtimes=(_mtime(source), _mtime(target)))
        except NervsyncError as exc:
            # Subscribers must see every run end, including one refused or failing on keys.
            if not any(event["event"] == "sync.failed" for event in recorder.events):
                recorder.publish("sync.failed", reason=str(exc))
            return DiffResult([], [], source, target, success=False, error=str(exc))
        finish_events(recorder, outcome, [])
        if not outcome.applied:
            unresolved = len(outcome.plan.unresolved)
            return DiffResult(changes, outcome.plan.conflicts, source, target, success=False,
                              error=f"{unresolved} unresolved conflict{'s' if unresolved != 1 else ''}")
        return DiffResult(
            changes, outcome.plan.conflicts,
            source_adapter.from_tree(outcome.source.data, source) if outcome.plan.source_ops else source,
            target_adapter.from_tree(outcome.target.data, target) if outcome.plan.target_ops else target,
            applied={"source": outcome.plan.source_ops, "target": outcome.plan.target_ops},
        )

    def incremental_sync(self, source: Any, target: Any, path: Path | str, **kwargs: Any) -> DiffResult:
        """Sync only the subtree at ``path`` (e.g. ``"metadata"`` or ``"content.chapter1"``)."""
        return self.sync(source, target, path=path, **kwargs)
