"""Staff users and sales teams."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel


class Team(BaseModel):
    """A group of staff led by a manager; a manager sees the customers their team owns."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff member. The role comes from group membership (see ``roles.py``)."""

    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    # db_default too: bulk writers (the demo, older migrations' models) omit the column.
    notify_by_email = models.BooleanField(
        _("also email my notifications"), default=False, db_default=False
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """Return the name in its own language's order: 이지은, but Jane Smith."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\uac00" <= ch <= "\ud7a3" for ch in first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()


class ApiToken(models.Model):
    """A per-user API token; only a SHA-256 of the secret is stored.

    Tokens are 256-bit random strings, so a fast hash is enough (no salt or stretching
    is needed against guessing); ``prefix`` lets the owner tell their tokens apart.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="apitoken_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Notification(BaseModel):
    """Something that needs a staff member's attention: a mention, a due task, a breach."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True, default="")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # "kind:object:due-day" for notices a sweep sends (reminders): the unique constraint
    # with ``user`` makes a rerun, or two workers at once, notify once.
    dedupe_key = models.CharField(max_length=120, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "-id"], name="notification_inbox"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_dedupe",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.text}"


class LoginThrottle(models.Model):
    """Failed logins counted for one user name or one client address; a lock when too many.

    One row per (scope, key), updated in place: the count of failures in the current
    window, when the window started, and how long the key is locked. ``locks`` counts
    consecutive locks so each one lasts twice as long as the last (capped).
    """

    class Scope(models.TextChoices):
        USERNAME = "username", _("user name")
        ADDRESS = "address", _("client address")
        API_ADDRESS = "api_address", _("API client address")

    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    key = models.CharField(_("key"), max_length=150)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    window_started_at = models.DateTimeField(_("window started at"), default=timezone.now)
    locks = models.PositiveIntegerField(_("locks in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="loginthrottle_scope_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class TotpDevice(BaseModel):
    """A staff member's authenticator app (RFC 6238 TOTP) and one-time recovery codes.

    ``confirmed_at`` is empty until the member has typed a first code (enrolment); only a
    confirmed device is asked for at login. ``last_step`` is the last time step accepted,
    so a code cannot be replayed. Recovery codes are stored as SHA-256 hashes.
    """

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField(_("secret"), max_length=64, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    last_step = models.BigIntegerField(_("last accepted step"), default=0)
    recovery_codes = models.JSONField(_("recovery codes (hashed)"), default=list, blank=True)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self) -> str:
        return f"TOTP {self.user_id}"
