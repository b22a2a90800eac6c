"""The PWA's files at /app/, with the headers a service worker needs.

- `/app/` and `/app/index.html`: the shell, revalidated on every load (no-cache).
- `/app/sw.js`: never hashed, never cached by HTTP (docs/architecture.md, "Traps": "served unhashed, at the
  scope it controls, with Cache-Control: no-cache"). Its VERSION is replaced by a digest of
  every shipped file, so any change to the app installs a new worker and a fresh cache.
- other assets: cacheable for a short while; the worker fetches them with cache: "reload".
- text files go out gzip-compressed when the client accepts it (docs/performance.md,
  "Targets": the budget counts the bytes sent), compressed once per file version.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

# Only these kinds of file are served: the folder may hold tools (icon generator) too.
SERVED_SUFFIXES = {".html", ".js", ".css", ".json", ".png", ".svg", ".webmanifest", ".txt"}
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
}
ASSET_MAX_AGE = 300
# Text compresses 3 to 4 times; PNG is compressed already. Below a few hundred bytes the gzip
# header costs more than it saves.
COMPRESSED_SUFFIXES = {".html", ".js", ".css", ".json", ".svg", ".webmanifest", ".txt"}
MIN_COMPRESSED_BYTES = 200
# As Django's GZipMiddleware reads it (which would compress what this leaves plain anyway).
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def client_dir() -> Path:
    return Path(settings.MOBILE_CLIENT_DIR).resolve()


def shipped_files() -> list[Path]:
    root = client_dir()
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in SERVED_SUFFIXES)


def _fingerprint() -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in shipped_files())


@lru_cache(maxsize=4)
def _version_for(fingerprint: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _, _ in fingerprint:
        digest.update(name.encode())
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()[:12]


def app_version() -> str:
    """A digest of the shipped files (cheap to recheck: stat only, until a file changes)."""
    return _version_for(_fingerprint())


def _resolve(relative: str) -> Path:
    root = client_dir()
    try:
        path = (root / relative).resolve()
        # No escaping the folder (../), no dot-files, only the served kinds.
        if root not in path.parents or path.suffix not in SERVED_SUFFIXES or not path.is_file():
            raise Http404("not an app file")
    except (ValueError, OSError) as exc:
        # A NUL in the URL (/app/%00.js) or a name the file system refuses (too long) is a
        # file we do not have, not a server error.
        raise Http404("not an app file") from exc
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        raise Http404("not an app file")
    return path


@lru_cache(maxsize=256)
def _gzipped(body: bytes) -> bytes:
    # Level 9 and no timestamp: the same file always gives the same bytes (the phone's cache
    # and any proxy see one version). Django's GZipMiddleware would pad each answer with
    # random bytes against BREACH, which matters only for answers holding secrets; these
    # files hold none.
    return gzip.compress(body, compresslevel=9, mtime=0)


def _encoded(request: HttpRequest, response: HttpResponse, body: bytes, suffix: str) -> None:
    """Sets the body, gzip-compressed when the client accepts it and it is worth it."""
    if suffix not in COMPRESSED_SUFFIXES:
        response.content = body
        return
    patch_vary_headers(response, ["Accept-Encoding"])
    accepted = request.headers.get("Accept-Encoding", "")
    if len(body) < MIN_COMPRESSED_BYTES or not _ACCEPTS_GZIP.search(accepted):
        response.content = body
        return
    response.content = _gzipped(body)
    response["Content-Encoding"] = "gzip"


def _file_response(request: HttpRequest, path: Path, *, cache_control: str) -> HttpResponse:
    content_type = (
        CONTENT_TYPES.get(path.suffix)
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )
    response = HttpResponse(content_type=content_type)
    _encoded(request, response, path.read_bytes(), path.suffix)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def root_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/app/")


@require_safe
def app_shell(request: HttpRequest) -> HttpResponse:
    return _file_response(request, _resolve("index.html"), cache_control="no-cache")


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    source = _resolve("sw.js").read_text(encoding="utf-8")
    root = client_dir()
    # The manifest's screenshots only serve the install dialog: not worth precaching.
    precached = [p for p in shipped_files() if p.name != "sw.js" and "screenshots" not in p.parts]
    files = ["./"] + [p.relative_to(root).as_posix() for p in precached]
    body = source.replace("'__APP_VERSION__'", json.dumps(app_version()), 1)
    body = re.sub(r"/\*__APP_FILES__\*/\[[^\]]*\]", lambda _: json.dumps(files), body, count=1)
    response = HttpResponse(content_type=CONTENT_TYPES[".js"])
    _encoded(request, response, body.encode(), ".js")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/app/"
    return response


@require_safe
def app_asset(request: HttpRequest, path: str) -> HttpResponse:
    target = _resolve(path)
    if target.name == "index.html":
        return _file_response(request, target, cache_control="no-cache")
    return _file_response(request, target, cache_control=f"public, max-age={ASSET_MAX_AGE}")
