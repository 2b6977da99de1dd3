"""Background tasks of webhooks (run by ``dangol worker``; inline in tests)."""

from __future__ import annotations

from django_tasks import task

from dangol.integration.webhooks.services import webhook_delivery_attempt


@task()
def webhook_deliver(delivery_id: int, attempt: int) -> str:
    """Attempt one delivery; the service records the outcome and schedules any retry."""
    return webhook_delivery_attempt(delivery_id=delivery_id, attempt=attempt)
