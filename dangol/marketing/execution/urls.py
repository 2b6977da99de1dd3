"""Routes of campaign execution, added to ``marketing/urls.py`` (namespace ``marketing``)."""

from django.urls import path

from dangol.marketing.execution import views

urlpatterns = [
    path("t/o/<str:token>.gif", views.open_pixel, name="open"),
    path("t/c/<str:token>/", views.click, name="click"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("campaigns/<int:pk>/execution/", views.campaign_execution, name="campaign_execution"),
    path("campaigns/<int:pk>/execute/", views.campaign_execute, name="campaign_execute"),
    path(
        "campaigns/<int:pk>/conversions/",
        views.campaign_conversions,
        name="campaign_conversions",
    ),
    path("campaigns/<int:pk>/calls/assign/", views.call_list_assign, name="call_assign"),
    path("exports/<int:job_id>/download/", views.export_download, name="export_download"),
    path("calls/", views.my_call_list, name="my_calls"),
]
