from django.urls import path

from dangol.automation import views

app_name = "automation"

urlpatterns = [
    path("", views.rule_list_view, name="rule_list"),
    path("rules/new/", views.rule_edit_view, name="rule_new"),
    path("rules/form/", views.rule_form_view, name="rule_form"),
    path("rules/<int:pk>/", views.rule_edit_view, name="rule_edit"),
    path("rules/<int:pk>/active/", views.rule_active_view, name="rule_active"),
    path("rules/<int:pk>/delete/", views.rule_delete_view, name="rule_delete"),
    path("rules/<int:pk>/runs/", views.rule_runs_view, name="rule_runs"),
    path("rules/<int:pk>/test/", views.rule_test_view, name="rule_test"),
    path("templates/", views.template_list_view, name="template_list"),
    path("templates/new/", views.template_edit_view, name="template_new"),
    path("templates/<int:pk>/", views.template_edit_view, name="template_edit"),
]
