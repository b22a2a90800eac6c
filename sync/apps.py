from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    label = "sync"
    verbose_name = _("Đồng bộ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sync import conflict_handlers  # noqa: F401  registers conflict.resolve
