from django.urls import path

from dangol.webanalytics import views

app_name = "webanalytics"

urlpatterns = [
    path("test-pages/<slug:name>/", views.test_page, name="test_page"),
]
