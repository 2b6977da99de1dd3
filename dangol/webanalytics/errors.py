"""Error codes of web analytics: sites, and the reasons an event is rejected."""

from enum import StrEnum

from dangol.core.errors import NotFoundError, ValidationError


class WebAnalyticsErrorCode(StrEnum):
    INVALID = "invalid"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_SITE = "unknown_site"
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    BODY_TOO_LARGE = "body_too_large"
    BAD_ENCODING = "bad_encoding"
    BAD_JSON = "bad_json"
    TOO_MANY_EVENTS = "too_many_events"
    NO_VALID_EVENT = "no_valid_event"
    DO_NOT_TRACK = "do_not_track"


__all__ = ["NotFoundError", "ValidationError", "WebAnalyticsErrorCode"]
