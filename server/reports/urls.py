from django.urls import path

from server.reports import views
from server.reports.web_login import login_page, logout_page

urlpatterns = [
    path("", views.index_page, name="reports"),
    path("login/", login_page, name="reports-login"),
    path("logout/", logout_page, name="reports-logout"),
    path("monthly/<slug:code>/<str:month>/", views.monthly_page, name="report-monthly"),
    path(
        "periodic/<slug:code>/<str:kind>/<str:year>/",
        views.periodic_page,
        name="report-periodic",
    ),
    path("food-safety/<slug:code>/<str:day>/", views.food_safety_page, name="report-food-safety"),
    path("food-safety/<slug:code>/<str:day>/labels/", views.labels_page, name="report-labels"),
    path("stock/<slug:code>/<str:month>/", views.stock_page, name="report-stock"),
    path("export/<slug:code>/", views.export_page, name="report-export"),
    path("pick/<slug:code>/<slug:paper>/", views.pick_page, name="report-pick"),
]
