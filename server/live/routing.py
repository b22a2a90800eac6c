from django.urls import path

from server.live.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/v1/live", LiveConsumer.as_asgi()),
]
