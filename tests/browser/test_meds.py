"""Medication on two phones: the same scheduled dose given offline on both is a double dose,
seen on both phones and in the manager's list; and screenshots of the two main screens."""

from __future__ import annotations

import httpx
import pytest

from sync import registry
from tests.browser.conftest import artifacts, login, new_phone, wait_synced
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def give_dose(page, task_id) -> None:
    page.goto(page.url.split("#")[0] + f"#/med/{task_id}")
    page.click("[data-action=give]")
    page.wait_for_selector("li[data-task]")  # back on the list after recording


def test_it_shows_a_double_dose_on_both_phones_and_to_the_manager(asgi_server, meds_flushable, ward, chromium):
    if "med.administer" not in registry.registered_names():
        pytest.skip("med.administer is not registered on the server yet (server/meds/events.py)")
    task = ward.med_task
    phones = []
    for username in ("carer", "nurse"):
        context, page = new_phone(chromium)
        login(page, asgi_server.url, username)
        page.wait_for_selector(f"li[data-task='{task.id}']")
        wait_synced(page)
        phones.append((context, page))
    for context, page in phones:
        context.set_offline(True)
        give_dose(page, task.id)
    for context, page in phones:  # first one phone reaches the server, then the other
        context.set_offline(False)
        wait_synced(page)
    first_page = phones[0][1]
    first_page.click(".sync-now")  # the first phone hears of the conflict on its next sync
    for _, page in phones:
        page.wait_for_selector("a.problems-link", timeout=20_000)
        page.click("a.problems-link")
        page.wait_for_selector("[data-problem=double_dose]")
        assert "Cho thuốc hai lần" in page.inner_text("main")

    with httpx.Client(base_url=asgi_server.url) as http:
        token = http.post("/api/auth/token", json={"username": "manager", "password": PASSWORD,
                                                    "device_id": "6b1f3c3e-4d55-4a40-9a0e-5f0c8e1d2a10"}).json()["token"]
        listed = http.get("/api/conflicts?status=open", headers={"Authorization": f"Bearer {token}"}).json()
    kinds = [(c["kind"], c["subject_id"]) for c in listed["items"]]
    assert any(kind == "double_dose" for kind, _ in kinds), listed
    for context, page in phones:
        assert page.errors == []
        context.close()


def test_it_saves_screenshots_of_the_carer_home_and_the_medication_pass(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    page.wait_for_selector(f"li[data-task='{ward.meals[2].id}']")
    wait_synced(page)
    page.click(f"li[data-task='{ward.meals[0].id}'] [data-action=done]")
    wait_synced(page)
    out = artifacts()
    page.screenshot(path=str(out / "carer-home-360x740.png"))
    page.goto(page.url.split("#")[0] + f"#/med/{ward.med_task.id}")
    page.wait_for_selector("[data-action=give]")
    text = page.inner_text("main")
    for expected in ("Trần Thị Hoa", "A01", "Amlodipin 5mg", "1 viên", "uống"):
        assert expected in text
    page.screenshot(path=str(out / "medication-pass-360x740.png"))
    assert page.errors == []
    context.close()
