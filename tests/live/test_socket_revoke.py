"""Revoking a phone, changing a password or deactivating a user closes the sockets they hold
(4401) and nothing reaches them afterwards; a token idle too long stops working
(server/live/consumers.py, server/accounts/services.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from server.accounts.models import Device, DeviceToken, User
from server.live.routing import websocket_urlpatterns
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory
from tests.live.test_dashboard_socket import application, closed_with, open_dashboard
from tests.personas import make_centre

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db):
    centre = make_centre()
    resident = ResidentFactory(area=centre.elderly, full_name="Bà Tư")
    tasks = [TaskFactory(resident=resident, kind="custom") for _ in range(2)]
    return centre, tasks


async def _logged_in(make_api, username: str):
    client = make_api()
    await database_sync_to_async(client.login)(username)
    return client


async def open_live(token: str) -> WebsocketCommunicator:
    from channels.routing import URLRouter

    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/v1/live")
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "auth", "token": token})
    assert (await comm.receive_json_from(timeout=3))["type"] == "ready"
    return comm


async def _complete(client, task) -> None:
    response = await database_sync_to_async(client.sync)(
        [event("task.complete", {"task_id": task.id, "outcome": "done"})]
    )
    assert response.json()["results"][0]["status"] == "applied", response.json()


async def test_it_closes_every_socket_of_a_revoked_device_and_sends_it_nothing_more(
    world, make_api
):
    centre, tasks = world
    phone = await _logged_in(make_api, "manager")  # the phone being revoked
    desk = await _logged_in(make_api, "manager")  # the manager's other device, revoking it
    carer = await _logged_in(make_api, "carer")
    dashboard = await open_dashboard(centre.facility.id, phone.token)
    assert (await dashboard.receive_json_from(timeout=3))["type"] == "ready"
    assert (await dashboard.receive_json_from(timeout=5))["type"] == "snapshot"
    live = await open_live(phone.token)
    await _complete(carer, tasks[0])  # both sockets are live before the revoke
    assert (await live.receive_json_from(timeout=5))["type"] == "poke"
    assert (await dashboard.receive_json_from(timeout=5))["type"] == "delta"
    # Then the carer's phone, stamped by that call (device health).
    assert "devices" in (await dashboard.receive_json_from(timeout=5))["sections"]

    response = await database_sync_to_async(desk.post)(f"/api/devices/{phone.device_id}/revoke", {})
    assert response.status_code == 200

    assert await closed_with(dashboard) == 4401
    assert await closed_with(live) == 4401
    # After the revoke returned: a commit, a snapshot request. Nothing reaches the phone.
    await _complete(carer, tasks[1])
    await dashboard.send_json_to({"type": "snapshot"})
    assert await live.receive_nothing(timeout=1)
    assert await dashboard.receive_nothing(timeout=1)
    # The desk's own sockets are untouched.
    other = await open_live(desk.token)
    await other.disconnect()


async def test_a_dashboard_re_reads_its_token_so_a_lost_close_message_cannot_leak(world, make_api):
    centre, tasks = world
    phone = await _logged_in(make_api, "manager")
    dashboard = await open_dashboard(centre.facility.id, phone.token)
    await dashboard.receive_json_from(timeout=3)
    await dashboard.receive_json_from(timeout=5)
    # Revoked behind the socket's back: no close message is ever sent.
    await database_sync_to_async(Device.objects.filter(id=phone.device_id).update)(
        revoked_at=timezone.now()
    )
    await dashboard.send_json_to({"type": "snapshot"})
    assert await closed_with(dashboard) == 4401
    assert await dashboard.receive_nothing(timeout=1)


async def test_a_dashboard_sends_no_delta_once_its_token_stopped_working(
    world, make_api, monkeypatch
):
    """Deltas re-read the token every RECHECK_SECONDS (10 s); here every time."""
    from server.live.consumers import DashboardConsumer

    monkeypatch.setattr(DashboardConsumer, "RECHECK_SECONDS", 0)
    centre, tasks = world
    phone = await _logged_in(make_api, "manager")
    carer = await _logged_in(make_api, "carer")
    dashboard = await open_dashboard(centre.facility.id, phone.token)
    await dashboard.receive_json_from(timeout=3)
    await dashboard.receive_json_from(timeout=5)
    await database_sync_to_async(DeviceToken.objects.filter(user__username="manager").update)(
        revoked_at=timezone.now()
    )
    await _complete(carer, tasks[0])
    assert await closed_with(dashboard) == 4401


def _change_password(user: User) -> None:
    user.set_password("a-new-pass-456")
    user.save()


def _deactivate(user: User) -> None:
    user.is_active = False
    user.save()


@pytest.mark.parametrize("change", [_change_password, _deactivate])
async def test_a_password_change_or_deactivation_ends_the_users_tokens_and_sockets(
    world, make_api, change
):
    centre, _ = world
    first, second = await _logged_in(make_api, "manager"), await _logged_in(make_api, "manager")
    nurse = await _logged_in(make_api, "nurse")
    sockets = [await open_live(first.token), await open_live(second.token)]
    bystander = await open_live(nurse.token)

    await database_sync_to_async(change)(
        await database_sync_to_async(User.objects.get)(username="manager")
    )

    for comm in sockets:
        assert await closed_with(comm) == 4401
    for client in (first, second):
        stale = await database_sync_to_async(client.get)("/api/auth/me")
        assert stale.status_code == 401
        assert stale.json()["code"] in {"token_revoked", "invalid_token"}
    assert (
        await database_sync_to_async(DeviceToken.objects.filter(revoked_at__isnull=True).count)()
        == 1
    )
    await bystander.send_json_to({"type": "ping"})
    assert await bystander.receive_json_from(timeout=3) == {"type": "pong"}
    await bystander.disconnect()


async def test_a_rehashed_password_is_not_a_change(world, make_api, settings):
    """Django rehashes a password on login when the hasher changes: that keeps the tokens."""
    phone = await _logged_in(make_api, "carer")
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    await _logged_in(make_api, "carer")  # the MD5 hash is upgraded here
    user = await database_sync_to_async(User.objects.get)(username="carer")
    assert user.password.startswith("pbkdf2")
    assert (await database_sync_to_async(phone.get)("/api/auth/me")).status_code == 200


async def test_a_token_idle_for_token_idle_days_expires(world, make_api, settings):
    settings.TOKEN_IDLE_DAYS = 30
    idle, recent = await _logged_in(make_api, "carer"), await _logged_in(make_api, "nurse")
    now = timezone.now()
    await database_sync_to_async(DeviceToken.objects.filter(user__username="carer").update)(
        last_used_at=now - timedelta(days=31)
    )
    await database_sync_to_async(DeviceToken.objects.filter(user__username="nurse").update)(
        last_used_at=now - timedelta(days=29)
    )
    expired = await database_sync_to_async(idle.get)("/api/auth/me")
    assert expired.status_code == 401 and expired.json()["code"] == "token_expired"
    assert expired.json()["message"]
    assert (await database_sync_to_async(idle.sync)()).json()["code"] == "token_expired"
    comm = WebsocketCommunicator(application(), "/ws/v1/live")
    await comm.connect()
    await comm.send_json_to({"type": "auth", "token": idle.token})
    assert await closed_with(comm) == 4401
    # A use stamps the token again, so a phone in daily use never expires.
    assert (await database_sync_to_async(recent.get)("/api/auth/me")).status_code == 200
    token = await database_sync_to_async(DeviceToken.objects.get)(user__username="nurse")
    assert token.last_used_at is not None and now - token.last_used_at < timedelta(minutes=1)
    # The password brings the phone back: a fresh token on the same device.
    await database_sync_to_async(idle.login)("carer")
    assert (await database_sync_to_async(idle.get)("/api/auth/me")).status_code == 200
