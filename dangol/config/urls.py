"""Top-level URL configuration: one include per domain app.

The language comes from the switch (cookie), not a URL prefix, so links stay the same
in Korean and English.
"""

from django.contrib import admin
from django.urls import include, path

from dangol.core import views as core_views
from dangol.core.home import views as home_views
from dangol.webanalytics import collect_views as webanalytics_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("dangol.config.api_urls")),
    path("accounts/", include("dangol.accounts.urls")),
    path("customers/", include("dangol.customers.urls")),
    path("products/", include("dangol.catalog.urls")),
    path("orders/", include("dangol.sales.urls")),
    path("analytics/", include("dangol.analytics.urls")),
    path("service/", include("dangol.service.urls")),
    path("pipeline/", include("dangol.sales.pipeline_urls")),
    path("portal/", include("dangol.portal.urls")),
    path("marketing/", include("dangol.marketing.urls")),
    path("integration/", include("dangol.integration.urls")),
    path("webanalytics/", include("dangol.webanalytics.urls")),
    path("collect", webanalytics_views.collect, name="webanalytics_collect"),
    path("automation/", include("dangol.automation.urls")),
    path("", include("dangol.core.audit.urls")),
    path("jobs/<int:pk>/", core_views.job_detail, name="job_detail"),
    path("settings/custom-fields/", include("dangol.core.customfields.urls")),
    path("home/widgets/<slug:name>/", home_views.home_widget_view, name="home_widget"),
    path("", home_views.home_view, name="home"),
]
