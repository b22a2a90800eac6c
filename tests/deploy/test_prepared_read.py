"""The sync call's one statement is prepared on its PostgreSQL connection (sync/rows.py,
`prepared_cursor`; `prepare_threshold` in server/settings.py), and nothing else changes:
the same answers, every refusal on the next call, and with DB_PREPARED_STATEMENTS=0 (behind
PgBouncer < 1.21 in transaction mode) nothing is prepared at all."""

from __future__ import annotations

import pytest
from django.db import connection

from server.accounts.models import User
from server.accounts.tokens import user_tokens_revoke
from server.settings import database_from_url
from tests.deploy.test_kept_scope import _sync, _warm

pytestmark = pytest.mark.django_db(transaction=True)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL only"
)


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_setting_is_on_by_default_and_off_with_0(monkeypatch):
    url = "postgresql://u@127.0.0.1:5432/db"
    monkeypatch.delenv("DB_PREPARED_STATEMENTS", raising=False)
    assert database_from_url(url)["OPTIONS"]["prepare_threshold"] == 5
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "0")
    assert "prepare_threshold" not in database_from_url(url)["OPTIONS"]
    # A value given in the URL's query is kept as given.
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "1")
    assert database_from_url(url + "?prepare_threshold=2")["OPTIONS"]["prepare_threshold"] == "2"


@on_postgresql
def test_the_no_op_statement_is_prepared_once_and_reused(centre, settings):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id, cursor = _warm("carer")
    ours = [s for s in _prepared() if "accounts_devicetoken" in s and "sync_stream" in s]
    # One per number of facilities read: none on the first call, then the kept scope's one.
    assert len(ours) == 2 and any('"facility_id" IN ($1)' in s for s in ours)
    for _ in range(3):
        status, body = _sync(token, device_id, cursor)
        assert (status, body["changes"], body["cursor"]) == (200, [], cursor)
    again = [s for s in _prepared() if "accounts_devicetoken" in s and "sync_stream" in s]
    assert again == ours  # the same statements, not one more per call
    # Nothing else of Django's is prepared (its cursors bind on the client).
    assert all("accounts_devicetoken" in s for s in _prepared())


@on_postgresql
def test_refusals_still_apply_on_the_next_call_once_prepared(centre, settings):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id, cursor = _warm("carer")
    User.objects.filter(pk=centre.carer.pk).update(is_active=False)
    status, body = _sync(token, device_id, cursor)
    assert (status, body["code"]) == (401, "invalid_token")
    User.objects.filter(pk=centre.carer.pk).update(is_active=True)
    assert _sync(token, device_id, cursor)[0] == 200
    user_tokens_revoke(centre.carer)
    status, body = _sync(token, device_id, cursor)
    assert (status, body["code"]) == (401, "token_revoked")


@on_postgresql
def test_with_prepared_statements_off_nothing_is_prepared(centre, settings, monkeypatch):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id, cursor = _warm("carer")
    prepared_answer = _sync(token, device_id, cursor)
    options = {k: v for k, v in connection.settings_dict["OPTIONS"].items()}
    options.pop("prepare_threshold", None)
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    connection.close()  # a new connection: none of its statements are prepared
    token, device_id, cursor = _warm("carer")
    assert _prepared() == []
    status, body = _sync(token, device_id, cursor)
    expected = {**prepared_answer[1], "cursor": cursor, "server_time": body["server_time"]}
    assert (status, body) == (200, expected)
    assert _prepared() == []


@on_postgresql
@pytest.mark.parametrize("bearer", ["not-a-token", "a\x00b", "x" * 10_000, "' OR 1=1 --"])
def test_a_bad_bearer_is_refused_through_the_prepared_statement(centre, settings, bearer):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id, cursor = _warm("carer")
    status, body = _sync(bearer, device_id, cursor)
    assert (status, body["code"]) == (401, "invalid_token")
    assert _sync(token, device_id, cursor)[0] == 200  # the connection is still good
