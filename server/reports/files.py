"""Downloads with Vietnamese file names: Content-Disposition carries an ASCII fallback and
the real name as RFC 5987 `filename*`, so every browser saves 'Báo cáo tháng 11-2026 …'."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv; charset=utf-8"


def ascii_name(name: str) -> str:
    """'Báo cáo tháng 11-2026' → 'Bao-cao-thang-11-2026' (đ has no decomposition)."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in plain)


def disposition(name: str) -> str:
    return f"attachment; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name)}"


def attachment(body: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = disposition(name)
    return response


def streamed(chunks, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=CSV)
    response["Content-Disposition"] = disposition(name)
    return response
