"""The phone's built-in copies of the server's codes and settings, for a facility it cached
before the server sent them (`FALLBACK` and `DEFAULTS` in mobile_client/js/rules.js), are the
server's own: a copy that drifts would let a phone offer a code the server refuses, or show a
carer another role's screens, until the facility is saved again (docs/protocol.md, "Facility
settings and vocabulary"). Node reads the module as the browser does."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.care.models import Facility
from server.care.vocabulary import facility_settings, vocabulary

PHONE_RULES = Path(__file__).resolve().parents[2] / "mobile_client" / "js" / "rules.js"


@pytest.fixture(scope="module")
def phone() -> dict:
    node = shutil.which("node")
    assert node, "Node.js is part of the machine every build runs on"
    script = f"import {{ FALLBACK, DEFAULTS }} from {json.dumps(PHONE_RULES.as_uri())};"
    script += "console.log(JSON.stringify({ FALLBACK, DEFAULTS }));"
    out = subprocess.run(
        [node, "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(out.stdout)


def drifted(kept: dict, sent: dict) -> dict:
    return {
        name: {"phone": value, "server": sent.get(name)}
        for name, value in kept.items()
        if sent.get(name) != value
    }


def test_every_code_list_the_phone_keeps_is_the_servers(phone):
    assert drifted(phone["FALLBACK"], vocabulary()) == {}


def test_every_setting_default_the_phone_keeps_is_the_servers(phone):
    assert drifted(phone["DEFAULTS"], facility_settings(Facility(settings={}))) == {}


def test_the_phone_asks_the_server_who_sees_what_and_who_is_in_care(phone):
    from server.accounts.roles import FACILITY_WIDE_ROLES, MANAGER_ACTION_ROLES
    from server.care.models import CLOSED_STATUSES

    sent = vocabulary()
    assert sent["facility_wide_roles"] == sorted(FACILITY_WIDE_ROLES)
    assert sent["manager_roles"] == sorted(MANAGER_ACTION_ROLES)
    assert sent["closed_statuses"] == sorted(s.value for s in CLOSED_STATUSES)
    for name in ("facility_wide_roles", "manager_roles", "closed_statuses", "stock_limits"):
        assert name in phone["FALLBACK"], name
    # No screen decides who sees what, or who is still in care, from a list of its own.
    client = PHONE_RULES.parent
    for path in [*client.glob("*.js"), *client.glob("ui/*.js")]:
        text = path.read_text()
        for own_list in ("'nurse', 'manager'", "'manager', 'admin'", "'discharged', 'deceased'"):
            assert own_list not in text, (path, own_list)
