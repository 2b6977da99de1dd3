from django.urls import path

from dangol.analytics import views
from dangol.analytics.churn import views as churn_views
from dangol.analytics.modelcards import views as model_views
from dangol.analytics.response import views as response_views

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
    path("models/", model_views.model_list_view, name="model_list"),
    path("models/<int:pk>/", model_views.model_detail_view, name="model_detail"),
    path(
        "models/<slug:kind>/<slug:action>/",
        model_views.model_job_start_view,
        name="model_job_start",
    ),
    path("churn/at-risk/", churn_views.at_risk_view, name="churn_at_risk"),
    path("churn/at-risk.csv", churn_views.at_risk_export_view, name="churn_at_risk_export"),
    path("response/", response_views.study_list_view, name="response"),
    path("response/<int:pk>/", response_views.study_detail_view, name="response_study"),
    path(
        "response/models/<int:pk>/score/",
        response_views.model_score_view,
        name="response_model_score",
    ),
    path("recommend/", response_views.recommend_view, name="recommend"),
]
