from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeedConfig(AppConfig):
    """The demo data, and its `seed_demo` command: an app of its own so the seed (which builds
    every other app's rows) sits above them all and no domain app imports it."""

    name = "server.seed"
    verbose_name = _("Dữ liệu mẫu")
