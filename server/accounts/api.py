"""POST /api/auth/token, who-am-I, the devices list and device revocation."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from server.accounts.models import Device
from server.accounts.rules import health_warnings
from server.accounts.services import (
    device_fact,
    devices_of,
    membership_in,
    memberships_of,
    permits,
)
from server.accounts.throttle import client_address
from server.accounts.tokens import device_revoke, token_issue
from sync.api import error, json_response

router = Router(tags=["auth"])
devices_router = Router(tags=["devices"])


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)
    device_id: UUID
    device_name: str = Field(default="", max_length=120)


def user_payload(user) -> dict:
    memberships = memberships_of(user)
    return {
        "user": {"id": str(user.id), "username": user.username, "full_name": user.full_name},
        "roles": [
            {
                "facility_id": str(m.facility_id),
                "role": m.role,
                "area_ids": [str(a.id) for a in m.areas.all()],
            }
            for m in memberships
        ],
        "facilities": [
            {"id": str(m.facility_id), "code": m.facility.code, "name": m.facility.name}
            for m in memberships
        ],
    }


@router.post("/token", auth=None, summary="Log in on a device and get its bearer token")
def auth_token(request: HttpRequest, body: TokenIn) -> dict:
    raw, user = token_issue(
        username=body.username,
        password=body.password,
        device_id=body.device_id,
        device_name=body.device_name,
        client=client_address(request),
    )
    return {"token": raw, **user_payload(user)}


@router.get("/me", summary="The user and device behind this token")
def auth_me(request: HttpRequest) -> dict:
    identity = request.auth  # type: ignore[attr-defined]
    return {"device_id": str(identity.device_id), **user_payload(identity.user)}


@devices_router.get("", summary="The facility's phones and their health (managers)")
def devices_list(request: HttpRequest, facility: UUID) -> HttpResponse:
    user = request.auth.user  # type: ignore[attr-defined]
    if membership_in(user, facility) is None:
        # Another centre's phones, or no such centre: the same answer (docs/security.md).
        return error(404, "not_found", _("Không tìm thấy trung tâm."))
    if not permits(user, facility, "device.revoke"):
        return error(403, "forbidden", _("Chỉ quản lý trực mới xem được danh sách thiết bị."))
    now = timezone.now()
    items = [
        {
            "id": str(d.id),
            **device_fact(d, d.last_user)["data"],
            "warnings": health_warnings(
                last_seen_at=d.last_seen_at,
                queued=d.queued,
                queued_since=d.queued_since,
                now=now,
                clock_skew=d.clock_skew,
            ),
        }
        for d in devices_of(facility)
    ]
    return json_response({"items": items})


@devices_router.post("/{device_id}/revoke", summary="Revoke a phone (managers)")
def devices_revoke(request: HttpRequest, device_id: UUID):
    identity = request.auth  # type: ignore[attr-defined]
    device = Device.objects.filter(id=device_id).first()
    if (
        device is None
        or device.facility_id is None
        or not permits(identity.user, device.facility_id, "device.revoke")
    ):
        # Outside the manager's facilities a device does not exist, to them.
        return error(404, "not_found", _("Không tìm thấy thiết bị."))
    revoked = device_revoke(device=device, by=identity.user)
    assert revoked.revoked_at is not None  # device_revoke always stamps it
    return {"id": str(revoked.id), "revoked_at": revoked.revoked_at.isoformat()}
