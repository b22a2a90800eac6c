"""Imported first by the benches run as `python bench/<name>.py`, from whatever Python runs
them: it switches to the project's venv (re-executing the script there), then puts the
project's root and bench/ on the import path (`sync.client`, `server`, `peers`, ...).
Standard library only: it runs before anything is known to be installed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
if sys.prefix == sys.base_prefix and _VENV_PYTHON.exists():
    os.execv(str(_VENV_PYTHON), [str(_VENV_PYTHON), *sys.argv])
for _path in (str(ROOT), str(ROOT / "bench")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
