"""/app/ serving: the shell, the worker's headers and file list, and what is never served."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "mobile_client"


def test_it_redirects_the_root_to_the_app(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/app/"


def test_it_serves_the_shell_revalidated_on_every_load(client):
    response = client.get("/app/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "no-cache"
    assert b'<script type="module" src="js/app.js">' in response.content


def test_it_serves_the_worker_unhashed_uncached_with_its_version_and_every_file(client):
    response = client.get("/app/sw.js")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/app/"
    body = response.content.decode()
    assert "__APP_VERSION__" not in body
    files = json.loads(re.search(r"const FILES = (\[.*?\]);", body).group(1))
    shipped = {
        p.relative_to(CLIENT).as_posix()
        for p in CLIENT.rglob("*")
        if p.suffix in {".js", ".css", ".json", ".png", ".webmanifest", ".html"}
        and "screenshots" not in p.parts  # the install dialog's, not needed offline
    }
    assert set(files) == {"./"} | (shipped - {"sw.js"})


def test_it_changes_the_worker_version_when_a_file_changes(client, settings, tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "sw.js").write_text((CLIENT / "sw.js").read_text())
    (tmp_path / "js" / "app.js").write_text("export const a = 1;")
    settings.MOBILE_CLIENT_DIR = tmp_path
    before = re.search(r"const VERSION = (\S+);", client.get("/app/sw.js").content.decode()).group(
        1
    )
    (tmp_path / "js" / "app.js").write_text("export const a = 2;")
    after = re.search(r"const VERSION = (\S+);", client.get("/app/sw.js").content.decode()).group(1)
    assert before != after


def test_it_serves_assets_cacheable_with_their_types(client):
    js = client.get("/app/js/app.js")
    assert js.status_code == 200
    assert js["Content-Type"].startswith("text/javascript")
    assert js["Cache-Control"].startswith("public, max-age=")
    manifest = client.get("/app/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    assert json.loads(manifest.content)["start_url"] == "/app/"
    assert client.get("/app/icons/icon-192.png")["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    "path",
    [
        "/app/icons/make_icons.py",
        "/app/../server/settings.py",
        "/app/%2e%2e/pyproject.toml",
        "/app/nope.js",
        "/app/js/",
    ],
)
def test_it_serves_nothing_outside_the_shipped_files(client, path):
    assert client.get(path).status_code == 404


def test_it_ships_the_same_keys_in_both_languages_and_every_key_the_code_uses():
    vi = json.loads((CLIENT / "i18n" / "vi.json").read_text())
    en = json.loads((CLIENT / "i18n" / "en.json").read_text())
    assert set(vi) == set(en)
    used = set()
    for path in (CLIENT / "js").rglob("*.js"):
        used |= set(re.findall(r"\bt\('([a-z0-9_.]+)'", path.read_text()))
    assert used - set(vi) == set()


def _shipped_code() -> list[str]:
    # sw.js too: its URL is the same, the server only fills in its version and file list.
    return [
        "/app/" + p.relative_to(CLIENT).as_posix()
        for p in sorted(CLIENT.rglob("*"))
        if p.suffix in {".js", ".css"}
    ]


def test_it_sends_at_most_150_kb_of_js_and_css_over_the_wire(client):
    # What a phone downloads on weak mobile data is what the server sends: the compressed
    # bodies (docs/performance.md, "Targets").
    sent = 0
    for url in _shipped_code():
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.status_code == 200, url
        assert response["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in response["Vary"], url
        sent += len(response.content)
    assert sent <= 150_000


def test_it_keeps_the_raw_js_and_css_under_200_kb():
    # Compression hides size on the wire, not on the phone: every byte is still parsed and
    # compiled on a cheap Android at each cold start, which must show the task list within
    # 1 s offline (docs/performance.md, "Targets"). 200 KB is about a third more than the app
    # held when the budget moved to the wire (149.3 KB): room for the stock screens, not for
    # a framework.
    total = sum(p.stat().st_size for p in CLIENT.rglob("*") if p.suffix in {".js", ".css"})
    assert total <= 200_000


def test_it_sends_the_same_bytes_uncompressed_to_a_client_without_gzip(client):
    for url in ("/app/js/app.js", "/app/css/app.css", "/app/sw.js", "/app/"):
        plain = client.get(url, HTTP_ACCEPT_ENCODING="identity")
        packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert "Content-Encoding" not in plain, url
        assert "Accept-Encoding" in plain["Vary"], url
        assert packed["Content-Encoding"] == "gzip", url
        assert gzip.decompress(packed.content) == plain.content, url
    icon = client.get("/app/icons/icon-192.png", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in icon  # already compressed


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_code_the_server_sends_has_a_phone_label(lang):
    from server.care.vocabulary import LABELS, vocabulary

    strings = json.loads((CLIENT / "i18n" / f"{lang}.json").read_text())
    vocab = vocabulary()
    missing = [
        f"{prefix}.{code}"
        for name, prefix in LABELS.items()
        for code in vocab[name]
        if f"{prefix}.{code}" not in strings
    ]
    assert missing == []
    # Every list of codes is labelled (a new list without a label prefix fails here).
    unlabelled = {k for k, v in vocab.items() if isinstance(v, list)} - set(LABELS)
    assert unlabelled <= {"open_statuses", "med_reason_required"}


def test_the_phone_shows_every_task_status_the_server_sends():
    from server.care.vocabulary import vocabulary

    source = (CLIENT / "js" / "ui" / "status.js").read_text()
    table = re.search(r"export const STATUS_LOOK = \{(.*?)\n\};", source, re.S).group(1)
    shown = set(re.findall(r"^\s*([a-z_]+): \{", table, re.M))
    assert set(vocabulary()["task_statuses"]) <= shown
