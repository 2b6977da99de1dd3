from django.urls import path

from dangol.analytics import views
from dangol.analytics.churn import views as churn_views
from dangol.analytics.modelcards import views as model_views

app_name = "analytics"
urlpatterns = [
    path("pivot/", views.pivot_view, name="pivot"),
    path("pivot/export.csv", views.pivot_export_view, name="pivot_export"),
    path("models/", model_views.model_list_view, name="model_list"),
    path("models/<int:pk>/", model_views.model_detail_view, name="model_detail"),
    path(
        "models/<slug:kind>/<slug:action>/",
        model_views.model_job_start_view,
        name="model_job_start",
    ),
    path("churn/at-risk/", churn_views.at_risk_view, name="churn_at_risk"),
    path("churn/at-risk.csv", churn_views.at_risk_export_view, name="churn_at_risk_export"),
]
