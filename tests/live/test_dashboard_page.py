from django.contrib.staticfiles import finders


def test_it_serves_the_dashboard_page_in_vietnamese(client):
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập quản lý trực" in html
    for asset in (
        "dashboard/dashboard.js",
        "dashboard/dashboard.css",
        "dashboard/vendor/uplot/uPlot.iife.min.js",
    ):
        assert f"/static/{asset}" in html
        assert finders.find(asset), asset


def test_it_ships_uplot_with_its_licence():
    licence = finders.find("dashboard/vendor/uplot/LICENSE")
    assert licence
    with open(licence) as f:
        assert "Permission is hereby granted" in f.read()


def test_it_refuses_anything_but_get(client):
    assert client.post("/dashboard/").status_code == 405


def test_it_has_one_word_for_a_missed_task_in_both_languages(client):
    """ "Quá hạn" / "Overdue", as the phone says; the words it replaced must not come back."""
    html = client.get("/dashboard/").content.decode()
    with open(finders.find("dashboard/text.js"), encoding="utf-8") as f:
        script = f.read()
    for text in (html, script):
        for old in ("bỏ lỡ", "quá giờ"):
            assert old not in text.casefold(), old
        assert "Missed" not in text and ': "missed"' not in text
    assert '<h2 data-i18n="missed">Quá hạn</h2>' in html
    assert 'missed: "Quá hạn"' in script and 'missed: "Overdue"' in script
