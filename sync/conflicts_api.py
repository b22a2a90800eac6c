"""HTTP edge of the conflicts: GET /api/conflicts (a manager's facilities, most serious first)
and POST /api/conflicts/{id}/resolve, which records `conflict.resolve` through the sync call
like any event. Reading and paging them is `sync.conflicts`; the rule is its handler's."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from sync import conflicts, registry
from sync.api import error, json_response
from sync.conflicts import conflict_data
from sync.models import Conflict
from sync.service import sync_call

router = Router(tags=["conflicts"])


# Filter values are codes: anything else (a NUL byte PostgreSQL refuses) is a 400, not a 500.
CODE = r"^[a-z_]{1,40}$"


class ConflictFilter(Schema):
    status: str | None = Field(default=None, pattern=CODE)
    kind: str | None = Field(default=None, pattern=CODE)
    severity: str | None = Field(default=None, pattern=CODE)
    facility: UUID | None = None
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=100, ge=1, le=10**6)


class ResolveIn(Schema):
    resolution: str
    note: str = ""


def _manageable_facilities(user: Any) -> list[UUID]:
    return [
        f
        for f in registry.scope_for(user).facility_ids()
        if registry.permits(user, f, "conflict.resolve")
    ]


@router.get("", summary="Conflicts for the manager's facilities, most serious first")
def conflicts_list(request: HttpRequest, filters: Query[ConflictFilter]) -> HttpResponse:
    """Pages of conflicts, high severity first, then newest: `next` is the cursor of the
    following page (null on the last), so nothing is ever cut off."""
    user = request.auth.user  # type: ignore[attr-defined]
    facilities = _manageable_facilities(user)
    if not facilities:
        return error(403, "forbidden", _("Chỉ quản lý trực mới xem được danh sách xung đột."))
    try:
        after = conflicts.conflict_cursor_read(filters.cursor) if filters.cursor else None
    except ValueError:
        return error(400, "invalid_cursor", _("Con trỏ trang không hợp lệ; hãy tải lại từ đầu."))
    qs = Conflict.objects.filter(facility_id__in=facilities)
    if filters.facility:
        qs = qs.filter(facility_id=filters.facility)
    for field in ("status", "kind", "severity"):
        value = getattr(filters, field)
        if value:
            qs = qs.filter(**{field: value})
    limit = min(filters.limit, conflicts.MAX_CONFLICTS_PER_PAGE)
    page = list(conflicts.conflicts_page(qs, after=after, limit=limit + 1))
    more = len(page) > limit
    page = page[:limit]
    items = [{"id": str(c.id), **conflict_data(c)} for c in page]
    return json_response(
        {
            "items": items,
            "count": len(items),
            "next": conflicts.conflict_cursor(page[-1]) if more else None,
        }
    )


@router.post("/{conflict_id}/resolve", summary="Resolve a conflict with a note")
def conflicts_resolve(request: HttpRequest, conflict_id: UUID, body: ResolveIn) -> HttpResponse:
    identity = request.auth  # type: ignore[attr-defined]
    conflict = Conflict.objects.filter(
        id=conflict_id, facility_id__in=registry.scope_for(identity.user).facility_ids()
    ).first()
    if conflict is None:
        return error(404, "not_found", _("Không tìm thấy xung đột này."))
    event = {
        "id": str(uuid4()),
        "device_seq": 0,
        "name": "conflict.resolve",
        "at": timezone.now().isoformat(),
        "args": {"conflict_id": str(conflict_id), "resolution": body.resolution, "note": body.note},
    }
    outcome = sync_call(
        user=identity.user,
        device_id=identity.device_id,
        protocol=1,
        cursor_token=None,
        events=[event],
        page_size=0,
    )
    result = outcome.body["results"][0]
    if result["status"] == "rejected":
        status = 403 if result.get("code") == "forbidden" else 400
        return error(status, result.get("code", "rejected"), result.get("message", ""))
    conflict.refresh_from_db()
    return json_response(
        {"id": str(conflict.id), **conflict_data(conflict), "event_id": event["id"]}
    )
