"""The lock files (requirements/base.txt for production, requirements/dev.txt for ./dev and
CI) pin every dependency pyproject.toml names, with hashes, inside pyproject's ranges; and
every way of installing goes through them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _locked(name: str) -> dict[str, tuple[Version, list[str]]]:
    """{package: (version, hashes)} from a pip-compile --generate-hashes file."""
    text = (ROOT / "requirements" / name).read_text()
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        found = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?:\s*;[^\\\n]*)?\s*\\?\n", block)
        if found:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            pins[canonicalize_name(found.group(1))] = (Version(found.group(2)), hashes)
    return pins


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("base.txt", PYPROJECT["dependencies"]),
        ("dev.txt", PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["dev"]),
    ],
)
def test_it_locks_every_dependency_of_pyproject_with_hashes(lock, requirements):
    pins = _locked(lock)
    assert len(pins) > len(requirements)  # the transitive ones too
    for line in requirements:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements/{lock}: run pip-compile"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (name, str(version))
    unhashed = [name for name, (_, hashes) in pins.items() if not hashes]
    assert unhashed == []


def test_it_locks_the_runtime_the_same_in_both_files():
    base, dev = _locked("base.txt"), _locked("dev.txt")
    differing = {n: (v, dev[n][0]) for n, (v, _) in base.items() if dev.get(n, (v,))[0] != v}
    assert differing == {}, "regenerate both lock files together"


def test_every_install_goes_through_a_lock():
    dev_script = (ROOT / "dev").read_text()
    assert 'LOCK="$ROOT/requirements/dev.txt"' in dev_script
    assert re.findall(r"pip install (.*)", dev_script) == [
        '-q --require-hashes -r "$LOCK"',
        "-q --no-deps --no-build-isolation -e .",  # the project alone, built with locked tools
    ]
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/base.txt" in dockerfile
    assert "pip install -q ." not in dockerfile
    guide = (ROOT / "deploy" / "README.md").read_text()
    assert "pip install --require-hashes -r requirements/base.txt" in guide
    assert "pip install ." not in guide
    assert (
        "--require-hashes -r requirements/base.txt" in (ROOT / "deploy" / "local-stack").read_text()
    )
