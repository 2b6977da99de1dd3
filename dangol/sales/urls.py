from django.urls import path

from dangol.sales import views

app_name = "sales"
urlpatterns = [
    path("", views.order_list_view, name="order_list"),
    path("<int:pk>/", views.order_detail_view, name="order_detail"),
]
