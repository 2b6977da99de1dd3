"""Writes to the touchpoint log: the one customer timeline every channel writes into.

Other apps (sales, service, marketing, the portal) add to a customer's timeline by
calling ``interaction_log``, never by writing ``Interaction`` themselves.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from dangol.customers import permissions
from dangol.integration.webhooks.services import webhook_record_emit
from dangol.touchpoints.choices import Direction, InteractionChannel
from dangol.touchpoints.errors import PermissionDeniedError, TouchpointErrorCode, ValidationError
from dangol.touchpoints.models import Interaction

SUBJECT_MAX = Interaction._meta.get_field("subject").max_length
OUTCOME_MAX = Interaction._meta.get_field("outcome").max_length
BODY_MAX = 20_000


def _choice(value: str, choices: type[models.TextChoices], *, field: str, code) -> str:
    if value not in choices.values:
        raise ValidationError(
            f"Unknown {field} {value!r}; expected one of {', '.join(choices.values)}",
            code=code,
            field=field,
        )
    return str(value)


def _length(value: str, *, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise ValidationError(
            f"{field} is {len(value)} characters long; the limit is {max_length}",
            code=TouchpointErrorCode.TOO_LONG,
            field=field,
        )
    return value


def _concerns(record: models.Model | None) -> tuple[ContentType | None, int | None]:
    """Return the content type and id that link an interaction to ``record``."""
    if record is None:
        return None, None
    if not isinstance(record, models.Model) or not isinstance(record.pk, int) or record.pk < 0:
        raise ValidationError(
            "concerns must be a saved record with a numeric id",
            code=TouchpointErrorCode.INVALID,
            field="concerns",
        )
    return ContentType.objects.get_for_model(record), record.pk


@transaction.atomic
def interaction_log(
    *,
    actor,
    customer,
    channel: str,
    direction: str,
    subject: str,
    body: str = "",
    occurred_at: dt.datetime | None = None,
    outcome: str = "",
    concerns: models.Model | None = None,
) -> Interaction:
    """Add one contact with ``customer`` to their timeline and return it.

    :param actor: the staff member who had the contact (recorded as its user), or
        ``None`` for the system (an order import, a web event, a scheduled job).
    :param channel: an ``InteractionChannel`` value (email, phone, web, store_visit, ...).
    :param direction: ``inbound`` (the customer reached us) or ``outbound``.
    :param occurred_at: when it happened; now when omitted. A naive time is read in the
        site's time zone.
    :param concerns: the record it is about (an order, later a ticket or campaign).
    :raises PermissionDeniedError: ``actor`` may not log contacts with this customer.
    :raises ValidationError: a field is missing or malformed; nothing is written.
    """
    if customer is None or getattr(customer, "pk", None) is None:
        raise ValidationError(
            "A saved customer is required", code=TouchpointErrorCode.REQUIRED, field="customer"
        )
    if actor is not None and not permissions.can_log_interaction(actor, customer):
        raise PermissionDeniedError(
            "You may not log contacts with this customer",
            code=TouchpointErrorCode.PERMISSION_DENIED,
        )
    channel = _choice(
        channel, InteractionChannel, field="channel", code=TouchpointErrorCode.UNKNOWN_CHANNEL
    )
    direction = _choice(
        direction, Direction, field="direction", code=TouchpointErrorCode.UNKNOWN_DIRECTION
    )
    subject = " ".join(str(subject or "").split())
    if not subject:
        raise ValidationError(
            "An interaction needs a subject", code=TouchpointErrorCode.REQUIRED, field="subject"
        )
    subject = _length(subject, field="subject", max_length=SUBJECT_MAX)
    body = _length(str(body or "").strip(), field="body", max_length=BODY_MAX)
    outcome = _length(str(outcome or "").strip(), field="outcome", max_length=OUTCOME_MAX)
    if occurred_at is None:
        occurred_at = timezone.now()
    elif not isinstance(occurred_at, dt.datetime):
        raise ValidationError(
            "occurred_at must be a date and time",
            code=TouchpointErrorCode.INVALID,
            field="occurred_at",
        )
    elif timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    subject_type, subject_id = _concerns(concerns)
    interaction = Interaction.objects.create(
        customer=customer,
        channel=channel,
        direction=direction,
        subject=subject,
        body=body,
        occurred_at=occurred_at,
        user=actor,
        outcome=outcome,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    webhook_record_emit(event_type="interaction.created", record=interaction)
    return interaction
