"""Register webhook endpoints, emit events, attempt deliveries and sweep due retries.

Nothing here runs on the request path: ``webhook_event_emit`` only writes delivery rows in
the caller's transaction and asks for the delivery task after commit.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from dangol.core.tasks import task_backend, task_enqueue
from dangol.integration.webhooks.errors import ValidationError, WebhookErrorCode, WebhookUrlError
from dangol.integration.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from dangol.integration.webhooks.signing import webhook_signature

# Wait before attempt 2, 3, ...: 1 min, 5 min, 30 min, 2 h, 12 h (then the last repeats).
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
USER_AGENT = "Dangol-Webhooks/1"
_OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


def webhook_backoff(attempts: int) -> dt.timedelta:
    """Return how long to wait after ``attempts`` failed attempts."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def webhook_url_check(url: str, *, allow_private: bool | None = None) -> str:
    """Return ``url`` if webhooks may be sent there, else raise ``WebhookUrlError``.

    Only http and https; and unless ``DANGOL_WEBHOOK_ALLOW_PRIVATE``, no host that resolves
    to a loopback, private, link-local or reserved address, so that an admin account cannot
    be used to probe the internal network (SSRF). Checked at registration and before each
    attempt (a name may be re-pointed later).
    """
    if allow_private is None:
        allow_private = settings.DANGOL_WEBHOOK_ALLOW_PRIVATE
    parts = urllib.parse.urlsplit(str(url).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlError("A webhook URL must be http:// or https:// with a host", field="url")
    if allow_private:
        return parts.geturl()
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookUrlError(
            f"The webhook host {parts.hostname!r} does not resolve", field="url"
        ) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise WebhookUrlError(
                f"The webhook host {parts.hostname!r} is a private or local address ({address})",
                code=WebhookErrorCode.PRIVATE_TARGET,
                field="url",
            )
    return parts.geturl()


def _event_types_clean(event_types: list[str]) -> list[str]:
    known = set(WebhookEvent.values)
    unknown = sorted(set(event_types) - known)
    if unknown or not event_types:
        raise ValidationError(
            f"Unknown or missing event types: {', '.join(unknown) or '(none)'}",
            code=WebhookErrorCode.UNKNOWN_EVENT,
            field="event_types",
        )
    return sorted(set(event_types))


@transaction.atomic
def webhook_endpoint_create(
    *, actor, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    """Register an endpoint for ``event_types``; its generated ``secret`` signs deliveries.

    :raises WebhookUrlError: the URL is not http(s) or targets a private address.
    :raises ValidationError: an event type is unknown.
    """
    endpoint = WebhookEndpoint(
        url=webhook_url_check(url),
        event_types=_event_types_clean(event_types),
        description=description,
        created_by=actor,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL, events, description or active flag (the secret stays).

    :raises WebhookUrlError: the new URL is not http(s) or targets a private address.
    :raises ValidationError: an event type is unknown.
    """
    if url is not None:
        endpoint.url = webhook_url_check(url)
    if event_types is not None:
        endpoint.event_types = _event_types_clean(event_types)
    if description is not None:
        endpoint.description = description
    if active is not None:
        endpoint.active = active
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def webhook_event_emit(
    *, event_type: str, payload: dict[str, Any], endpoints: list[WebhookEndpoint] | None = None
) -> list[WebhookDelivery]:
    """Record ``event_type`` for each active endpoint that wants it; deliver after commit.

    Call inside the writing service's transaction: if it rolls back, the delivery rows go
    with it and no task is ever enqueued. Returns the deliveries created (often none).
    """
    if endpoints is None:
        endpoints = [
            endpoint
            for endpoint in WebhookEndpoint.objects.filter(active=True)
            if event_type in endpoint.event_types
        ]
    if not endpoints:
        return []
    now = timezone.now()
    event_id = uuid.uuid4()
    envelope = {
        "id": str(event_id),
        "type": event_type,
        "occurred_at": now.isoformat(),
        "data": payload,
    }
    # Round-trip so the stored payload is exactly the JSON that will be sent.
    envelope = json.loads(json.dumps(envelope, cls=DjangoJSONEncoder))
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event_type=event_type,
                event_id=event_id,
                payload=envelope,
                next_attempt_at=now,
                created_at=now,
            )
            for endpoint in endpoints
        ]
    )
    if deliveries[0].pk is None:  # backends without RETURNING on bulk insert
        deliveries = list(WebhookDelivery.objects.filter(event_id=event_id).order_by("id"))
    from dangol.integration.webhooks.tasks import webhook_deliver

    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(
        lambda: [task_enqueue(webhook_deliver, delivery_id, 1) for delivery_id in ids]
    )
    return deliveries


def webhook_test_send(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``ping`` event to ``endpoint`` (the admin's "send test event")."""
    with transaction.atomic():
        [delivery] = webhook_event_emit(
            event_type=WebhookEvent.PING,
            payload={"endpoint_id": endpoint.pk, "message": "ping"},
            endpoints=[endpoint],
        )
    return delivery


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead to an address the URL check would refuse: treat it as an answer.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(65536)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def webhook_delivery_attempt(*, delivery_id: int, attempt: int) -> str:
    """Make attempt number ``attempt`` of a delivery and return its new status.

    The attempt is claimed by moving ``attempts`` from ``attempt - 1`` to ``attempt``, so
    a duplicate task (a sweep racing a deferred retry) sends nothing. 2xx succeeds; any
    other answer, a timeout or a refused URL schedules the next attempt with backoff,
    until ``DANGOL_WEBHOOK_MAX_ATTEMPTS`` makes it failed.
    """
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=_OPEN, attempts=attempt - 1
    ).update(attempts=attempt)
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or not claimed:
        return delivery.status if delivery else "missing"
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Dangol-Event": delivery.event_type,
        "X-Dangol-Delivery": str(delivery.pk),
        "X-Dangol-Event-Id": str(delivery.event_id),
        "X-Dangol-Timestamp": str(timestamp),
        "X-Dangol-Signature": webhook_signature(
            secret=endpoint.secret, timestamp=timestamp, body=body
        ),
    }
    started = time.monotonic()
    code: int | None = None
    error = ""
    try:
        if not endpoint.active:
            raise WebhookUrlError("The endpoint was deactivated")
        code = _post(
            url=webhook_url_check(endpoint.url),
            body=body,
            headers=headers,
            timeout=settings.DANGOL_WEBHOOK_TIMEOUT,
        )
    except WebhookUrlError as exc:
        error = exc.message
    except (OSError, ValueError) as exc:  # refused, reset, DNS, timeout (socket.timeout)
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        error = f"{type(reason).__name__}: {reason}"
    now = timezone.now()
    with transaction.atomic():
        _attempt_record(delivery, attempt=attempt, now=now, code=code, error=error, started=started)
    return delivery.status


def _attempt_record(
    delivery: WebhookDelivery, *, attempt: int, now, code: int | None, error: str, started: float
) -> None:
    endpoint = delivery.endpoint
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=attempt,
        attempted_at=now,
        status_code=code,
        error=error[:2000],
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    delivery.last_status_code = code
    if not error and code is not None and code >= 300:
        error = f"HTTP {code}"
    delivery.last_error = error[:2000]
    if code is not None and 200 <= code < 300:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif attempt >= settings.DANGOL_WEBHOOK_MAX_ATTEMPTS or not endpoint.active:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + webhook_backoff(attempt)
    delivery.save(
        update_fields=[
            "status",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
        ]
    )
    if delivery.status == DeliveryStatus.RETRYING:
        transaction.on_commit(lambda: _retry_schedule(delivery))


def _retry_schedule(delivery: WebhookDelivery) -> None:
    # An inline backend cannot defer: running the retry now would spend every attempt at
    # once, so there the sweep (``webhook_retry_due``) enqueues it when it is due.
    from dangol.integration.webhooks.tasks import webhook_deliver

    if task_backend(webhook_deliver.backend).supports_defer:
        task_enqueue(
            webhook_deliver, delivery.pk, delivery.attempts + 1, run_after=delivery.next_attempt_at
        )


def webhook_retry_due(
    *, now: dt.datetime | None = None, grace: dt.timedelta = dt.timedelta(minutes=2)
) -> int:
    """Enqueue the open deliveries due for more than ``grace``; return how many.

    Deferred retries normally run by themselves; this catches the ones whose task was lost
    (a worker killed, an inline backend). A duplicate is harmless: the attempt is claimed.
    """
    from dangol.integration.webhooks.tasks import webhook_deliver

    cutoff = (now or timezone.now()) - grace
    due = list(
        WebhookDelivery.objects.filter(status__in=_OPEN, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", "attempts")[:1000]
    )
    for delivery_id, attempts in due:
        task_enqueue(webhook_deliver, delivery_id, attempts + 1)
    return len(due)


def webhook_record_emit(*, event_type: str, record) -> None:
    """Emit ``event_type`` (``customer.*``, ``order.*``, ``ticket.*``, …) about ``record``.

    The one call the writing services make; a no-op query when no endpoint listens.
    """
    from dangol.integration.webhooks import payloads

    describe = {
        "customer": payloads.customer_payload,
        "order": payloads.order_payload,
        "interaction": payloads.interaction_payload,
        "opportunity": payloads.opportunity_payload,
        "ticket": payloads.ticket_payload,
    }[event_type.split(".", 1)[0]]
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True)
        if event_type in endpoint.event_types
    ]
    if endpoints:
        webhook_event_emit(event_type=event_type, payload=describe(record), endpoints=endpoints)
