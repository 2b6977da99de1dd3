from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dangol.accounts"
    label = "accounts"
    verbose_name = _("Users and teams")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from dangol.accounts.security.middleware import two_factor_login_mark

        # Auth plumbing, not domain logic: decide at login whether a second factor is owed.
        user_logged_in.connect(two_factor_login_mark, dispatch_uid="dangol.accounts.2fa_mark")
