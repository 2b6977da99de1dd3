"""Background tasks of customer service: the emails replies and surveys send.

Sent by ``dangol worker`` after the ticket's transaction commits, so a slow or absent
mail server never holds up (or fails) the agent's reply; inline in tests.
"""

from __future__ import annotations

from django_tasks import task

from dangol.core.idempotency import effect_once


@task()
def ticket_reply_email_task(message_id: int) -> None:
    """Email the reply ``message_id`` to its ticket's customer, threaded."""
    from dangol.service.models import TicketMessage
    from dangol.service.services import ticket_reply_email_send

    # A retried task must not email the customer twice (core/idempotency.py).
    messages = TicketMessage.objects.filter(pk=message_id)
    with effect_once(kind="service.reply_email", key=message_id, lock=messages) as due:
        if due:
            message = messages.select_related("ticket__customer").get()
            ticket_reply_email_send(ticket=message.ticket, message=message)


@task()
def survey_email_task(survey_id: int) -> None:
    """Email the satisfaction survey ``survey_id`` to its ticket's customer."""
    from dangol.service.models import SatisfactionSurvey
    from dangol.service.services import survey_email_send

    surveys = SatisfactionSurvey.objects.filter(pk=survey_id)
    with effect_once(kind="service.survey_email", key=survey_id, lock=surveys) as due:
        if due:
            survey = surveys.select_related("ticket__customer").get()
            survey_email_send(ticket=survey.ticket, survey=survey)
