from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "dangol.portal"
    label = "portal"
    verbose_name = _("Portals")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from dangol.portal.middleware import portal_login_mark

        user_logged_in.connect(portal_login_mark, dispatch_uid="dangol.portal.login_mark")
