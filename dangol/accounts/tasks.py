"""Background tasks of accounts: notification emails and the reminder sweep."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def notification_email_task(notification_id: int) -> bool:
    """Email notification ``notification_id`` to its user; return whether a mail went out.

    Checked again here, not only when queued: the user may have turned email off, or
    the notification may be gone, by the time the worker gets to it.
    """
    from dangol.accounts.models import Notification

    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return False
    user = notification.user
    if not (user.notify_by_email and user.email and user.is_active):
        return False
    url = notification.url
    link = f"{settings.DANGOL_SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url
    send_mail(
        subject=notification.text[:120],
        message=f"{notification.text}\n{link}".rstrip("\n"),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


@task()
def reminders_run_task() -> dict:
    """Send every reminder that is due now (tasks, follow-ups, SLA clocks); return counts."""
    from dangol.accounts.reminders import reminders_run

    return reminders_run()
