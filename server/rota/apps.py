from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotaConfig(AppConfig):
    name = "server.rota"
    verbose_name = _("Lịch trực")
