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
