"""Fast push mode's guard (sync/push.py): what tells the engine a handler wrote before it
refused, so the call must be redone with a savepoint per event."""

from __future__ import annotations

from sync.deferred import DeferredWrites

WRITES = ("INSERT", "UPDATE", "DELETE")


class NeedsSafeMode(Exception):  # noqa: N818 - control flow, caught by sync_call
    """The fast attempt cannot vouch for the transaction: redo the call with savepoints."""


class WriteCounter:
    """Fast mode's execute wrapper: counts writing statements, and writes the deferred rows
    (`ctx.save_later`) before any other statement runs, so that none sees them stale."""

    def __init__(self, deferred: DeferredWrites) -> None:
        self.statements = 0
        self.deferred = deferred

    @property
    def writes(self) -> int:
        # A deferral is a write: a handler that deferred, then refused, left something.
        return self.statements + self.deferred.added

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if self.deferred.flushing:
            return execute(sql, params, many, context)
        if self.deferred.pending:
            self.deferred.flush()
        if sql.lstrip()[:6].upper() in WRITES:
            self.statements += 1
        return execute(sql, params, many, context)
