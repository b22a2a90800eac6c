"""ASGI entry: HTTP goes to Django, websockets to Channels (server.live.routing).

The sync call goes to Django too, through the one-hop handler (server/one_hop.py)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

from server.body_limit import BodyLimitMiddleware  # noqa: E402

django_asgi_app = get_asgi_application()

from server.one_hop import OneHopHandler, OneHopRoute  # noqa: E402

http_app = BodyLimitMiddleware(OneHopRoute(django_asgi_app, OneHopHandler()))

from server.live.routing import websocket_urlpatterns  # noqa: E402
from server.observability import SocketGauge  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": SocketGauge(URLRouter(websocket_urlpatterns)),
    }
)

from server.process import worker_ready  # noqa: E402

worker_ready()
