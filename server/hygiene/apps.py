from django.apps import AppConfig


class HygieneConfig(AppConfig):
    name = "server.hygiene"
    label = "hygiene"
    default_auto_field = "django.db.models.BigAutoField"
