"""Reminders: the sweep that tells staff what is due, once per item.

``reminders_run`` looks for what needs attention now and sends one in-app notification
(and an email, for those who chose it) per (user, kind, item, due day):

- ``task_due`` / ``task_overdue``: open tasks due today / on an earlier day, to the owner;
- ``followup_closing``: open deals expected to close within ``closing_days``, to the owner;
- ``followup_stale``: open deals unchanged for ``stale_days``, to the owner;
- ``lead_uncontacted``: leads still new ``lead_days`` after they came in, to the owner;
- ``sla_warning`` / ``sla_breach``: unmet SLA targets of open tickets due within
  ``sla_warning_minutes`` / already past (in the last ``sla_breach_lookback_days``), to
  the assignee and the managers of the queue's team.

The key is stored on the notification (``Notification.dedupe_key``, unique per user), so a
rerun, a second worker or the command run by hand never notifies twice; a task moved to
another day, or a deal touched and left again, is a new item and is reminded again.

Run by the worker: ``reminders_sweep`` is one of ``DANGOL_WORKER_SWEEPS`` and queues
``accounts.tasks.reminders_run_task``; ``dangol reminders run`` runs it by hand.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangol.accounts.models import Notification, User
from dangol.accounts.notifications import notification_send

KINDS = (
    "task_due",
    "task_overdue",
    "followup_closing",
    "followup_stale",
    "lead_uncontacted",
    "sla_warning",
    "sla_breach",
)
DEFAULTS = {
    "closing_days": 7,
    "stale_days": 14,
    "lead_days": 2,
    "sla_warning_minutes": 60,
    "sla_breach_lookback_days": 7,
}


@dataclass(frozen=True)
class Reminder:
    """One notice to one user; ``key`` is what makes it once-only."""

    user: User
    kind: str
    key: str
    url: str
    # The text is composed in the recipient's language, so it is built late.
    text_args: tuple


def reminder_setting(name: str) -> int:
    """Return one of ``settings.DANGOL_REMINDERS`` (the default when not configured)."""
    value = (getattr(settings, "DANGOL_REMINDERS", None) or {}).get(name, DEFAULTS[name])
    return int(value)


def _day(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _task_reminders(*, now: dt.datetime) -> list[Reminder]:
    from dangol.sales.work_selectors import task_list_due_by

    local = timezone.localtime(now)
    start_of_today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = start_of_today + dt.timedelta(days=1)
    out = []
    for task in task_list_due_by(before=tomorrow):
        kind = "task_due" if task.due_at >= start_of_today else "task_overdue"
        url = f"/customers/{task.customer_id}/" if task.customer_id else "/pipeline/tasks/"
        out.append(
            Reminder(
                user=task.owner,
                kind=kind,
                key=f"{kind}:task:{task.pk}:{_day(task.due_at)}",
                url=url,
                text_args=(task.title, timezone.localtime(task.due_at)),
            )
        )
    return out


def _followup_reminders(*, now: dt.datetime) -> list[Reminder]:
    from dangol.sales.pipeline_selectors import (
        lead_list_uncontacted,
        opportunity_list_closing,
        opportunity_list_stale,
    )

    today = timezone.localdate(now)
    out = []
    closing = opportunity_list_closing(
        start=today, end=today + dt.timedelta(days=reminder_setting("closing_days"))
    )
    for deal in closing:
        out.append(
            Reminder(
                user=deal.owner,
                kind="followup_closing",
                key=f"followup_closing:opportunity:{deal.pk}:{deal.expected_close.isoformat()}",
                url=f"/pipeline/opportunities/{deal.pk}/",
                text_args=(deal.name, deal.expected_close),
            )
        )
    stale_days = reminder_setting("stale_days")
    for deal in opportunity_list_stale(since=now - dt.timedelta(days=stale_days)):
        out.append(
            Reminder(
                user=deal.owner,
                kind="followup_stale",
                key=f"followup_stale:opportunity:{deal.pk}:{_day(deal.updated_at)}",
                url=f"/pipeline/opportunities/{deal.pk}/",
                text_args=(deal.name, stale_days),
            )
        )
    lead_days = reminder_setting("lead_days")
    for lead in lead_list_uncontacted(created_before=now - dt.timedelta(days=lead_days)):
        out.append(
            Reminder(
                user=lead.owner,
                kind="lead_uncontacted",
                key=f"lead_uncontacted:lead:{lead.pk}:{_day(lead.created_at)}",
                url=f"/pipeline/leads/{lead.pk}/",
                text_args=(lead.name, lead_days),
            )
        )
    return out


def _sla_reminders(*, now: dt.datetime) -> list[Reminder]:
    from dangol.accounts.selectors import team_managers
    from dangol.service.selectors import ticket_sla_due_between

    warning = dt.timedelta(minutes=reminder_setting("sla_warning_minutes"))
    lookback = dt.timedelta(days=reminder_setting("sla_breach_lookback_days"))
    dues = ticket_sla_due_between(start=now - lookback, end=now + warning)
    leads = team_managers(team_ids=[d.ticket.queue.team_id for d in dues if d.ticket.queue_id])
    out = []
    for due in dues:
        ticket = due.ticket
        kind = "sla_breach" if due.due <= now else "sla_warning"
        recipients = [ticket.assignee] if ticket.assignee_id else []
        if ticket.queue_id and ticket.queue.team_id:
            recipients += [m for m in leads.get(ticket.queue.team_id, []) if m not in recipients]
        for user in recipients:
            out.append(
                Reminder(
                    user=user,
                    kind=kind,
                    key=f"{kind}:ticket:{ticket.pk}:{due.target}:{_day(due.due)}",
                    url=f"/service/tickets/{ticket.pk}/",
                    text_args=(ticket.pk, ticket.subject, due.target, timezone.localtime(due.due)),
                )
            )
    return out


def reminder_text(reminder: Reminder) -> str:
    """Return the notice in the active language."""
    args = reminder.text_args
    if reminder.kind == "task_due":
        return _("Task due today: %(title)s (%(when)s)") % {
            "title": args[0],
            "when": f"{args[1]:%H:%M}",
        }
    if reminder.kind == "task_overdue":
        return _("Task overdue: %(title)s (was due %(when)s)") % {
            "title": args[0],
            "when": f"{args[1]:%Y-%m-%d %H:%M}",
        }
    if reminder.kind == "followup_closing":
        return _("Follow up: %(deal)s is expected to close on %(day)s") % {
            "deal": args[0],
            "day": args[1].isoformat(),
        }
    if reminder.kind == "followup_stale":
        return _("Follow up: %(deal)s has had no activity for %(days)s days") % {
            "deal": args[0],
            "days": args[1],
        }
    if reminder.kind == "lead_uncontacted":
        return _("Lead not contacted after %(days)s days: %(lead)s") % {
            "lead": args[0],
            "days": args[1],
        }
    target = _("first response") if args[2] == "first_response" else _("resolution")
    values = {"id": args[0], "subject": args[1], "target": target, "when": f"{args[3]:%H:%M}"}
    if reminder.kind == "sla_warning":
        return _("SLA about to breach (%(target)s at %(when)s): #%(id)s %(subject)s") % values
    return _("SLA breached (%(target)s, due %(when)s): #%(id)s %(subject)s") % values


def reminders_collect(*, now: dt.datetime | None = None) -> list[Reminder]:
    """Return every reminder that is due at ``now``, sent or not."""
    now = now or timezone.now()
    return [
        *_task_reminders(now=now),
        *_followup_reminders(now=now),
        *_sla_reminders(now=now),
    ]


def _already_sent(reminders: Iterable[Reminder]) -> set[tuple[int, str]]:
    keys = {r.key for r in reminders}
    if not keys:
        return set()
    sent = Notification.objects.filter(dedupe_key__in=keys).values_list("user_id", "dedupe_key")
    return set(sent)


def reminders_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send each due reminder not sent before; return how many were sent, by kind.

    One query reads the keys already sent, so a rerun with nothing new costs the reads and
    no writes; ``notification_send`` checks the key again (two workers at once).
    """
    reminders = reminders_collect(now=now)
    sent_before = _already_sent(reminders)
    counts: Counter[str] = Counter({kind: 0 for kind in KINDS})
    for reminder in reminders:
        if not reminder.user.is_active or (reminder.user.pk, reminder.key) in sent_before:
            continue
        with translation.override(reminder.user.language or settings.LANGUAGE_CODE):
            text = reminder_text(reminder)
        if notification_send(
            user=reminder.user,
            kind=reminder.kind,
            text=text,
            url=reminder.url,
            dedupe_key=reminder.key,
        ):
            counts[reminder.kind] += 1
    return dict(counts)


_last_queued: float | None = None


def reminders_sweep() -> bool:
    """Queue the reminder run when ``DANGOL_REMINDERS_EVERY_MINUTES`` have passed; say if so.

    Called by ``dangol worker`` at every sweep (each minute by default); the spacing is
    kept in this worker process, and a second worker's run sends nothing twice anyway.
    """
    global _last_queued
    every = 60 * int(getattr(settings, "DANGOL_REMINDERS_EVERY_MINUTES", 5) or 0)
    if every <= 0:
        return False
    clock = time.monotonic()
    if _last_queued is not None and clock - _last_queued < every:
        return False
    from dangol.accounts.tasks import reminders_run_task
    from dangol.core.tasks import task_enqueue

    task_enqueue(reminders_run_task)
    _last_queued = clock
    return True
