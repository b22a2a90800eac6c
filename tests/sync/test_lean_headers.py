"""The sync answer carries no browser-document headers; other pages keep them."""

from tests.factories import ResidentFactory, TaskFactory


def test_it_leaves_framing_referrer_opener_and_language_headers_off_sync_answers(centre, api):
    TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="custom")
    api.login("carer")
    response = api.sync()
    assert response.status_code == 200
    for name in (
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Language",
        "Vary",
    ):
        assert name not in response, name
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["server_time"].endswith("Z")


def test_it_keeps_them_on_other_answers(centre, api):
    api.login("carer")
    response = api.get("/api/auth/me")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"


def test_it_echoes_the_request_id_on_a_sync_answer_only_when_the_phone_sent_one(centre, api):
    api.login("carer")
    assert "X-Request-ID" not in api.sync()
    body = {"protocol": 1, "device_id": api.device_id, "cursor": None, "events": []}
    given = api.post("/api/sync/v1", body, HTTP_X_REQUEST_ID="phone-req-7")
    assert given["X-Request-ID"] == "phone-req-7"
    assert len(api.get("/api/auth/me")["X-Request-ID"]) == 32  # other answers keep it


def test_the_request_log_still_names_the_sync_call_it_made_an_id_for(centre, api, caplog):
    api.login("carer")
    with caplog.at_level("INFO", logger="catruc.request"):
        api.sync()
    (line,) = [r for r in caplog.records if getattr(r, "path", "") == "/api/sync/v1"]
    assert len(line.request_id) == 32
