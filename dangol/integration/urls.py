from django.urls import path

from dangol.integration import views

app_name = "integration"
urlpatterns = [
    path("imports/", views.import_page, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/summary/", views.import_summary, name="import_summary"),
    path("imports/<int:pk>/rejects.csv", views.import_rejects, name="import_rejects"),
]
