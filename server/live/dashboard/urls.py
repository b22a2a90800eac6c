from django.urls import path

from server.live.dashboard.views import dashboard_page

urlpatterns = [
    path("", dashboard_page, name="dashboard"),
]
