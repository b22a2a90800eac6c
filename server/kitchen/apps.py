from django.apps import AppConfig


class KitchenConfig(AppConfig):
    name = "server.kitchen"
    label = "kitchen"
    default_auto_field = "django.db.models.BigAutoField"
