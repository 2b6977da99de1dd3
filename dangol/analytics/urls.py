from django.urls import path

from dangol.analytics import views

app_name = "analytics"
urlpatterns = [
    path("pivot/", views.pivot_view, name="pivot"),
    path("pivot/export.csv", views.pivot_export_view, name="pivot_export"),
]
