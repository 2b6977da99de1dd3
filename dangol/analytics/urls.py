from django.urls import path

from dangol.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("pivot/", views.pivot_view, name="pivot"),
    path("pivot/export.csv", views.pivot_export_view, name="pivot_export"),
    path("rfm/", views.rfm_view, name="rfm"),
    path("pareto/", views.pareto_view, name="pareto"),
    path("profitability/", views.profitability_view, name="profitability"),
    path("profitability/export.csv", views.profitability_export_view, name="profitability_export"),
    path("cohorts/", views.cohorts_view, name="cohorts"),
    path("cohorts/export.csv", views.cohorts_export_view, name="cohorts_export"),
    path("wallet/", views.wallet_view, name="wallet"),
    path("wallet/export.csv", views.wallet_export_view, name="wallet_export"),
    path("warehouse/", views.warehouse_view, name="warehouse"),
    path("warehouse/refresh", views.warehouse_refresh_view, name="warehouse_refresh"),
]
