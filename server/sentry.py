"""Optional error alerting: Sentry, only when SENTRY_DSN is set (server/settings.py)."""

from __future__ import annotations


def sentry_init(dsn: str, environment: str) -> None:
    """Errors to Sentry, without personal data: no request bodies, no local variables (they
    hold residents' names and medicines), no user details."""
    import sentry_sdk  # imported only when SENTRY_DSN is set: no cost otherwise

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
    )
