"""The server speaks Vietnamese, and English to whoever asks for it (Accept-Language): API
errors, a sync call's rejections, the admin's sections, the dashboard and the /reports/ pages.
The papers themselves stay Vietnamese whoever downloads them."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.test import Client

from server.accounts.models import User
from tests.events import event

EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def test_an_api_error_is_vietnamese_by_default_and_english_when_asked(centre, api):
    body = {"username": "carer", "password": "wrong", "device_id": str(uuid.uuid4())}
    vietnamese = api.post("/api/auth/token", body)
    english = api.post("/api/auth/token", body, **EN)
    assert vietnamese.status_code == english.status_code == 401
    assert vietnamese.json() == {
        "code": "invalid_credentials",
        "message": "Tên đăng nhập hoặc mật khẩu không đúng.",
    }
    assert english.json() == {
        "code": "invalid_credentials",
        "message": "Wrong username or password.",
    }


def test_a_missing_token_is_refused_in_the_callers_language(centre, api):
    assert api.get("/api/auth/me").json()["message"] == "Cần đăng nhập (thiếu mã truy cập)."
    assert api.get("/api/auth/me", **EN).json()["message"] == "Login required (no access token)."


def _sync(api, events, **extra):
    body = {"protocol": 1, "device_id": api.device_id, "cursor": None, "events": events}
    response = api.post("/api/sync/v1", body, **extra)
    assert response.status_code == 200, response.content
    return {r["code"]: r["message"] for r in response.json()["results"]}


def test_a_sync_calls_rejections_are_written_in_the_callers_language(centre, api):
    api.login("carer")

    def events():
        return [
            event("no.such_event", {}),
            event("task.complete", {"task_id": uuid.uuid4(), "outcome": "done"}),
        ]

    assert _sync(api, events()) == {
        "unknown_event": "Máy chủ không biết loại sự kiện «no.such_event».",
        "not_found": "Không tìm thấy bản ghi trong phạm vi của bạn.",
    }
    assert _sync(api, events(), **EN) == {
        "unknown_event": "The server does not know the event type «no.such_event».",
        "not_found": "No record found within your scope.",
    }


@pytest.fixture
def boss(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("boss", "", "test-pass-123"))
    return client


def test_the_admin_index_shows_the_sections_in_the_readers_language(centre, boss):
    vietnamese = boss.get("/admin/").content.decode()
    english = boss.get("/admin/", **EN).content.decode()
    for vi, en in [
        ("Nhân viên và thiết bị", "Staff and devices"),
        ("Chăm sóc", "Care"),
        ("Kho thuốc", "Medicine stock"),
        ("Lịch trực", "Duty rota"),
        ("Thiết lập trung tâm", "Centre setup"),
    ]:
        assert vi in vietnamese and vi not in english
        assert en in english
    assert "Đối tượng" in vietnamese or "đối tượng" in vietnamese
    assert "Residents" in english or "Resident" in english


def test_the_dashboard_page_opens_in_the_readers_language(db):
    client = Client()
    english = client.get("/dashboard/", **EN).content.decode()
    assert '<html lang="en">' in english and "Duty board" in english
    vietnamese = client.get("/dashboard/").content.decode()
    assert '<html lang="vi">' in vietnamese and "Bảng trực" in vietnamese


def test_the_reports_login_page_follows_the_reader(db):
    assert "Log in" in Client().get("/reports/login/", **EN).content.decode()
    assert "Đăng nhập" in Client().get("/reports/login/").content.decode()


def test_a_paper_stays_vietnamese_for_an_english_reader(november, make_api):
    manager = make_api()
    manager.login("manager")
    response = manager.get(
        f"/api/reports/export?facility={november.facility.id}&type=residents"
        "&date_from=2026-11-01&date_to=2026-11-30",
        **EN,
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body)))
    assert "Diện chính" in header and "Tình trạng" in header
    assert {row[header.index("Tình trạng")] for row in rows} <= {
        "Có mặt",
        "Nằm viện",
        "Về phép",
        "Tái hòa nhập",
        "Đã mất",
    }
