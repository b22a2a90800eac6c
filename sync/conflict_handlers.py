"""`conflict.resolve`: a manager's resolution is an event like any other, so it is
recorded in the event log, synced to phones and audited."""

from __future__ import annotations

from uuid import UUID

from django.utils.translation import gettext as _
from pydantic import Field

from sync.conflicts import conflict_mark_resolved
from sync.models import Conflict
from sync.protocol import EventArgs
from sync.registry import Decision, HandlerContext, Rejected, permits, register
from sync.types import emit


class ConflictResolveArgs(EventArgs):
    conflict_id: UUID
    resolution: str = Field(min_length=1, max_length=60)
    note: str = Field(default="", max_length=2000)


@register("conflict.resolve", ConflictResolveArgs)
def conflict_resolve(ctx: HandlerContext, args: ConflictResolveArgs) -> Decision:
    conflict = Conflict.objects.filter(
        id=args.conflict_id, facility_id__in=ctx.locked_facilities
    ).first()
    if conflict is None:
        raise Rejected("not_found", _("Không tìm thấy xung đột này."))
    if not permits(ctx.user, conflict.facility_id, "conflict.resolve"):
        raise Rejected("forbidden", _("Chỉ quản lý trực mới được xử lý xung đột."))
    if conflict.status == "resolved":
        return Decision(
            status="merged", code="already_resolved", message=_("Xung đột đã được xử lý trước đó.")
        )
    conflict_mark_resolved(
        conflict=conflict,
        by=ctx.user.pk,
        resolution=args.resolution,
        note=args.note,
        at=ctx.received_at,
    )
    ctx.conflict_id = conflict.id
    emit(ctx, conflict)
    return Decision()
