"""What-if settings for `bench/sync_vs_pouchdb.py --db-pool`: the project's settings plus
Django's PostgreSQL connection pool (Django ≥ 5.1, psycopg_pool installed into
bench/.work/pool). Under ASGI every request runs in its own thread context, so without a
pool each request opens a new database connection."""

from server.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 - pooling refuses persistent connections
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 4}  # noqa: F405
