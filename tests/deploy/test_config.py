"""deploy/ configuration: the nginx site renders and loads, limits match the API, and
.env.example lists every variable settings.py reads."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sync.protocol import MAX_BODY_BYTES

ROOT = Path(__file__).resolve().parents[2]
SITE = (ROOT / "deploy" / "nginx.conf").read_text()


def _stack():
    spec = importlib.util.spec_from_file_location("deploy_stack", ROOT / "deploy" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_limits_bodies_in_nginx_to_the_api_limit():
    size = re.search(r"client_max_body_size (\d+)m;", SITE)
    assert size and int(size.group(1)) * 1024 * 1024 == MAX_BODY_BYTES


def test_it_renders_the_site_for_other_paths_listen_address_and_workers():
    text = _stack().render_site(
        root="/opt/x",
        listen="127.0.0.1:9999",
        upstreams=["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"],
    )
    upstream = re.search(r"upstream catruc_web \{(.*?)\}", text, re.S).group(1)
    assert re.findall(r"server (\S+);", upstream) == [
        "127.0.0.1:7001",
        "127.0.0.1:7002",
        "127.0.0.1:7003",
    ]
    assert "/srv/catruc" not in text
    assert "alias /opt/x/mobile_client/index.html;" in text
    assert re.findall(r"^\s*listen ([^;]+);", text, re.M) == ["127.0.0.1:9999"]


@pytest.mark.skipif(
    not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="nginx not installed"
)
def test_it_renders_a_config_nginx_accepts(tmp_path):
    stack = _stack()
    (tmp_path / "logs").mkdir()
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "nginx" / kind).mkdir(parents=True)
    site = tmp_path / "site.conf"
    site.write_text(
        stack.render_site(
            root=str(ROOT),
            listen="127.0.0.1:9",
            upstreams=["127.0.0.1:8001"],
            log_dir=str(tmp_path / "logs"),
        )
    )
    main = tmp_path / "nginx.conf"
    main.write_text(stack.render_main(tmp_path, site).replace("user www-data www-data;\n", ""))
    result = subprocess.run(
        ["nginx", "-t", "-c", str(main), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    assert result.returncode == 0, result.stderr


def test_it_serves_the_service_worker_through_django_uncached():
    # sw.js is rendered by Django (its VERSION); nginx must not serve the raw file.
    block = re.search(r"location = /app/sw\.js \{(.*?)\}", SITE, re.S).group(1)
    assert "proxy_pass http://catruc_web;" in block
    for shell in ("location = /app/ ", "location = /app/index.html "):
        body = SITE.split(shell, 1)[1].split("}", 1)[0]
        assert 'Cache-Control "no-cache"' in body


def test_it_lists_every_setting_in_env_example():
    settings_py = (ROOT / "server" / "settings.py").read_text()
    read = set(
        re.findall(r'(?:environ\.get|env_bool|environ\[)\(?"([A-Z][A-Z0-9_]+)"', settings_py)
    )
    example = (ROOT / "deploy" / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.M))
    assert read, "the pattern no longer finds settings.py's variables"
    assert read - listed == set(), f"add to deploy/.env.example: {sorted(read - listed)}"
