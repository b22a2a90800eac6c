"""Serves the phone app (mobile_client/) at /app/, and the small read APIs it needs."""
