"""Event name -> handler, and the few hooks the engine needs from the domain.

Domain apps register their command handlers in `server/<app>/handlers.py`:

    @register("task.complete", TaskCompleteArgs)
    def handle(ctx: HandlerContext, args: TaskCompleteArgs) -> Decision: ...

A handler loads what it needs, calls a pure rule, writes, and reports changes through
`ctx.emit` and conflicts through `ctx.open_conflict`. To refuse it raises `Rejected`
*before* writing anything. The engine checks that contract (sync/push.py): a handler that
writes and then refuses, or crashes, sends the whole call round again with a savepoint per
event, so a rejection can never leave half an event behind nor roll back its neighbours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from pydantic import BaseModel

from sync.protocol import EventIn

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


class Rejected(Exception):  # noqa: N818 - it is an outcome, not a programming error
    # A message may be lazy (a module's constant): it is written in the caller's language now.
    def __init__(self, code: str, message: _StrOrPromise, details: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = str(message)
        self.details = details


@dataclass
class Decision:
    status: str = "applied"  # applied | merged | conflict
    code: str = ""
    message: _StrOrPromise = ""
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScopeEntry:
    """What one user may pull from one facility."""

    facility_id: UUID
    whole_facility: bool
    area_ids: frozenset[UUID] = frozenset()
    # Change types visible facility-wide to this user although they carry an area.
    extra_types: frozenset[str] = frozenset()

    def fingerprint(self) -> str:
        areas = ",".join(sorted(str(a) for a in self.area_ids))
        types = ",".join(sorted(self.extra_types))
        return f"{self.facility_id}:{int(self.whole_facility)}:{areas}:{types}"


class Scope(list[ScopeEntry]):
    def fingerprint(self) -> str:
        import hashlib

        joined = "|".join(sorted(e.fingerprint() for e in self))
        return hashlib.sha256(joined.encode()).hexdigest()[:16]

    def facility_ids(self) -> list[UUID]:
        return sorted((e.facility_id for e in self), key=str)


@dataclass
class PendingChange:
    facility_id: UUID
    type: str
    record_id: UUID
    data: dict[str, Any]
    area_id: UUID | None
    op: str
    version: int


class ChangeSink(Protocol):
    def emit(self, change: PendingChange) -> None: ...


@dataclass
class HandlerContext:
    event: EventIn
    user: Any
    device_id: UUID
    received_at: datetime
    locked_facilities: frozenset[UUID]
    sink: ChangeSink
    # Shared by every event of one call: handlers may cache what they loaded here.
    batch: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    facility_id: UUID | None = None
    conflict_id: UUID | None = None
    # Set by the engine in its fast mode (sync/deferred.py); None: `save_later` saves at once.
    deferred: Any = None
    # Rows this event touches, counted against the call's work budget (MAX_ROWS_PER_CALL):
    # an event touching many rows (a whole area's meal) sets it, so a call stays short.
    rows: int = 1

    def emit(
        self,
        type: str,
        record_id: UUID,
        data: dict[str, Any],
        *,
        facility_id: UUID,
        area_id: UUID | None = None,
        op: str = "upsert",
        version: int = 1,
    ) -> None:
        self.emit_change(PendingChange(facility_id, type, record_id, data, area_id, op, version))

    def emit_change(self, change: PendingChange) -> None:
        """`emit` of a change already built (`sync/types.py` builds one per record)."""
        if change.facility_id not in self.locked_facilities:
            # Writing outside the locked streams would break the no-skip guarantee of pulls.
            raise RuntimeError(f"emit to facility {change.facility_id} whose stream is not locked")
        self.facility_id = self.facility_id or change.facility_id
        self.sink.emit(change)

    def save_later(self, obj: Any, fields: list[str]) -> None:
        """`obj.save(update_fields=fields)`, possibly written together with the call's other
        rows (one UPDATE for a whole push). The values are taken now, and the row is written
        before any later statement of the call runs, so nobody can tell the difference."""
        if self.deferred is None or not self.deferred.accepts():
            obj.save(update_fields=list(fields))
        else:
            self.deferred.add(obj, fields)

    def preloaded(self, model: type, pk: Any) -> Any | None:
        """An object a preloader loaded for this call (see `preloader`), or None.

        The same instance is handed to every event of the call, so a handler that saves it
        leaves the next event the state it wrote."""
        return self.batch.get(PRELOADED, {}).get((model, _key(pk)))

    def flag(self, *names: str) -> None:
        for name in names:
            if name not in self.flags:
                self.flags.append(name)

    def open_conflict(
        self,
        *,
        kind: str,
        facility_id: UUID,
        subject_type: str,
        subject_id: UUID,
        area_id: UUID | None = None,
        severity: str = "normal",
        other_event_ids: list[str] | None = None,
        details: dict[str, Any] | None = None,
        message: _StrOrPromise = "",
    ) -> UUID:
        from sync.conflicts import conflict_open

        conflict = conflict_open(
            ctx=self,
            kind=kind,
            facility_id=facility_id,
            area_id=area_id,
            subject_type=subject_type,
            subject_id=subject_id,
            severity=severity,
            event_ids=[str(self.event.id), *(other_event_ids or [])],
            details=details or {},
            message=str(message),
        )
        self.conflict_id = conflict.id
        return conflict.id


Handler = Callable[[HandlerContext, Any], Decision | None]

PRELOADED = "__preloaded__"


def _key(pk: Any) -> Any:
    """A primary key as the preloaded objects are filed under it: a UUID as itself (its
    text is Python code to make, and a push looks up 500), a key given as a UUID's text
    under that UUID, anything else as its text."""
    if type(pk) is UUID:
        return pk
    text = str(pk)
    try:
        as_uuid = UUID(text)
    except ValueError:
        return text
    return as_uuid if str(as_uuid) == text else text


@dataclass
class PreloadContext:
    """What a preloader gets: once per call, with the valid args of all its events."""

    user: Any
    device_id: UUID
    locked_facilities: frozenset[UUID]
    batch: dict[str, Any]

    def keep(self, objects: Any) -> None:
        """Remember model instances for `HandlerContext.preloaded(Model, pk)`."""
        store = self.batch.setdefault(PRELOADED, {})
        for obj in objects:
            store[(type(obj), _key(obj.pk))] = obj


Preloader = Callable[[PreloadContext, list[Any]], None]
_preloaders: dict[str, Preloader] = {}


def preloader(name: str) -> Callable[[Preloader], Preloader]:
    """Optional: load what all events `name` of one call reference in a few queries.

    A push of 500 events would otherwise cost a query or more per event. The preloader runs
    inside the call's transaction (it may lock rows with select_for_update) before any event
    is decided; handlers pick the objects up with `ctx.preloaded(Model, pk)` and fall back
    to a query when it returns None. It must not write.
    """

    def decorator(fn: Preloader) -> Preloader:
        _preloaders[name] = fn
        return fn

    return decorator


def preloader_for(name: str) -> Preloader | None:
    return _preloaders.get(name)


@dataclass(frozen=True)
class Registration:
    name: str
    args_model: type[BaseModel]
    handler: Handler


_handlers: dict[str, Registration] = {}
_scope_provider: Callable[[Any], Scope] | None = None
_after_commit_hooks: list[Callable[[dict[UUID, CommitSummary]], None]] = []


@dataclass
class CommitSummary:
    """What one transaction added to one facility's stream, for pokes and dashboards."""

    facility_id: UUID
    last_seq: int
    area_ids: set[UUID | None] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    event_names: list[str] = field(default_factory=list)
    changes: list[PendingChange] = field(default_factory=list)


