"""In-app notifications (mentions, reminders, breaches, automation notices), optionally emailed.

Other apps call ``notification_send``; the unread count is fetched by the page itself
(htmx), so no page render pays a query for it.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from dangol.accounts.models import Notification, User

MENTION = re.compile(r"(?<![\w.@])@([\w.+-]{2,150})")


@transaction.atomic
def notification_send(
    *, user: User, kind: str, text: str, url: str = "", dedupe_key: str | None = None
) -> Notification | None:
    """Notify ``user``; email them too (a background task after commit) when they chose so.

    With ``dedupe_key`` (for example ``"task_due:task:7:2026-11-28"``) the user is notified
    at most once for that key: a second call returns None and sends nothing.
    """
    key = dedupe_key[:120] if dedupe_key else ""
    if key and Notification.objects.filter(user=user, dedupe_key=key).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a racing worker's insert loses quietly
            notification = Notification.objects.create(
                user=user,
                kind=kind[:30],
                text=" ".join(text.split())[:300],
                url=url[:300],
                dedupe_key=key,
            )
    except IntegrityError:
        if not key:
            raise
        return None
    if user.notify_by_email and user.email:
        from dangol.accounts.tasks import notification_email_task
        from dangol.core.tasks import task_enqueue_on_commit

        task_enqueue_on_commit(notification_email_task, notification_id=notification.pk)
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
