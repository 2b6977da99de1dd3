"""In-app notifications (mentions, reminders, breaches, automation notices), optionally emailed.

Other apps call ``notification_send``; the unread count is fetched by the page itself
(htmx), so no page render pays a query for it.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from dangol.accounts.models import Notification, User

MENTION = re.compile(r"(?<![\w.@])@([\w.+-]{2,150})")


@transaction.atomic
def notification_send(*, user: User, kind: str, text: str, url: str = "") -> Notification:
    """Notify ``user``; email them too (after commit) when they asked for it."""
    notification = Notification.objects.create(
        user=user, kind=kind[:30], text=" ".join(text.split())[:300], url=url[:300]
    )
    if user.notify_by_email and user.email:
        link = f"{settings.DANGOL_SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url
        transaction.on_commit(
            lambda: send_mail(
                subject=notification.text[:120],
                message=f"{notification.text}\n{link}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
            ),
            robust=True,
        )
    return notification


def mentioned_users(text: str) -> list[User]:
    """Return the active staff users named as ``@username`` in ``text``."""
    names = {name.rstrip(".") for name in MENTION.findall(text or "")}
    if not names:
        return []
    return list(User.objects.filter(username__in=names, is_active=True).order_by("id"))


@transaction.atomic
def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark ``user``'s notifications read (all, or those ``ids``); return how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_list(*, user: User, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-id")[:limit])
