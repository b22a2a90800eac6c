"""`record.void`: any care record can be voided with a reason; the record stays, marked void.

Each synced type says whether and how it is voided (`void` of its declaration in
`server/<app>/sync.py`, most with the engine's `void_standard`); the one handler here loads the
record in the user's scope, checks permission and calls that function.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from pydantic import Field

from server.accounts.roles import VOID_ROLES
from sync.protocol import EventArgs
from sync.registry import Decision, HandlerContext, Rejected, register
from sync.types import synced


class RecordVoidArgs(EventArgs):
    record_type: str
    record_id: UUID
    reason: str = Field(min_length=1, max_length=300)


@register("record.void", RecordVoidArgs)
def record_void(ctx: HandlerContext, args: RecordVoidArgs) -> Decision:
    from server.care.access import load_in_scope

    spec = synced(args.record_type)
    if spec is None or spec.void is None:
        raise Rejected(
            "invalid_args",
            _("Không thể hủy loại bản ghi «%(type)s».") % {"type": args.record_type},
            details=[{"field": "record_type", "message": "unknown record type"}],
        )
    record: Any
    record, membership = load_in_scope(ctx, spec.model, args.record_id, for_update=True)
    ctx.facility_id = record.facility_id
    author = (
        getattr(record, "by_id", None)
        or getattr(record, "taken_by_id", None)
        or getattr(record, "done_by_id", None)
    )
    if author != ctx.user.pk and membership.role not in (spec.void_roles or VOID_ROLES):
        raise Rejected(
            "forbidden", _("Chỉ người ghi hoặc y tế / quản lý mới được hủy bản ghi này.")
        )
    if getattr(record, "void", False):
        return Decision(status="merged", code="already_void")
    spec.void(ctx, record, args.reason)
    return Decision(status="applied")
