"""Building sync events the way a phone does."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone

_seq = itertools.count(1)


def event(
    name: str,
    args: dict[str, Any],
    *,
    at: datetime | None = None,
    seq: int | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": event_id or str(uuid.uuid4()),
        "device_seq": seq if seq is not None else next(_seq),
        "name": name,
        "at": (at or timezone.now()).isoformat(),
        "hlc": "",
        "args": {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in args.items()},
    }
