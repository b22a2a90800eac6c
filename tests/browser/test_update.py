"""The app keeps its data (persistent storage is asked for) and updates safely: a new version
waits, is announced, and the switch reloads the page, so no page mixes old and new modules."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sync.types import publish
from tests.browser.conftest import artifacts, login, new_phone, wait_synced, wait_worker
from tests.personas import make_centre
from tests.servers import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CLIENT = Path(__file__).resolve().parents[2] / "mobile_client"

# Records in the page which copy of a module it runs.
MARK = "\ndocument.documentElement.dataset.{key} = 'new';\n"


@pytest.fixture
def own_client(tmp_path, transactional_db):
    """A server whose app files are a copy this test may change."""
    client = tmp_path / "client"
    shutil.copytree(CLIENT, client)
    (tmp_path / "client_settings.py").write_text(
        f"from server.settings_test import *  # noqa\nMOBILE_CLIENT_DIR = {str(client)!r}\n"
    )
    server = ServerProcess(
        env={
            "DJANGO_SETTINGS_MODULE": "client_settings",
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        }
    ).start()
    try:
        yield server, client
    finally:
        server.stop()


def test_it_asks_to_keep_its_data_and_switches_versions_whole(own_client, chromium):
    server, client = own_client
    centre = make_centre()
    publish([centre.facility, centre.elderly])
    context, page = new_phone(chromium)
    page.add_init_script(
        "const ask = navigator.storage.persist.bind(navigator.storage);"
        "navigator.storage.persist = () => { window.__persistAsked = true; return ask(); };"
    )
    login(page, server.url, "carer")
    wait_synced(page)
    wait_worker(page)
    page.wait_for_function("window.__persistAsked === true")

    # A new version: the lazy medication screen and the boot module both change.
    with open(client / "js" / "ui" / "meds.js", "a") as f:
        f.write(MARK.format(key="meds"))
    with open(client / "js" / "app.js", "a") as f:
        f.write(MARK.format(key="app"))
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_selector("[data-update=ready]", timeout=20_000)
    assert "Có phiên bản mới" in page.inner_text("[data-update]")
    page.screenshot(path=str(artifacts() / "update-ready-360x740.png"))

    # Until the switch, a screen loaded now is the old one: the page runs one version.
    page.click("#nav a[data-tab=meds]")
    page.wait_for_selector("main h1")
    assert page.evaluate("document.documentElement.dataset.meds") is None

    page.click("[data-action=update]")
    page.wait_for_function("document.documentElement.dataset.app === 'new'", timeout=20_000)
    page.click("#nav a[data-tab=meds]")
    page.wait_for_function("document.documentElement.dataset.meds === 'new'")
    assert page.locator("[data-update]").count() == 0
    assert page.errors == []
    context.close()
