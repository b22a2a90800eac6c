from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "server.rota"
    label = "rota"
    default_auto_field = "django.db.models.BigAutoField"
