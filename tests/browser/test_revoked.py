"""401 device_revoked with entries queued: resident data leaves the phone, the queued care
does not vanish. It stays listed as "not sent", survives a reload, exports to a file for the
duty manager, and is deleted only on purpose; if a manager reinstates the phone, the next
login sends it, once. (Why: mobile_client/js/revoke.js.)"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from server.accounts.models import Device, DeviceToken
from sync.models import EventLog
from tests.browser.conftest import login, new_phone, wait_pending, wait_synced
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DUMP_DB = """async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open('catruc'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  const out = {};
  for (const name of db.objectStoreNames) {
    out[name] = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); });
  }
  db.close();
  return out;
}"""


def queue_two_and_revoke(page, context, url: str, ward) -> str:
    """Two lunches ticked offline, then the manager revokes the phone; returns its device id."""
    login(page, url, "carer")
    page.wait_for_selector(f"li[data-task='{ward.meals[1].id}']")
    wait_synced(page)
    context.set_offline(True)
    for task in ward.meals[:2]:
        page.click(f"li[data-task='{task.id}'] [data-action=done]")
    wait_pending(page, 2)
    device_id = str(DeviceToken.objects.get(user=ward.centre.carer).device_id)
    with httpx.Client(base_url=url) as http:
        token = http.post(
            "/api/auth/token",
            json={
                "username": "manager",
                "password": PASSWORD,
                "device_id": "5d0c8a8e-7f3b-4b8e-9a51-0c2f4e6d8b10",
            },
        ).json()["token"]
        answer = http.post(
            f"/api/devices/{device_id}/revoke", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text
    context.set_offline(False)
    page.wait_for_selector("[data-revoked]", timeout=20_000)
    return device_id


def test_it_wipes_resident_data_but_keeps_queued_entries_listed_exportable_and_deletable(
    asgi_server, ward, chromium
):
    context, page = new_phone(chromium, accept_downloads=True)
    device_id = queue_two_and_revoke(page, context, asgi_server.url, ward)

    text = page.inner_text("main")
    assert "Thiết bị này đã bị thu hồi" in text  # the server's own message
    assert "Chưa gửi được: 2 mục" in text
    assert len(page.query_selector_all("li[data-stranded]")) == 2
    assert "Trần Thị Hoa" not in page.content()
    stored = page.evaluate(DUMP_DB)
    assert (
        stored["records"] == []
        and stored["users"] == []
        and stored["outbox"] == []
        and stored["problems"] == []
    )
    assert len(stored["stranded"]) == 2
    for name in ("Trần Thị Hoa", "Lê Văn Nam", "Phạm Thị Lan", "A01", "token"):
        assert name not in json.dumps(stored, ensure_ascii=False)
    assert EventLog.objects.filter(name="task.complete").count() == 0  # nothing went out

    with page.expect_download() as download:
        page.click("[data-action=export-stranded]")
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["device_id"] == device_id
    assert sorted(e["args"]["task_id"] for e in exported["events"]) == sorted(
        str(t.id) for t in ward.meals[:2]
    )
    assert {(e["name"], e["author_username"]) for e in exported["events"]} == {
        ("task.complete", "carer")
    }

    page.reload()  # a cold start of the revoked phone: still listed, still not sent
    page.wait_for_selector("[data-revoked]")
    assert len(page.query_selector_all("li[data-stranded]")) == 2
    page.click("[data-action=export-stranded]")  # deleting is offered only after an export
    page.click("[data-action=drop-stranded]")
    page.click("[data-action=drop-confirm]")
    page.wait_for_selector("li[data-stranded]", state="detached")
    assert "Không còn mục nào chưa gửi" in page.inner_text("main")
    assert page.evaluate(DUMP_DB)["stranded"] == []
    assert page.errors == []
    context.close()


def test_it_sends_the_kept_entries_once_after_a_manager_reinstates_the_phone(
    asgi_server, ward, chromium
):
    context, page = new_phone(chromium)
    device_id = queue_two_and_revoke(page, context, asgi_server.url, ward)
    kept = sorted(e["id"] for e in page.evaluate(DUMP_DB)["stranded"])

    page.goto(asgi_server.url + "/app/#/login")  # refused while the phone is revoked
    page.fill("[name=username]", "carer")
    page.fill("[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("p.error:has-text('thu hồi')")

    Device.objects.filter(id=device_id).update(revoked_at=None, revoked_by=None)
    login(page, asgi_server.url, "carer")
    page.wait_for_selector(f"li[data-task='{ward.meals[0].id}']")
    wait_synced(page)
    sent = EventLog.objects.filter(name="task.complete")
    assert sorted(str(e.id) for e in sent) == kept
    assert {e.user_id for e in sent} == {ward.centre.carer.id}
    for task in ward.meals[:2]:
        task.refresh_from_db()
        assert task.status == "done"
    assert page.evaluate(DUMP_DB)["stranded"] == []
    assert page.errors == []
    context.close()
