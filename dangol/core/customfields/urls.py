from django.urls import path

from dangol.core.customfields import views

app_name = "customfields"

urlpatterns = [
    path("", views.definition_list, name="list"),
    path("new/", views.definition_create, name="create"),
    path("<int:pk>/", views.definition_edit, name="edit"),
    path("<int:pk>/archive/", views.definition_archive, name="archive"),
    path("<int:pk>/delete/", views.definition_delete, name="delete"),
    path("values/<str:entity>/<int:pk>/", views.record_edit, name="record_edit"),
]
