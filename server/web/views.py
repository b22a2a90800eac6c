"""The PWA's files at /app/, with the headers a service worker needs.

- `/app/` and `/app/index.html`: the shell, revalidated on every load (no-cache).
- `/app/sw.js`: never hashed, never cached by HTTP (docs/architecture.md, "Traps": "served unhashed, at the
  scope it controls, with Cache-Control: no-cache"). Its VERSION is replaced by a digest of
  every shipped file, so any change to the app installs a new worker and a fresh cache.
- other assets: cacheable for a short while; the worker fetches them with cache: "reload".
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
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


def _file_response(path: Path, *, cache_control: str) -> HttpResponse:
    content_type = (
        CONTENT_TYPES.get(path.suffix)
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )
    response = HttpResponse(path.read_bytes(), content_type=content_type)
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def root_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/app/")


@require_safe
def app_shell(request: HttpRequest) -> HttpResponse:
    return _file_response(_resolve("index.html"), cache_control="no-cache")


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    source = _resolve("sw.js").read_text(encoding="utf-8")
    root = client_dir()
    # The manifest's screenshots only serve the install dialog: not worth precaching.
    precached = [p for p in shipped_files() if p.name != "sw.js" and "screenshots" not in p.parts]
    files = ["./"] + [p.relative_to(root).as_posix() for p in precached]
    body = source.replace("'__APP_VERSION__'", json.dumps(app_version()), 1)
    body = re.sub(r"/\*__APP_FILES__\*/\[[^\]]*\]", lambda _: json.dumps(files), body, count=1)
    response = HttpResponse(body, content_type=CONTENT_TYPES[".js"])
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/app/"
    return response


@require_safe
def app_asset(request: HttpRequest, path: str) -> HttpResponse:
    target = _resolve(path)
    if target.name == "index.html":
        return _file_response(target, cache_control="no-cache")
    return _file_response(target, cache_control=f"public, max-age={ASSET_MAX_AGE}")
