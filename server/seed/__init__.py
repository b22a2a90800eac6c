"""Demo data drawn from the seed texts (Bạc Liêu and Nam Định centres): plain Python, not an app.

`server.seed.demo.demo_seed()` builds both centres idempotently; `manage.py seed_demo` calls it.
"""
