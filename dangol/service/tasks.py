"""Background tasks of customer service: the emails replies and surveys send.

Sent by ``dangol worker`` after the ticket's transaction commits, so a slow or absent
mail server never holds up (or fails) the agent's reply; inline in tests.
"""

from __future__ import annotations

from django_tasks import task


@task()
def ticket_reply_email_task(message_id: int) -> None:
    """Email the reply ``message_id`` to its ticket's customer, threaded."""
    from dangol.service.models import TicketMessage
    from dangol.service.services import ticket_reply_email_send

    message = TicketMessage.objects.select_related("ticket__customer").get(pk=message_id)
    ticket_reply_email_send(ticket=message.ticket, message=message)


@task()
def survey_email_task(survey_id: int) -> None:
    """Email the satisfaction survey ``survey_id`` to its ticket's customer."""
    from dangol.service.models import SatisfactionSurvey
    from dangol.service.services import survey_email_send

    survey = SatisfactionSurvey.objects.select_related("ticket__customer").get(pk=survey_id)
    survey_email_send(ticket=survey.ticket, survey=survey)
