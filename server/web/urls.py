from django.urls import path

from server.web import views

urlpatterns = [
    path("", views.root_redirect, name="root"),
    path("app/", views.app_shell, name="app"),
    path("app/sw.js", views.service_worker, name="app-sw"),
    path("app/<path:path>", views.app_asset, name="app-asset"),
]
