"""Routes of the marketing app (namespace ``marketing``)."""

from django.urls import path

from dangol.marketing import views
from dangol.marketing.execution.urls import urlpatterns as execution_urlpatterns

app_name = "marketing"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("segments/", views.segment_list_view, name="segment_list"),
    path("segments/new/", views.segment_edit_view, name="segment_new"),
    path("segments/builder/", views.segment_builder_view, name="segment_builder"),
    path("segments/count/", views.segment_count_view, name="segment_count"),
    path("segments/<int:pk>/", views.segment_edit_view, name="segment_edit"),
    path("segments/<int:pk>/snapshot/", views.segment_snapshot_view, name="segment_snapshot"),
    path("campaigns/", views.campaign_list_view, name="campaign_list"),
    path("campaigns/new/", views.campaign_edit_view, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail_view, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit_view, name="campaign_edit"),
    path("campaigns/<int:pk>/status/", views.campaign_status_view, name="campaign_status"),
    path(
        "customers/<int:pk>/next-best-offer/",
        views.next_best_offer_view,
        name="next_best_offer",
    ),
]
# Campaign execution: tracking endpoints, unsubscribe, exports, call lists.
urlpatterns += execution_urlpatterns
