"""Background tasks of automation (run by ``dangol worker``; inline with the immediate backend)."""

from __future__ import annotations

from django_tasks import task


@task()
def automation_event_task(
    entity: str,
    record_id: int,
    event: str,
    changes: dict | None,
    key: str,
    chain: list,
) -> int:
    """Fire the active rules answering one event; return how many fired."""
    from dangol.automation.engine import event_process

    return event_process(
        entity=entity, record_id=record_id, event=event, changes=changes, key=key, chain=chain
    )


@task()
def automation_rule_sweep_task(rule_id: int, now: str | None = None) -> int:
    """Run one date, score or schedule rule over its records; return how many fired."""
    import datetime as dt

    from dangol.automation.engine import rule_sweep

    return rule_sweep(rule_id=rule_id, now=dt.datetime.fromisoformat(now) if now else None)


@task()
def automation_email_task(to: str, subject: str, body: str) -> None:
    """Send one rule e-mail through Django's e-mail backend."""
    from django.conf import settings
    from django.core.mail import send_mail

    send_mail(
        subject=subject,
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[to],
    )
