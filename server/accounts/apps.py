from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "server.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from server.accounts import services
        from sync import registry

        registry.set_scope_provider(services.scope_of)
        registry.set_permission_checker(services.permits)
