"""Content-Security-Policy (server/middleware.py): the app, the dashboard and the report send
one, and both pages still work under it in real Chromium with no violation reported."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.browser.conftest import PIN, new_phone

pytestmark = pytest.mark.django_db(transaction=True)

# Reported by the browser for anything the policy blocks; collected before any script runs.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.parametrize("path", ["/app/", "/app/index.html", "/app/js/app.js", "/dashboard/"])
def test_it_sends_a_policy_with_no_inline_script_on_the_app_and_dashboard(db, client, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_it_sends_a_policy_on_the_report_allowing_only_its_style_and_print_link(centre, client):
    user = get_user_model().objects.create_superuser("boss", "", "test-pass-123")
    client.force_login(user)
    response = client.get(f"/reports/monthly/{centre.facility.code}/2026-11/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1]


def test_it_leaves_the_admin_and_the_api_without_it(db, client):
    assert "Content-Security-Policy" not in client.get("/admin/login/")
    assert "Content-Security-Policy" not in client.get("/api/openapi.json")


@pytest.mark.browser
def test_the_app_and_the_dashboard_work_under_the_policy(asgi_server, ward, chromium):
    # Not bypassing the policy (as new_phone does), so only waits that need no eval().
    context, page = new_phone(chromium, bypass_csp=False)
    page.add_init_script(LISTEN)
    page.goto(asgi_server.url + "/app/#/login")
    page.fill("[name=username]", "carer")
    page.fill("[name=password]", "test-pass-123")
    page.click("button[type=submit]")
    for _ in range(2):
        for digit in PIN:
            page.click(f"[data-key='{digit}']")
    meal = ward.meals[0]
    page.wait_for_selector(f"li[data-task='{meal.id}']")
    page.wait_for_selector("html[data-live='1']", state="attached", timeout=10_000)
    page.click(f"li[data-task='{meal.id}'] [data-action=done]")
    page.wait_for_selector("[data-pending='0']", state="attached", timeout=10_000)
    assert page.evaluate("window.__csp") == [] and page.errors == []
    context.close()

    board = chromium.new_page()
    board.add_init_script(LISTEN)
    board.goto(asgi_server.url + "/dashboard/")
    board.fill("input[name=username]", "manager")
    board.fill("input[name=password]", "test-pass-123")
    board.click("#login button[type=submit]")
    board.wait_for_selector("#link[data-state=on]", timeout=10_000)
    board.wait_for_selector("#tiles .tile", timeout=10_000)
    board.wait_for_selector("#chart canvas", timeout=10_000)  # uPlot drew the timeline
    assert board.evaluate("window.__csp") == []
    board.close()
