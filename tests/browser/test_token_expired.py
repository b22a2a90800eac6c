"""A token that stopped working (idle for TOKEN_IDLE_DAYS: 401 token_expired; a password
change: token_revoked) while care is queued: the phone asks that user for the password, keeps
the queue, and sends it once they log in again (mobile_client/js/sync.js)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.accounts.models import DeviceToken, User
from sync.models import EventLog
from tests.browser.conftest import login as first_login
from tests.browser.conftest import new_phone, wait_pending, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _expire(ward) -> None:
    DeviceToken.objects.filter(user=ward.centre.carer).update(
        last_used_at=timezone.now() - timedelta(days=31)
    )


def _new_password(ward) -> None:
    user = User.objects.get(pk=ward.centre.carer.pk)
    user.set_password("test-pass-123")  # the same text, but a change all the same
    user.save()


@pytest.mark.parametrize("stop", [_expire, _new_password], ids=["idle", "password"])
def test_it_asks_for_the_password_again_and_then_sends_the_kept_queue(
    asgi_server, ward, chromium, stop
):
    context, page = new_phone(chromium)
    first_login(page, asgi_server.url, "carer")
    meals = ward.meals[:2]
    page.wait_for_selector(f"li[data-task='{meals[1].id}']")
    wait_synced(page)
    context.set_offline(True)
    for task in meals:
        page.click(f"li[data-task='{task.id}'] [data-action=done]")
    wait_pending(page, 2)

    stop(ward)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("[data-relogin]", timeout=20_000)  # the server's reason, shown
    assert page.input_value("[name=username]") == "carer"
    assert not EventLog.objects.filter(name="task.complete").exists()

    page.fill("[name=password]", "test-pass-123")
    page.click("button[type=submit]")
    wait_synced(page)
    sent = EventLog.objects.filter(name="task.complete")
    assert sorted(e.args["task_id"] for e in sent) == sorted(str(t.id) for t in meals)
    assert all(e.user_id == ward.centre.carer.id for e in sent)
    assert page.errors == []
    context.close()
