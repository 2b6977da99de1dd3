from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebAnalyticsConfig(AppConfig):
    name = "dangol.webanalytics"
    label = "webanalytics"
    verbose_name = _("Web analytics")
