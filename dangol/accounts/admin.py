from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from dangol.accounts.models import ApiToken, LoginThrottle, Notification, Team, TotpDevice, User
from dangol.accounts.security.forms import AdminLoginForm

# The admin's own login counts failures and shows locks like the staff login.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Dangol"), {"fields": ("team", "language", "notify_by_email")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "team", "is_staff")
    list_filter = ("team", "groups", "is_staff", "is_active")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with ``dangol apitoken create`` (the plaintext is shown once)."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Revoke selected API tokens"))
    def revoke_selected(self, request, queryset) -> None:
        from dangol.accounts.services import api_token_revoke

        for token in queryset:
            api_token_revoke(token=token)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "text", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
    readonly_fields = ("user", "kind", "text", "url", "read_at")


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Failed-login counts and locks; an administrator lifts a lock with the action."""

    list_display = ("scope", "key", "failures", "locked_until", "locks", "last_failure_at")
    list_filter = ("scope",)
    search_fields = ("key",)
    readonly_fields = (
        "scope",
        "key",
        "failures",
        "window_started_at",
        "locks",
        "locked_until",
        "last_failure_at",
    )
    actions = ["unlock_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Unlock selected logins"))
    def unlock_selected(self, request, queryset) -> None:
        from dangol.accounts.security.lockout import login_throttle_unlock

        for throttle in queryset:
            login_throttle_unlock(actor=request.user, throttle=throttle)


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    """Two-factor devices; deleting one lets its member log in with the password alone."""

    list_display = ("user", "confirmed_at", "created_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "confirmed_at", "last_step")
    exclude = ("secret", "recovery_codes")

    def has_add_permission(self, request) -> bool:
        return False
