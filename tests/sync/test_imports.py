"""sync/protocol.py (with the clocks) and sync/client/ import no Django (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_imports_the_protocol_core_without_django():
    code = (
        "import sys\n"
        "import sync.protocol, sync.client\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'ninja', 'channels')))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert out.stdout.strip() == ""
