from django.urls import path

from server.live.consumers import LiveConsumer
from server.live.dashboard.consumer import DashboardConsumer

websocket_urlpatterns = [
    path("ws/v1/live", LiveConsumer.as_asgi()),
    path("ws/v1/dashboard", DashboardConsumer.as_asgi()),
]