def register(name: str, args_model: type[BaseModel]) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        if name in _handlers and _handlers[name].handler is not handler:
            raise RuntimeError(f"event {name!r} registered twice")
        _handlers[name] = Registration(name, args_model, handler)
        return handler

    return decorator


def lookup(name: str) -> Registration | None:
    return _handlers.get(name)


def registered_names() -> list[str]:
    return sorted(_handlers)


def set_scope_provider(provider: Callable[[Any], Scope]) -> None:
    global _scope_provider
    _scope_provider = provider


def scope_for(user: Any) -> Scope:
    if _scope_provider is None:
        raise RuntimeError("no scope provider registered (server.accounts registers one)")
    return _scope_provider(user)


_permission_checker: Callable[[Any, UUID, str], bool] | None = None


def set_permission_checker(checker: Callable[[Any, UUID, str], bool]) -> None:
    """The domain says who may do what engine-level action (e.g. resolve a conflict)."""
    global _permission_checker
    _permission_checker = checker


def permits(user: Any, facility_id: UUID, action: str) -> bool:
    return bool(_permission_checker and _permission_checker(user, facility_id, action))


def on_commit(hook: Callable[[dict[UUID, CommitSummary]], None]) -> None:
    if hook not in _after_commit_hooks:
        _after_commit_hooks.append(hook)


def after_commit_hooks() -> list[Callable[[dict[UUID, CommitSummary]], None]]:
    return list(_after_commit_hooks)
