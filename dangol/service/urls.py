from django.urls import path

from dangol.service import views, workspace

app_name = "service"

urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("export.<str:suffix>", views.ticket_export, name="ticket_export"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    *[
        path(
            f"tickets/<int:pk>/{action}/",
            views.ticket_action,
            {"action": action},
            name=f"ticket_{action}",
        )
        for action in ("reply", "note", "status", "assign")
    ],
    path("contact/", views.contact, name="contact"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("reports/voc/", views.voc_report, name="voc"),
    path("agent/", workspace.agent_search, name="agent"),
    path("agent/<int:pk>/", workspace.agent_customer, name="agent_customer"),
]
