from django.urls import path

from dangol.webanalytics import collect_views, views

app_name = "webanalytics"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("reports/<slug:slug>/", views.report_view, name="report"),
    path("reports/<slug:slug>.csv", views.report_export_view, name="report_export"),
    path("test-pages/<slug:name>/", collect_views.test_page, name="test_page"),
]
