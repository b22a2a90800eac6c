"""The printable papers open through the app's own web login (a Django session, Vietnamese
pages) for managers of the centre; carers and another centre's manager are refused."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from server.seed.demo import demo_seed

PASSWORD = "mat-khau-thu"


@pytest.fixture
def seeded(db):
    demo_seed(password=PASSWORD, horizon=False)


def web_login(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    return client.post(
        "/reports/login/",
        {"username": username, "password": password, "next": next_url},
        REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}",
    )


def test_the_manager_of_bac_lieu_logs_in_and_opens_the_report(seeded):
    client = Client()
    month = timezone.localdate().strftime("%Y-%m")
    report = f"/reports/monthly/bac-lieu/{month}/"
    redirected = client.get(report)
    assert redirected.status_code == 302
    assert redirected["Location"].startswith("/reports/login/?next=")
    form = client.get(redirected["Location"])
    assert "Đăng nhập" in form.content.decode() and "Mật khẩu" in form.content.decode()
    logged_in = web_login(client, "manager.bl", next_url=report)
    assert (logged_in.status_code, logged_in["Location"]) == (302, report)
    page = client.get(report)
    assert page.status_code == 200
    text = page.content.decode()
    assert "TRUNG TÂM BẢO TRỢ XÃ HỘI TỈNH BẠC LIÊU" in text
    assert "Tổng số đối tượng hiện tại của Trung tâm là 80 đối tượng" in text
    index = client.get("/reports/")
    assert (
        index.status_code == 200 and f"/reports/monthly/bac-lieu/{month}/" in index.content.decode()
    )
    assert client.get(report + "?format=docx")["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("username", ["carer.bl1", "kitchen.bl", "nurse.bl", "manager.nd"])
def test_carers_and_another_centres_manager_do_not_get_in(seeded, username):
    client = Client()
    assert web_login(client, username).status_code == 302
    page = client.get(f"/reports/monthly/bac-lieu/{timezone.localdate():%Y-%m}/")
    assert page.status_code == 403
    assert "Không có quyền xem giấy tờ này" in page.content.decode()
    assert (
        client.get("/reports/export/bac-lieu/?type=tasks&from=2026-11-01&to=2026-11-30").status_code
        == 403
    )


def test_kitchen_staff_open_the_food_forms_but_carers_do_not(seeded):
    kitchen, carer = Client(), Client()
    web_login(kitchen, "kitchen.bl")
    web_login(carer, "carer.bl1")
    path = f"/reports/food-safety/bac-lieu/{timezone.localdate():%Y-%m-%d}/"
    assert kitchen.get(path).status_code == 200
    assert carer.get(path).status_code == 403
    assert carer.get("/reports/").status_code == 403


def test_wrong_passwords_are_throttled_like_the_phone_login(seeded, settings):
    # A fresh address per run: a re-run against the same Redis is not throttled by the last.
    client = Client()
    address = f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    for _ in range(settings.LOGIN_MAX_FAILURES):
        wrong = client.post(
            "/reports/login/", {"username": "manager.bl", "password": "sai"}, REMOTE_ADDR=address
        )
        assert wrong.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.content.decode()
    blocked = client.post(
        "/reports/login/", {"username": "manager.bl", "password": PASSWORD}, REMOTE_ADDR=address
    )
    assert blocked.status_code == 429
    assert "thử lại sau 15 phút" in blocked.content.decode()
    # The phone login shares the counter: the same person, the same address.
    token = client.post(
        "/api/auth/token",
        {"username": "manager.bl", "password": PASSWORD, "device_id": str(uuid.uuid4())},
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    assert token.status_code == 429


def test_the_login_never_sends_you_to_another_site(seeded):
    client = Client()
    answer = web_login(client, "manager.bl", next_url="https://evil.example/")
    assert answer["Location"] == "/reports/"


def test_the_dashboard_links_to_the_papers(db):
    assert 'href="/reports/"' in Client().get("/dashboard/").content.decode()
