from tests.papers import november  # noqa: F401  (the papers' fixture month)
