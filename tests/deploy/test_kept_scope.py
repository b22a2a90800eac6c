"""A worker keeps each user's sync scope between her calls (server/accounts/services.py,
`SyncTokenAuth`): a warm no-op is one statement, and yet every refusal and every change of
scope applies on the very next call — through the HTTP path in this process and on a real
server of two workers, whatever way the membership was changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from server.accounts.models import SCOPE_VERSIONS, Device, Membership, User
from server.accounts.tokens import device_revoke, user_tokens_revoke
from tests.conftest import ApiClient
from tests.servers import ServerProcess

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "test-pass-123"


def _login(username: str) -> tuple[str, str]:
    api = ApiClient()
    api.login(username, PASSWORD)
    assert api.token is not None
    return api.token, api.device_id


def _sync(token: str, device_id: str, cursor: str | None) -> tuple[int, dict]:
    body = {"protocol": 1, "device_id": device_id, "cursor": cursor, "events": []}
    response = Client().post(
        "/api/sync/v1",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return response.status_code, response.json()


def _warm(username: str) -> tuple[str, str, str]:
    """A phone whose worker keeps its scope: (token, device id, a current cursor)."""
    token, device_id = _login(username)
    status, first = _sync(token, device_id, None)
    assert status == 200
    cursor = first["cursor"]
    assert _sync(token, device_id, cursor)[0] == 200
    return token, device_id, cursor


def test_a_warm_no_op_is_one_statement(centre, settings):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id, cursor = _warm("carer")
    with CaptureQueriesContext(connection) as queries:
        status, body = _sync(token, device_id, cursor)
    assert status == 200 and body["changes"] == [] and body["cursor"] == cursor
    assert len(queries) == 1, [q["sql"] for q in queries]
    sql = queries[0]["sql"]
    assert "accounts_devicetoken" in sql and "sync_epoch" in sql and "sync_stream" in sql


def test_a_new_database_epoch_drops_the_kept_scope(centre, settings):
    # A restore from a dump renews the epoch (deploy/restore), and the dump's sequence may give
    # again a scope version this worker saw after the dump: the kept scope is not used.
    from sync.models import Epoch

    settings.SYNC_RATE_LIMIT = 0
    token, device_id, _ = _warm("carer")
    with CaptureQueriesContext(connection) as queries:
        assert _sync(token, device_id, None)[0] == 200
    assert len(queries) == 1
    Epoch.objects.filter(id=1).update(value="abc123")
    with CaptureQueriesContext(connection) as queries:
        assert _sync(token, device_id, None)[0] == 200
    assert any("accounts_membership" in q["sql"] for q in queries), [q["sql"] for q in queries]


def _membership(centre: Any) -> Membership:
    return Membership.objects.get(user=centre.carer, facility=centre.facility)


SCOPE_CHANGES: dict[str, Callable[[Any], None]] = {
    "role, by a queryset update": lambda c: Membership.objects.filter(
        user=c.carer, facility=c.facility
    ).update(role="nurse"),
    "role, saved": lambda c: _save_role(_membership(c), "kitchen"),
    "membership deactivated": lambda c: Membership.objects.filter(user=c.carer).update(
        active=False
    ),
    "membership removed": lambda c: _membership(c).delete(),
    "area removed": lambda c: _membership(c).areas.remove(c.elderly),
    "area added": lambda c: _membership(c).areas.add(c.children),
    "areas cleared through the link table": lambda c: Membership.areas.through.objects.filter(
        membership__user=c.carer
    ).delete(),
    "membership in a second facility": lambda c: Membership.objects.create(
        user=c.carer, facility=c.other_facility, role="carer"
    ),
}


def _save_role(membership: Membership, role: str) -> None:
    membership.role = role
    membership.save()


@pytest.mark.parametrize("change", SCOPE_CHANGES)
def test_a_scope_change_applies_on_the_next_call(centre, settings, change):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id, cursor = _warm("carer")
    SCOPE_CHANGES[change](centre)
    status, body = _sync(token, device_id, cursor)
    assert (status, body["code"]) == (409, "reset_required")
    # The phone starts again from a null cursor, in its new scope, and is kept in it.
    status, body = _sync(token, device_id, None)
    assert status == 200
    assert _sync(token, device_id, body["cursor"])[0] == 200


REFUSALS: dict[str, tuple[Callable[[Any, str], None], str]] = {
    "tokens revoked": (lambda c, d: user_tokens_revoke(c.carer), "token_revoked"),
    "password changed": (lambda c, d: _new_password(c.carer), "token_revoked"),
    "user deactivated": (
        lambda c, d: User.objects.filter(pk=c.carer.pk).update(is_active=False),
        "invalid_token",
    ),
    "device revoked": (
        lambda c, d: device_revoke(device=Device.objects.get(id=d), by=c.manager),
        "device_revoked",
    ),
}


def _new_password(user: User) -> None:
    user.set_password("another-pass-456")
    user.save()


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_refusal_applies_on_the_next_call(centre, settings, refusal):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id, cursor = _warm("carer")
    act, code = REFUSALS[refusal]
    act(centre, device_id)
    status, body = _sync(token, device_id, cursor)
    assert (status, body["code"]) == (401, code)


def test_every_write_of_memberships_gives_a_new_version(centre):
    def version() -> int | None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT v.value FROM {SCOPE_VERSIONS} v JOIN accounts_user u ON u.id = v.user_id"
                " WHERE u.username = %s",
                ["carer"],
            )
            row = cursor.fetchone()
        return None if row is None else row[0]

    seen = [version()]
    steps: list[Callable[[], Any]] = [
        lambda: Membership.objects.filter(user=centre.carer).update(role="nurse"),
        lambda: _membership(centre).areas.add(centre.children),
        lambda: _membership(centre).areas.clear(),
        lambda: Membership.objects.create(
            user=centre.carer, facility=centre.other_facility, role="carer"
        ),
        lambda: (
            Membership.objects.filter(facility=centre.other_facility, user=centre.carer)
            .get()
            .delete()
        ),
    ]
    for step in steps:
        step()
        seen.append(version())
    assert None not in seen[1:] and len(set(seen)) == len(seen), seen
    # The row has no foreign key: deleting a user (her memberships first) still works.
    centre.carer.delete()
    assert not User.objects.filter(username="carer").exists()


@pytest.mark.postgres
def test_on_two_real_workers_every_change_applies_on_the_next_call(centre):
    server = ServerProcess(env={"WEB_CONCURRENCY": "2", "SYNC_RATE_LIMIT": "0"}).start()
    try:
        token, device_id = _login("carer")
        url = server.url + "/api/sync/v1"
        auth = {"Authorization": f"Bearer {token}"}

        def sync(cursor: str | None) -> httpx.Response:
            body = {"protocol": 1, "device_id": device_id, "cursor": cursor, "events": []}
            return httpx.post(url, headers=auth, json=body)  # a new connection each

        cursor = sync(None).json()["cursor"]
        # Enough calls, each on a new connection, that both workers keep the scope.
        assert {sync(cursor).status_code for _ in range(8)} == {200}
        Membership.objects.filter(user=centre.carer).update(role="nurse")
        assert {sync(cursor).json()["code"] for _ in range(4)} == {"reset_required"}
        cursor = sync(None).json()["cursor"]
        assert {sync(cursor).status_code for _ in range(8)} == {200}
        _membership(centre).delete()
        assert {sync(cursor).json()["code"] for _ in range(4)} == {"reset_required"}
        cursor = sync(None).json()["cursor"]
        assert {sync(cursor).status_code for _ in range(8)} == {200}
        user_tokens_revoke(centre.carer)
        assert {sync(cursor).json()["code"] for _ in range(4)} == {"token_revoked"}
    finally:
        server.stop()
