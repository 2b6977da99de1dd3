"""Routes of the marketing app (namespace ``marketing``)."""

from django.urls import path  # noqa: F401 - the campaign and segment pages add theirs here

from dangol.marketing.execution.urls import urlpatterns as execution_urlpatterns

app_name = "marketing"
urlpatterns = []
# Campaign execution: tracking endpoints, unsubscribe, exports, call lists.
urlpatterns += execution_urlpatterns
