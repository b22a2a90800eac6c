"""Notes and transfers on the phone: a handover written offline reaches the next shift's
phone; a nurse records a hospital transfer offline, offered from a meal marked "Vắng mặt"."""

from __future__ import annotations

import pytest

from server.care.models import Note, ResidentTransfer, TaskInstance
from tests.browser.conftest import artifacts, login, new_phone, wait_pending, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_handover_note_written_offline_reaches_the_next_shift(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    page.wait_for_selector(f"li[data-task='{ward.meals[0].id}']")
    wait_synced(page)
    context.set_offline(True)
    page.click("#nav a[data-tab=shift]")
    page.wait_for_selector("form[data-form=note]")
    page.select_option("[name=kind]", "incident")
    page.select_option("[name=resident]", str(ward.residents[1].id))
    page.fill("[name=text]", "Ông Nam bị ngã lúc 10h, đã báo y tế.")
    page.click("[data-action=save-note]")
    wait_pending(page, 1)
    page.wait_for_selector("li[data-note]")
    page.screenshot(path=str(artifacts() / "shift-note-offline-360x740.png"))
    assert Note.objects.count() == 0
    context.set_offline(False)
    wait_synced(page)
    note = Note.objects.get()
    assert (note.kind, note.resident_id, note.by.username) == (
        "incident",
        ward.residents[1].id,
        "carer",
    )
    assert page.errors == []
    context.close()

    context, page = new_phone(chromium)  # the next shift, on another phone
    login(page, asgi_server.url, "carer2")
    wait_synced(page)
    page.click("#nav a[data-tab=shift]")
    page.wait_for_selector(f"li[data-note='{note.id}']")
    text = page.inner_text(f"li[data-note='{note.id}']")
    assert "Sự cố" in text and "Lê Văn Nam" in text and "đã báo y tế" in text
    assert "Người carer" in text  # who wrote it
    page.screenshot(path=str(artifacts() / "shift-notes-next-shift-360x740.png"))
    assert page.errors == []
    context.close()


def test_a_nurse_records_a_hospital_transfer_offline_from_an_away_meal(asgi_server, ward, chromium):
    hoa = ward.residents[0]
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "nurse")
    row = f"li[data-task='{ward.meals[0].id}']"
    page.wait_for_selector(row)
    wait_synced(page)
    context.set_offline(True)
    page.click(f"{row} button.more")
    page.click(".sheet button[data-outcome=not_applicable]")
    page.click(".sheet button[data-reason=in_hospital]")
    page.wait_for_selector("[data-action=offer-transfer]")
    assert page.inner_text(".sheet h2").startswith("Trần Thị Hoa · ")
    page.click("[data-action=offer-transfer]")
    page.wait_for_selector("form[data-form=transfer]")
    page.select_option("[name=status]", "in_hospital")
    page.fill("[name=place]", "Bệnh viện Đa khoa tỉnh Bạc Liêu")
    page.fill("[name=reason]", "Sốt cao, khó thở")
    page.select_option("[name=escort]", str(ward.carer2.id))
    page.screenshot(path=str(artifacts() / "transfer-form-offline-360x740.png"))
    page.click("[data-action=save-transfer]")
    page.wait_for_selector("li[data-resident]")
    wait_pending(page, 2)
    assert page.inner_text(f"li[data-resident='{hoa.id}'] .chip") == "Nằm viện"
    page.locator(f"li[data-resident='{hoa.id}']").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts() / "shift-residents-offline-360x740.png"))
    context.set_offline(False)
    wait_synced(page)
    hoa.refresh_from_db()
    assert hoa.status == "in_hospital"
    transfer = ResidentTransfer.objects.get(resident=hoa)
    assert (transfer.place, transfer.reason, transfer.escort_id) == (
        "Bệnh viện Đa khoa tỉnh Bạc Liêu",
        "Sốt cao, khó thở",
        ward.carer2.id,
    )
    assert TaskInstance.objects.get(id=ward.meals[0].id).status == "not_applicable"
    page.screenshot(path=str(artifacts() / "shift-residents-online-360x740.png"))
    assert page.errors == []
    context.close()
