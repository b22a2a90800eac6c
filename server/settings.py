"""Settings, driven by the environment. Missing production values fail loudly.

With no DATABASE_URL the embedded default is SQLite; with no REDIS_URL the
in-memory channel layer and a local-memory cache. Everything else (CI, production)
points these at PostgreSQL and Redis.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from server.observability import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options: dict = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        pool_max = int(os.environ.get("DB_POOL_MAX", "0"))
        if pool_max:
            # A per-process psycopg pool: opening a PostgreSQL connection per request cost
            # ~8 % of a worker's time under load (docs/performance.md). Needs CONN_MAX_AGE 0.
            options["pool"] = {"min_size": min(2, pool_max), "max_size": pool_max, "timeout": 10}
        if env_bool("DB_PREPARED_STATEMENTS", True):
            # Only the sync call's first statement asks for it (sync/changes.py,
            # `read_with_heads`): PostgreSQL plans its six-table join once per connection
            # instead of on every call. Django's own cursors bind on the client and never
            # prepare. Off (0) behind PgBouncer < 1.21 in transaction mode (docs/performance.md).
            options.setdefault("prepare_threshold", 5)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 0
            if int(os.environ.get("DB_POOL_MAX", "0"))
            else int(os.environ.get("DB_CONN_MAX_AGE", "0")),
            "OPTIONS": options,
        }
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path) or ":memory:"}
    raise RuntimeError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r}")


DEBUG = env_bool("DEBUG", default=not os.environ.get("DATABASE_URL"))
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-ca-truc"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "sync",
    "server.accounts",
    "server.care",
    "server.meds",
    "server.stock",
    "server.kitchen",
    "server.hygiene",
    "server.live",
    "server.reports",
    "server.rota",
    "server.seed",  # seed_demo: above every domain app, imported by none
]

MIDDLEWARE = [
    "server.middleware.LeanSyncHeadersMiddleware",  # outside the ones it trims after
    "server.middleware.RequestLogMiddleware",  # request id + one access line (deploy/)
    "server.middleware.MetricsMiddleware",  # /metrics: requests, sync calls and events
    "django.middleware.security.SecurityMiddleware",
    "server.middleware.ContentSecurityPolicyMiddleware",  # the app, dashboard and report pages
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "server.urls"
ASGI_APPLICATION = "server.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "server" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "catruc.sqlite3")),
            # SQLite serialises writers; a generous timeout keeps concurrent test servers honest.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
            # A file, not :memory:, so a uvicorn subprocess in end-to-end tests sees the same data.
            "TEST": {
                "NAME": os.environ.get("SQLITE_TEST_PATH", str(BASE_DIR / "var" / "test.sqlite3"))
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # No client read timeout, as before redis-py 8 and as channels-redis expects: its
                # receive is a blocking pop, and redis-py 8's new 5 s default closed every idle
                # socket every 5 s (tests/sync/test_live.py); a finite timeout (30 s) left
                # cancelled receives waiting in the socket tests (tests/live/test_first_message_auth.py).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": os.environ.get("CHANNEL_PREFIX", "catruc"),
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CHANNEL_PREFIX", "catruc"),
            # One pool per process, not one per request (server/cache_pool.py).
            "OPTIONS": {"pool_class": "server.cache_pool.SharedConnectionPool"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS: list[dict] = []

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "vi")
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# The project's catalogues (msgids in Vietnamese, the product's language), compiled to .mo
# by `./dev`, the Dockerfile and an install: deploy/README.md, "Languages".
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS: list[Path] = []
MOBILE_CLIENT_DIR = BASE_DIR / "mobile_client"

# The sync call may carry 500 events; 5 MB is the documented limit (413 above it).
SYNC_MAX_BODY_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = SYNC_MAX_BODY_BYTES + 1024
# Sync calls per device per window (429 + Retry-After above it). A phone syncs every minute,
# on pokes and page by page; the limit only stops retry loops and scripts. 0 turns it off.
SYNC_RATE_LIMIT = int(os.environ.get("SYNC_RATE_LIMIT", "120"))
SYNC_RATE_WINDOW_SECONDS = int(os.environ.get("SYNC_RATE_WINDOW_SECONDS", "60"))

# The printable papers (/reports/) log in with a web session; the admin keeps its own page.
LOGIN_URL = "/reports/login/"
# Login throttling: failures per (username, client address) inside a window.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
# Every password check goes through the login throttle (server/accounts/throttle.py).
AUTHENTICATION_BACKENDS = ["server.accounts.throttle.ThrottledModelBackend"]
# A phone's token unused for this many days stops working (401 token_expired).
TOKEN_IDLE_DAYS = int(os.environ.get("TOKEN_IDLE_DAYS", "30"))
# Peers whose X-Real-IP header is believed (the reverse proxy); everyone else is their own address.
TRUSTED_PROXIES = frozenset(
    p.strip() for p in os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()
)

# /metrics (server/observability.py) answers loopback and TRUSTED_PROXIES, or a request carrying
# this token as `Authorization: Bearer …` (a scraper on another machine). Default: empty.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Errors to Sentry when set; sentry-sdk is not even imported otherwise.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from server.sentry import sentry_init

    sentry_init(SENTRY_DSN, os.environ.get("SENTRY_ENVIRONMENT", "production"))

# Days of tasks materialised ahead, so an offline phone already holds tomorrow's list.
TASK_HORIZON_DAYS = int(os.environ.get("TASK_HORIZON_DAYS", "3"))

# Live dashboard (server/live/dashboard): shift starts in the facility's local time (a facility
# may override them with its "dashboard_shifts" setting), timeline slot width, and how often an
# open dashboard re-checks what only the clock changes (tasks turning late, the shift ending).
DASHBOARD_SHIFTS = os.environ.get("DASHBOARD_SHIFTS", "day=06:00,night=18:00")
DASHBOARD_SLOT_MINUTES = int(os.environ.get("DASHBOARD_SLOT_MINUTES", "30"))
DASHBOARD_TICK_SECONDS = float(os.environ.get("DASHBOARD_TICK_SECONDS", "30"))

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo1234")

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# JSON lines in production (one object per line, with request/user/device ids), text in DEBUG.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# The embedded default serves static files through WhiteNoise; production lets nginx do it.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
