from django.urls import path

from server.reports.views import monthly_page

urlpatterns = [
    path("monthly/<slug:code>/<str:month>/", monthly_page, name="report-monthly"),
]
