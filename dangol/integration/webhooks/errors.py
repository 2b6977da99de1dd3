"""Error codes of webhooks."""

from __future__ import annotations

from enum import StrEnum

from dangol.core.errors import ValidationError


class WebhookErrorCode(StrEnum):
    BAD_URL = "webhook_bad_url"
    PRIVATE_TARGET = "webhook_private_target"
    UNKNOWN_EVENT = "webhook_unknown_event"


class WebhookUrlError(ValidationError):
    """The endpoint URL is not http(s) or points at a private/loopback address."""

    code = WebhookErrorCode.BAD_URL


__all__ = ["ValidationError", "WebhookErrorCode", "WebhookUrlError"]
