from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from server.api import api
from server.health import healthz
from server.observability import metrics_view

admin.site.site_header = _("Ca Trực — quản trị trung tâm")
admin.site.site_title = "Ca Trực"
admin.site.index_title = _("Thiết lập trung tâm")

handler500 = "server.api.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("dashboard/", include("server.live.dashboard.urls")),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("reports/", include("server.reports.urls")),
    path("", include("server.web.urls")),
]
