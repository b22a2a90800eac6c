from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "server.live"
    verbose_name = _("Bảng trực")

    def ready(self) -> None:
        from server.accounts.services import device_changed
        from server.live.dashboard.rota_watch import rota_watch
        from server.live.groups import dashboard_facts_send, device_fact_send, pokes_send
        from sync import registry

        registry.on_commit(pokes_send)
        registry.on_commit(dashboard_facts_send)
        rota_watch()
        device_changed.connect(device_fact_send, dispatch_uid="dashboard-device")
