"""JSON responses with the error shape every client relies on: {code, message, ...}."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type="application/json",
    )


def error(status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return json_response({"code": code, "message": message, **extra}, status)
