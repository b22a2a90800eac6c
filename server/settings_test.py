"""Test overlay: the real settings, with a throwaway key and fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from server.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests never run collectstatic: let WhiteNoise find files in place (and not warn about an
# empty STATIC_ROOT once per request when DATABASE_URL turns DEBUG off).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
