from django.urls import path

from server.live.consumers import DashboardConsumer, LiveConsumer

websocket_urlpatterns = [
    path("ws/v1/live", LiveConsumer.as_asgi()),
    path("ws/v1/dashboard", DashboardConsumer.as_asgi()),
]
