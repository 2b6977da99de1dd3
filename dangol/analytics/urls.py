from django.urls import path

from dangol.analytics import views
from dangol.analytics.response import views as response_views

app_name = "analytics"
urlpatterns = [
    path("pivot/", views.pivot_view, name="pivot"),
    path("pivot/export.csv", views.pivot_export_view, name="pivot_export"),
    path("response/", response_views.study_list_view, name="response"),
    path("response/<int:pk>/", response_views.study_detail_view, name="response_study"),
    path(
        "response/models/<int:pk>/score/",
        response_views.model_score_view,
        name="response_model_score",
    ),
    path("recommend/", response_views.recommend_view, name="recommend"),
]
