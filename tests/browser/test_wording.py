"""The words a native reader checked, and English mode with no Vietnamese left in it."""

from __future__ import annotations

import re

import pytest

from server.care.models import Area, Resident
from tests.browser.conftest import artifacts, login, new_phone, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Letters only Vietnamese uses (English words never carry them).
VIETNAMESE = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I
)


def test_the_checked_words_and_english_mode(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    page.wait_for_selector(f"li[data-task='{ward.meals[0].id}']")
    wait_synced(page)
    bar = page.inner_text("#syncbar")
    assert "Đồng bộ lần cuối lúc" in bar
    assert "Quá hạn:" in page.inner_text("main") and "Trễ" not in page.inner_text("main")
    page.click(f"li[data-task='{ward.meals[0].id}'] button.more")
    assert page.inner_text(".sheet button.ghost") == "Đóng"
    page.click(".sheet button.ghost")

    # Names are data, written as the centre wrote them: everything else must be English.
    names = [r.full_name for r in Resident.objects.all()] + [a.name for a in Area.objects.all()]
    names += [
        "Người carer",
        "Amlodipin 5mg",
        "1 viên",
        "uống",
        "Ca Trực",
        ward.centre.facility.name,
    ]
    page.click("button.lang")
    page.wait_for_selector("html[lang=en]")
    for screen in ["home", "meds", "disinfect", "shift", "problems", f"med/{ward.med_task.id}"]:
        page.goto(page.url.split("#")[0] + f"#/{screen}")
        page.wait_for_timeout(300)
        text = page.inner_text("body")
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, "")
        assert VIETNAMESE.findall(text) == [], (screen, text)
        page.screenshot(path=str(artifacts() / f"en-{screen.split('/')[0]}-360x740.png"))
    assert page.errors == []
    context.close()
