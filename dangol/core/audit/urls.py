from django.urls import path

from dangol.core.audit import views

app_name = "audit"
urlpatterns = [
    path("trash/", views.trash_list_view, name="trash"),
    path("history/<str:kind>/<int:pk>/", views.history_view, name="history"),
    path("history/<str:kind>/<int:pk>/revert/", views.revert_view, name="revert"),
    path("history/<str:kind>/<int:pk>/trash/", views.trash_view, name="trash_record"),
    path("history/<str:kind>/<int:pk>/restore/", views.restore_view, name="restore"),
    path("history/<str:kind>/<int:pk>/purge/", views.purge_view, name="purge"),
    path("privacy/customers/<int:pk>/export/", views.privacy_export_view, name="privacy_export"),
    path("privacy/customers/<int:pk>/erase/", views.privacy_erase_view, name="privacy_erase"),
]
