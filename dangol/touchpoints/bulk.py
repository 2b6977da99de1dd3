"""Many timeline entries at once, for system writers (a campaign send, a response sweep).

``interaction_log`` validates and writes one contact with a permission check per call;
a campaign reaching 100,000 customers would make 100,000 round trips. System writers
(no acting user, so no permission to check) hand their entries here instead: the same
validation of channel, direction and lengths, then one INSERT per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from dangol.core.bulk import bulk_insert, sql_datetime
from dangol.integration.webhooks.models import WebhookEndpoint
from dangol.integration.webhooks.services import webhook_event_emit
from dangol.touchpoints.choices import Direction, InteractionChannel
from dangol.touchpoints.errors import TouchpointErrorCode, ValidationError
from dangol.touchpoints.models import Interaction
from dangol.touchpoints.services import BODY_MAX, OUTCOME_MAX, SUBJECT_MAX

BATCH_SIZE = 1000
EVENT_CREATED = "interaction.created"


@dataclass(frozen=True)
class InteractionEntry:
    """One contact to add to a customer's timeline (the system is the actor)."""

    customer_id: int
    channel: str
    direction: str
    subject: str
    occurred_at: dt.datetime
    body: str = ""
    outcome: str = ""
    # The record it concerns, as (content type, id); see ``concerns_key``.
    subject_type_id: int | None = None
    subject_id: int | None = None


def concerns_key(model: type[models.Model]) -> int:
    """Return the content type id to put in ``InteractionEntry.subject_type_id``."""
    return ContentType.objects.get_for_model(model).pk


# Frozen once: ``TextChoices.values`` builds a new list on every access.
CHANNELS = frozenset(InteractionChannel.values)
DIRECTIONS = frozenset(Direction.values)
COLUMNS = (
    "created_at",
    "updated_at",
    "customer_id",
    "channel",
    "direction",
    "subject",
    "body",
    "outcome",
    "occurred_at",
    "user_id",
    "subject_type_id",
    "subject_id",
)


def _validated(entry: InteractionEntry, now: dt.datetime) -> tuple:
    """Return the row for ``entry`` in ``COLUMNS`` order, or raise ``ValidationError``."""
    if entry.channel not in CHANNELS:
        raise ValidationError(
            f"Unknown channel {entry.channel!r}",
            code=TouchpointErrorCode.UNKNOWN_CHANNEL,
            field="channel",
        )
    if entry.direction not in DIRECTIONS:
        raise ValidationError(
            f"Unknown direction {entry.direction!r}",
            code=TouchpointErrorCode.UNKNOWN_DIRECTION,
            field="direction",
        )
    # Long texts are cut rather than refused: a system writer has nobody to ask to fix them.
    subject = " ".join(entry.subject.split())[:SUBJECT_MAX]
    if not subject:
        raise ValidationError(
            "An interaction needs a subject", code=TouchpointErrorCode.REQUIRED, field="subject"
        )
    occurred_at = entry.occurred_at
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    return (
        now,
        now,
        entry.customer_id,
        str(entry.channel),
        str(entry.direction),
        subject,
        entry.body.strip()[:BODY_MAX],
        entry.outcome.strip()[:OUTCOME_MAX],
        occurred_at,
        None,
        entry.subject_type_id,
        entry.subject_id,
    )


@transaction.atomic
def interactions_log_bulk(*, entries: Iterable[InteractionEntry]) -> int:
    """Add every entry to its customer's timeline, by the system; return how many.

    All entries are validated before the first write; a bad one writes nothing. Webhook
    listeners of ``interaction.created`` get one event per entry, as with
    ``interaction_log`` (after commit); without listeners the rows go in through
    ``core.bulk.bulk_insert`` (COPY on PostgreSQL) without building model objects.

    :raises ValidationError: an entry has an unknown channel or direction, or no subject.
    """
    now = timezone.now()
    rows = [_validated(entry, now) for entry in entries]
    if not rows:
        return 0
    listening = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True)
        if EVENT_CREATED in endpoint.event_types
    ]
    if not listening:
        stamp = sql_datetime(now)
        return bulk_insert(
            table=Interaction._meta.db_table,
            columns=COLUMNS,
            rows=((stamp, stamp, *row[2:8], sql_datetime(row[8]), *row[9:]) for row in rows),
        )
    from dangol.integration.webhooks.payloads import interaction_payload

    created = Interaction.objects.bulk_create(
        [Interaction(**dict(zip(COLUMNS, row, strict=True))) for row in rows],
        batch_size=BATCH_SIZE,
    )
    for interaction in created:
        webhook_event_emit(
            event_type=EVENT_CREATED,
            payload=interaction_payload(interaction),
            endpoints=listening,
        )
    return len(created)
