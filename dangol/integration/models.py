"""The integration app's models: the webhook tables live in ``webhooks/models.py``."""

from dangol.integration.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = ["WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]
