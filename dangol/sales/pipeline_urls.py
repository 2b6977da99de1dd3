from django.urls import path

from dangol.sales import pipeline_views as views

app_name = "pipeline"

urlpatterns = [
    path("", views.board, name="board"),
    path("export.<str:suffix>", views.opportunity_export, name="opportunity_export"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("forecast/", views.forecast, name="forecast"),
    path("tasks/", views.task_list, name="tasks"),
    path("contact/", views.lead_form_public, name="lead_form_public"),
]
