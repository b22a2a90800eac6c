"""The project's JSON answers, with the wire contract's error shape {code, message, ...}
(docs/protocol.md). Every API of the project answers through these, so a phone reads one error
shape wherever it calls; they live in the engine because the sync endpoint answers with them
and the engine imports no app."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

_DJANGO = DjangoJSONEncoder()


def _encode(body: dict[str, Any]) -> bytes:
    # orjson for speed (a pull of 1,000 changes); datetimes and what it does not know go to
    # Django's encoder, so the text is what json.dumps(cls=DjangoJSONEncoder) gave; what it
    # refuses outright (a non-string key) is written by json itself.
    try:
        return orjson.dumps(body, default=_DJANGO.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError:
        return json.dumps(
            body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
        ).encode()


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(_encode(body), status=status, content_type="application/json")


def error(status: int, code: str, message: _StrOrPromise, **extra: Any) -> HttpResponse:
    return json_response({"code": code, "message": str(message), **extra}, status)
