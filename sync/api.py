"""HTTP edge of the sync engine: POST /api/sync/v1 and the conflicts API.

Parsing, limits and status codes live here; every decision is in `sync.service`.
"""

from __future__ import annotations

import logging
import zlib
from typing import Any
from uuid import UUID, uuid4

from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field, ValidationError

from sync import conflicts, registry
from sync.changes import CallRead, call_read_current, read_with_heads, reading
from sync.conflicts import conflict_data
from sync.edge import MAX_DEPTH, body_parse, sync_throttle
from sync.models import Conflict
from sync.protocol import MAX_BODY_BYTES, MAX_CHANGES_PER_PAGE, MAX_EVENTS_PER_CALL, SyncRequest
from sync.responses import error, json_response
from sync.service import SyncError, sync_call

# For the app's bearer check of the sync call (server/accounts/services.py, SyncTokenAuth):
# what it reads with the token, and what the call then answers from.
__all__ = ["CallRead", "call_read_current", "read_with_heads", "router", "conflicts_router"]
log = logging.getLogger("catruc.sync")
# After each answered sync call, with its body, the caller and its `client` report
# (server/observability.py counts events by status; server/accounts/services.py stamps the device).
sync_call_answered = Signal()
router = Router(tags=["sync"])
conflicts_router = Router(tags=["conflicts"])


def _read_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0  # the server read what was sent; its real length is checked below
    if declared > MAX_BODY_BYTES:
        raise SyncError(
            413,
            "body_too_large",
            _("Gói dữ liệu quá lớn (tối đa 5 MB); máy sẽ gửi thành nhiều phần."),
        )
    body = request.body
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            # Bounded decompression: a small gzip bomb must not become a huge allocation.
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            body = inflater.decompress(body, MAX_BODY_BYTES + 1)
            if len(body) > MAX_BODY_BYTES or inflater.unconsumed_tail:
                raise SyncError(
                    413, "body_too_large", _("Gói dữ liệu quá lớn sau khi giải nén (tối đa 5 MB).")
                )
        except (OSError, zlib.error, EOFError) as exc:
            raise SyncError(400, "bad_gzip", _("Dữ liệu nén gzip bị hỏng.")) from exc
    if len(body) > MAX_BODY_BYTES:
        raise SyncError(413, "body_too_large", _("Gói dữ liệu quá lớn (tối đa 5 MB)."))
    return body


@router.post("/v1", summary="Push events, then pull changes, in one round trip")
def sync_v1(request: HttpRequest) -> HttpResponse:
    identity = request.auth  # type: ignore[attr-defined]
    wait = sync_throttle(identity.device_id)
    if wait is not None:
        response = error(
            429,
            "rate_limited",
            _("Máy đồng bộ quá dày; máy sẽ tự gửi lại sau %(wait)s giây, dữ liệu vẫn được giữ.")
            % {"wait": wait},
            retry_after=wait,
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        body = _read_body(request)
        try:
            payload = body_parse(body)
        except RecursionError:
            return error(
                400,
                "bad_json",
                _("Dữ liệu lồng nhau quá sâu (tối đa %(depth)s tầng mỗi mục).")
                % {"depth": MAX_DEPTH},
            )
        except ValueError:  # JSONDecodeError and UnicodeDecodeError among them
            return error(400, "bad_json", _("Nội dung gửi lên không phải JSON hợp lệ."))
        if not isinstance(payload, dict):
            return error(400, "bad_json", _("Nội dung gửi lên phải là một đối tượng JSON."))
        try:
            req = SyncRequest.model_validate(payload)
        except ValidationError as exc:
            details = [
                {"field": ".".join(map(str, e["loc"])), "message": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
            return error(
                400, "invalid_request", _("Yêu cầu đồng bộ thiếu hoặc sai trường."), details=details
            )
        if len(req.events) > MAX_EVENTS_PER_CALL:
            return error(
                413,
                "too_many_events",
                _("Tối đa %(count)s mục mỗi lần gửi.") % {"count": MAX_EVENTS_PER_CALL},
                max=MAX_EVENTS_PER_CALL,
            )
        if req.device_id != identity.device_id:
            return error(403, "device_mismatch", _("Mã thiết bị không khớp với phiên đăng nhập."))
        limit = payload.get("limit")
        page = (
            min(int(limit), MAX_CHANGES_PER_PAGE)
            if isinstance(limit, int) and limit > 0
            else MAX_CHANGES_PER_PAGE
        )
        # What the bearer check's statement read (the epoch, the heads, the kept scope).
        with reading(getattr(identity, "call_read", None)):
            outcome = sync_call(
                user=identity.user,
                device_id=identity.device_id,
                protocol=req.protocol,
                cursor_token=req.cursor,
                events=req.events,
                page_size=page,
            )
    except SyncError as exc:
        return error(exc.status, exc.code, exc.message, **exc.extra)
    # Ids and statuses only: never event args (they hold residents' names and medicines).
    log.info(
        "sync call",
        extra={
            "user_id": str(identity.user.pk),
            "device_id": str(identity.device_id),
            "event_ids": [r.get("id") for r in outcome.body.get("results", [])],
            "statuses": [r.get("status") for r in outcome.body.get("results", [])],
        },
    )
    sync_call_answered.send(
        sender=None, body=outcome.body, identity=identity, client=payload.get("client")
    )
    return json_response(outcome.body, outcome.status)


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


@conflicts_router.get("", summary="Conflicts for the manager's facilities, most serious first")
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


@conflicts_router.post("/{conflict_id}/resolve", summary="Resolve a conflict with a note")
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
