from django.urls import path

from dangol.sales import views

app_name = "sales"
urlpatterns = [
    path("", views.order_list_view, name="order_list"),
    path("export.<str:suffix>", views.order_export_view, name="order_export"),
    path("<int:pk>/", views.order_detail_view, name="order_detail"),
]
