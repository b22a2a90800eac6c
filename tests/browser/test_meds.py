"""Medication on two phones: the same scheduled dose given offline on both is a double dose,
seen on both phones and in the manager's list; and screenshots of the two main screens."""

from __future__ import annotations

import httpx
import pytest
from django.utils import timezone

from server.care.publish import publish
from server.meds.models import MedicationAdministration
from sync import registry
from sync.models import EventLog
from tests.browser.conftest import artifacts, login, new_phone, pending, wait_synced
from tests.factories import PASSWORD, MedicationOrderFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def give_dose(page, task_id) -> None:
    page.goto(page.url.split("#")[0] + f"#/med/{task_id}")
    page.click("[data-action=give]")
    page.wait_for_selector("li[data-task]")  # back on the list after recording


def test_it_shows_a_double_dose_on_both_phones_and_to_the_manager(asgi_server, ward, chromium):
    assert "med.administer" in registry.registered_names(), "server/meds/handlers.py not loaded"
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
        token = http.post(
            "/api/auth/token",
            json={
                "username": "manager",
                "password": PASSWORD,
                "device_id": "6b1f3c3e-4d55-4a40-9a0e-5f0c8e1d2a10",
            },
        ).json()["token"]
        listed = http.get(
            "/api/conflicts?status=open", headers={"Authorization": f"Bearer {token}"}
        ).json()
    kinds = [(c["kind"], c["subject_id"]) for c in listed["items"]]
    assert any(kind == "double_dose" for kind, _ in kinds), listed
    for context, page in phones:
        assert page.errors == []
        context.close()


def test_it_saves_screenshots_of_the_carer_home_and_the_medication_pass(
    asgi_server, ward, chromium
):
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


@pytest.fixture
def orders(ward) -> dict:
    """A PRN painkiller (4 h apart) and a controlled drug due now, published before the browser starts."""
    hoa, nam, lan = ward.residents
    prn = MedicationOrderFactory(
        resident=nam,
        drug="Paracetamol 500mg",
        dose="1 viên",
        prn=True,
        min_interval_minutes=240,
        max_per_24h=4,
        times=[],
    )
    controlled = MedicationOrderFactory(
        resident=lan, drug="Morphin 10mg", dose="1 ống", route="tiêm", controlled=True
    )
    task = TaskFactory(
        resident=lan,
        kind="medication",
        title="Morphin 10mg",
        slot="11:00",
        due_at=timezone.now(),
        order=controlled,
    )
    publish([prn, controlled, task])
    return {"prn": prn, "controlled": controlled, "controlled_task": task}


def open_screen(page, hash_path: str, ready: str) -> None:
    page.goto(page.url.split("#")[0] + hash_path)
    page.wait_for_selector(ready)


def test_it_warns_before_a_prn_dose_inside_its_minimum_interval(
    asgi_server, ward, orders, chromium
):
    prn = orders["prn"]
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "nurse")
    page.wait_for_selector("li[data-task]")
    wait_synced(page)
    open_screen(page, f"#/prn/{prn.id}", "[data-action=give]")
    page.click("[data-action=give]")  # the first dose: no warning
    wait_synced(page)
    assert EventLog.objects.filter(name="med.administer").count() == 1

    open_screen(page, f"#/prn/{prn.id}", "[data-action=give]")
    page.click("[data-action=give]")
    warning = page.wait_for_selector(".sheet .warnbox")
    assert "Chưa đủ khoảng cách: cần chờ thêm" in warning.inner_text()
    page.click(".sheet button.ghost")  # "Đóng": nothing recorded
    page.click("[data-action=give]")
    page.click("[data-action=prn-continue]")
    page.wait_for_selector(".toast:has-text('Cần ghi lý do.')")  # continuing needs a reason
    assert pending(page) == 0
    assert EventLog.objects.filter(name="med.administer").count() == 1

    page.fill("[name=reason]", "Sốt 39 độ, bác sĩ cho phép")
    page.click("[data-action=give]")
    page.click("[data-action=prn-continue]")
    wait_synced(page)
    second = EventLog.objects.filter(name="med.administer").order_by("received_at").last()
    assert EventLog.objects.filter(name="med.administer").count() == 2
    assert second.args["prn"] is True and second.args["reason"] == "Sốt 39 độ, bác sĩ cho phép"
    assert second.status in {"applied", "conflict"}  # the server decides; the phone warned first
    assert page.errors == []
    context.close()


def test_it_needs_a_witness_for_a_controlled_drug_and_sends_who(
    asgi_server, ward, orders, chromium
):
    task = orders["controlled_task"]
    witness = ward.centre.carer
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "nurse")
    page.wait_for_selector(f"li[data-task='{task.id}']")
    wait_synced(page)
    open_screen(page, f"#/med/{task.id}", "select[name=witness]")
    options = page.eval_on_selector_all("select[name=witness] option", "os => os.map(o => o.value)")
    assert str(witness.id) in options
    assert str(ward.centre.nurse.id) not in options  # never the person giving it

    page.click("[data-action=give]")
    page.wait_for_selector(".toast:has-text('Cần chọn người chứng kiến.')")
    assert pending(page) == 0
    page.select_option("select[name=witness]", str(witness.id))
    page.click("[data-action=give]")
    wait_synced(page)
    sent = EventLog.objects.get(name="med.administer")
    assert sent.args["witness_id"] == str(witness.id)
    assert sent.status == "applied"
    given = MedicationAdministration.objects.get(order=orders["controlled"])
    assert given.witness_id == witness.id
    assert page.errors == []
    context.close()
