"""POST /api/auth/token, bearer tokens, login throttling and device revocation."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from server.accounts.models import Device


@pytest.fixture
def address() -> dict:
    """A client address of its own: login failures are counted per (username, address), and
    with the Redis cache of CI they would otherwise add up across test runs."""
    return {
        "HTTP_X_REAL_IP": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    }


def _login(api, username: str, password: str, address: dict, device_id: str | None = None):
    return api.post(
        "/api/auth/token",
        {
            "username": username,
            "password": password,
            "device_id": device_id or api.device_id,
            "device_name": "Máy ca sáng",
        },
        **address,
    )


def test_it_gives_a_token_with_the_users_roles_and_facilities(centre, api, address):
    response = _login(api, "carer", "test-pass-123", address)
    assert response.status_code == 200
    body = response.json()
    assert body["token"] and body["user"] == {
        "id": str(centre.carer.id),
        "username": "carer",
        "full_name": "Người carer",
    }
    assert body["roles"] == [
        {
            "facility_id": str(centre.facility.id),
            "role": "carer",
            "area_ids": [str(centre.elderly.id)],
        }
    ]
    assert [f["code"] for f in body["facilities"]] == [centre.facility.code]
    api.token = body["token"]
    me = api.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["device_id"] == api.device_id
    assert Device.objects.get(id=api.device_id).name == "Máy ca sáng"


@pytest.mark.parametrize(
    ("username", "password"), [("carer", "wrong-pass"), ("nobody", "test-pass-123")]
)
def test_it_answers_invalid_credentials_for_a_wrong_password_or_user(
    centre, api, address, username, password
):
    response = _login(api, username, password, address)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["message"]  # Vietnamese, for the login screen
    assert not Device.objects.filter(id=api.device_id).exists()


def test_it_rejects_an_inactive_user(centre, api, address):
    centre.carer.is_active = False
    centre.carer.save()
    assert _login(api, "carer", "test-pass-123", address).json()["code"] == "invalid_credentials"


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", None])
def test_it_answers_invalid_token_for_an_unknown_or_missing_token(db, api, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = api.client.get("/api/auth/me", **extra)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_it_rate_limits_repeated_failures_then_forgives_after_a_success_elsewhere(
    centre, api, address
):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert _login(api, "carer", "wrong-pass", address).status_code == 401
    blocked = _login(api, "carer", "test-pass-123", address)  # even the right password now
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    # Counted per (username, address): the colleague on the same Wi-Fi is not locked out...
    assert _login(api, "nurse", "test-pass-123", address).status_code == 200
    # ...nor is the same carer from another phone's address.
    other = {
        "HTTP_X_REAL_IP": "192.0.2.77"
        if address["HTTP_X_REAL_IP"] != "192.0.2.77"
        else "192.0.2.78"
    }
    assert _login(api, "carer", "test-pass-123", other).status_code == 200


def test_it_stops_a_revoked_devices_token_and_refuses_it_a_new_one(centre, make_api, address):
    carer, manager = make_api(), make_api()
    carer.login("carer")
    manager.login("manager")
    response = manager.post(f"/api/devices/{carer.device_id}/revoke", {})
    assert response.status_code == 200
    assert Device.objects.get(id=carer.device_id).revoked_by == centre.manager
    stale = carer.get("/api/auth/me")
    assert stale.status_code == 401 and stale.json()["code"] == "device_revoked"
    assert carer.sync().json()["code"] == "device_revoked"
    again = _login(carer, "carer", "test-pass-123", address)
    assert again.status_code == 401 and again.json()["code"] == "device_revoked"
    # The manager's own phone is untouched.
    assert manager.get("/api/auth/me").status_code == 200


def test_it_hides_devices_from_non_managers_and_from_other_centres(centre, make_api):
    carer, nurse, outsider = make_api(), make_api(), make_api()
    carer.login("carer")
    nurse.login("nurse")
    outsider.login("outsider")
    for caller in (nurse, outsider, carer):
        response = caller.post(f"/api/devices/{carer.device_id}/revoke", {})
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert caller.post(f"/api/devices/{uuid.uuid4()}/revoke", {}).status_code == 404
    assert not Device.objects.get(id=carer.device_id).revoked
    assert carer.get("/api/auth/me").status_code == 200


def test_it_refuses_extra_fields_on_login(centre, api, address):
    response = api.post(
        "/api/auth/token",
        {
            "username": "carer",
            "password": "test-pass-123",
            "device_id": api.device_id,
            "is_superuser": True,
        },
        **address,
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"


def test_it_ignores_x_real_ip_from_a_peer_that_is_not_a_trusted_proxy(centre, api, settings):
    """A client talking to a worker directly cannot dodge throttling by inventing addresses."""
    settings.TRUSTED_PROXIES = frozenset({"10.9.9.9"})
    settings.LOGIN_MAX_FAILURES = 2
    for n in range(2):
        response = api.post(
            "/api/auth/token",
            {"username": "carer", "password": "wrong", "device_id": api.device_id},
            HTTP_X_REAL_IP=f"192.0.2.{n + 1}",
            REMOTE_ADDR=f"203.0.113.{uuid.uuid4().int % 200}",
        )
        assert response.status_code == 401
    # A fresh peer each run: with Redis as the cache, counters outlive a run for 15 minutes.
    peer = f"203.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    blocked = [
        api.post(
            "/api/auth/token",
            {"username": "carer", "password": "wrong", "device_id": api.device_id},
            HTTP_X_REAL_IP=f"198.51.100.{n}",
            REMOTE_ADDR=peer,
        ).status_code
        for n in range(3)
    ]
    assert blocked == [401, 401, 429]


def test_it_refuses_a_device_registered_to_another_centre(centre, make_api, address):
    phone = make_api()
    phone.login("carer")
    response = _login(phone, "outsider", "test-pass-123", address)
    assert response.status_code == 403
    assert response.json()["code"] == "device_other_facility" and response.json()["message"]
    device = Device.objects.get(id=phone.device_id)
    assert device.facility_id == centre.facility.id
    assert not device.tokens.filter(user=centre.outsider).exists()
    # A colleague of the same centre may still pick the phone up at handover.
    assert _login(phone, "nurse", "test-pass-123", address).status_code == 200


def _admin_login(client, username: str, password: str, address: dict):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR="127.0.0.1",  # the proxy, so X-Real-IP is believed as for the API
        **address,
    )


def test_one_throttle_counts_admin_and_api_logins_together(centre, api, address):
    from django.test import Client

    centre.manager.is_staff = True
    centre.manager.save()
    browser = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        page = _admin_login(browser, "manager", "wrong-pass", address)
        assert page.status_code == 200 and "_auth_user_id" not in browser.session
    assert _login(api, "manager", "wrong-pass", address).status_code == 401  # the last one
    blocked = _admin_login(browser, "manager", "test-pass-123", address)  # the right password
    assert blocked.status_code == 200 and "_auth_user_id" not in browser.session
    assert "quá nhiều lần" in blocked.content.decode()
    assert _login(api, "manager", "test-pass-123", address).json()["code"] == "rate_limited"
    # Any other login path that calls authenticate() is refused too (no 500, no way in).
    from django.contrib.auth import authenticate

    assert (
        authenticate(username="manager", password="test-pass-123", client=address["HTTP_X_REAL_IP"])
        is None
    )
    # Keyed as the API's: another address is not locked out of the admin.
    elsewhere = {"HTTP_X_REAL_IP": "192.0.2.99"}
    assert _admin_login(Client(), "manager", "test-pass-123", elsewhere).status_code == 302


def test_the_admin_login_believes_x_real_ip_only_from_a_trusted_proxy(centre, settings):
    from django.test import Client

    settings.LOGIN_MAX_FAILURES = 2
    peer = f"203.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = []
    for n in range(3):
        page = Client().post(
            "/admin/login/",
            {"username": "manager", "password": "wrong"},
            REMOTE_ADDR=peer,
            HTTP_X_REAL_IP=f"198.51.100.{n}",  # a fresh forged address per guess
        )
        statuses.append("quá nhiều lần" in page.content.decode())
    assert statuses == [False, False, True]
