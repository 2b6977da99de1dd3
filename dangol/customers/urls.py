from django.urls import path

from dangol.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list_view, name="list"),
    path("export.<str:suffix>", views.customer_export_view, name="export"),
    path("<int:pk>/", views.customer_detail_view, name="detail"),
    path("duplicates/", views.customer_duplicates_view, name="duplicates"),
    path("<int:pk>/timeline/", views.customer_timeline_view, name="timeline"),
]
