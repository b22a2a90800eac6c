"""deploy/ configuration: the nginx site renders and loads, limits match the API, and
.env.example lists every variable settings.py reads."""

from __future__ import annotations

import importlib.util
import ipaddress
import json
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
    assert "alias /opt/x/mobile_client/$app_file;" in text
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
    # So is the shell (its headers, CSP included, come from server/web/views.py); an alias
    # to index.html under a location ending in "/" answered 500 (test_local_stack.py).
    for shell in ("location = /app/ ", "location = /app/index.html "):
        body = SITE.split(shell, 1)[1].split("}", 1)[0]
        assert body.strip() == "{\n        proxy_pass http://catruc_web;"


def _forwarded_allow_ips() -> dict[str, str]:
    """The addresses uvicorn believes X-Forwarded-For from, in each way of running it."""
    import yaml

    shapes = {}
    unit = (ROOT / "deploy" / "systemd" / "catruc-web@.service").read_text()
    exec_start = re.search(r"^ExecStart=((?:.*\\\n)*.*)$", unit, re.M).group(1)
    shapes["systemd"] = re.search(r"--forwarded-allow-ips[ =](\S+)", exec_start).group(1)
    argv = _stack().web_argv(8001)
    shapes["local-stack"] = argv[argv.index("--forwarded-allow-ips") + 1]
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    app_stage = dockerfile.split("FROM app AS site")[0]
    cmd_text = re.search(r"^CMD (\[.*?\])$", app_stage, re.M | re.S).group(1)
    cmd = json.loads(cmd_text.replace("\\\n", ""))
    assert "--proxy-headers" in cmd and "--forwarded-allow-ips" not in cmd
    shapes["Dockerfile"] = re.search(r"^ENV FORWARDED_ALLOW_IPS=(\S+)$", app_stage, re.M).group(1)
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    proxy_address = compose["services"]["proxy"]["networks"]["backend"]["ipv4_address"]
    for name in ("web", "worker", "migrate"):
        env = compose["services"][name]["environment"]
        shapes[f"compose {name}"] = env["FORWARDED_ALLOW_IPS"]
        assert env["FORWARDED_ALLOW_IPS"] == proxy_address
        assert env["TRUSTED_PROXIES"] == proxy_address
    return shapes


def test_it_believes_forwarded_headers_only_from_the_proxy_in_every_shape():
    shapes = _forwarded_allow_ips()
    assert set(shapes) == {
        "systemd",
        "local-stack",
        "Dockerfile",
        "compose web",
        "compose worker",
        "compose migrate",
    }
    for shape, value in shapes.items():
        for address in value.split(","):
            assert ipaddress.ip_address(address).is_private, (shape, value)  # no "*", no network
    # nginx is the edge: it replaces a client's X-Forwarded-For rather than appending to it.
    assert re.findall(r"proxy_set_header X-Forwarded-For (\S+);", SITE) == ["$remote_addr"]


def test_it_lists_every_setting_in_env_example():
    settings_py = (ROOT / "server" / "settings.py").read_text()
    read = set(
        re.findall(r'(?:environ\.get|env_bool|environ\[)\(?"([A-Z][A-Z0-9_]+)"', settings_py)
    )
    example = (ROOT / "deploy" / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.M))
    assert read, "the pattern no longer finds settings.py's variables"
    assert read - listed == set(), f"add to deploy/.env.example: {sorted(read - listed)}"
