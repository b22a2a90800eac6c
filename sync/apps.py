from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("Đồng bộ")

    def ready(self) -> None:
        from sync import conflict_handlers  # noqa: F401  registers conflict.resolve
