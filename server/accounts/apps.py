from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "server.accounts"
    verbose_name = _("Nhân viên và thiết bị")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from server.accounts import services, tokens
        from server.accounts.models import User
        from sync import registry
        from sync.api import sync_call_answered

        registry.set_scope_provider(services.scope_of)
        registry.set_permission_checker(services.permits)
        post_save.connect(tokens.user_saved, sender=User, dispatch_uid="user_tokens_revoke")
        sync_call_answered.connect(services.device_seen, dispatch_uid="device_seen")
