"""Webhooks end to end: real HTTP receiver, signatures, retries, on_commit, admin."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangol.catalog.tests.factories import ProductFactory
from dangol.customers.services import customer_create, customer_delete, customer_update
from dangol.customers.tests.factories import CustomerFactory
from dangol.integration.tests.webhook_support import (  # noqa: F401  (fixtures)
    inline_tasks_fixture,
    receiver_fixture,
)
from dangol.integration.webhooks.errors import WebhookErrorCode, WebhookUrlError
from dangol.integration.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from dangol.integration.webhooks.services import (
    webhook_backoff,
    webhook_endpoint_create,
    webhook_retry_due,
    webhook_url_check,
)
from dangol.integration.webhooks.signing import webhook_signature, webhook_signature_verify
from dangol.sales.services import OrderLineInput, order_create
from dangol.touchpoints.services import interaction_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(inline_tasks, receiver, admin_user):
    return webhook_endpoint_create(
        actor=admin_user,
        url=receiver.url,
        event_types=["customer.created", "customer.updated", "customer.deleted"],
    )


def _verify(request, secret: str) -> bool:
    return webhook_signature_verify(
        secret=secret,
        timestamp=request.headers["X-Dangol-Timestamp"],
        body=request.body,
        signature=request.headers["X-Dangol-Signature"],
    )


def test_delivery_reaches_a_real_server_signed_with_the_secret(
    endpoint, receiver, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(actor=admin_user, name="홍길동", external_id="C-1")

    [request] = receiver.requests
    delivery = WebhookDelivery.objects.get()
    assert request.path == "/hooks/dangol"
    assert request.headers["X-Dangol-Event"] == "customer.created"
    assert request.headers["X-Dangol-Delivery"] == str(delivery.pk)
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Dangol-Signature"].startswith("sha256=")
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 49
    assert _verify(request, endpoint.secret)
    assert not _verify(request, endpoint.secret + "x")
    body = json.loads(request.body)
    assert body["type"] == "customer.created"
    assert body["id"] == str(delivery.event_id)
    assert body["data"]["id"] == customer.pk
    assert body["data"]["name"] == "홍길동"
    assert body["data"]["external_id"] == "C-1"
    assert "email" not in body["data"] and "phone" not in body["data"]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert list(delivery.attempt_log.values_list("number", "status_code", "error")) == [
        (1, 200, "")
    ]


def test_a_failing_endpoint_is_retried_with_backoff_until_it_recovers(
    endpoint, receiver, admin_user, django_capture_on_commit_callbacks
):
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        customer_create(actor=admin_user, name="Kim")

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.RETRYING,
        1,
        500,
    )
    assert delivery.last_error == "HTTP 500"
    first = delivery.attempt_log.get().attempted_at
    assert delivery.next_attempt_at == first + dt.timedelta(minutes=1)
    # Not due yet: the sweep leaves it alone.
    assert webhook_retry_due() == 0
    assert len(receiver.requests) == 1

    assert webhook_retry_due(now=delivery.next_attempt_at + dt.timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    second = delivery.attempt_log.get(number=2).attempted_at
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 2)
    assert delivery.next_attempt_at == second + dt.timedelta(minutes=5)

    receiver.status = 204
    assert webhook_retry_due(now=delivery.next_attempt_at + dt.timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        3,
        204,
    )
    assert delivery.last_error == ""
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [
        (1, 500),
        (2, 500),
        (3, 204),
    ]
    assert len(receiver.requests) == 3
    # Every attempt carries the same event id, each freshly signed.
    assert {json.loads(r.body)["id"] for r in receiver.requests} == {str(delivery.event_id)}
    assert all(_verify(r, endpoint.secret) for r in receiver.requests)


def test_backoff_schedule():
    assert [webhook_backoff(n) for n in range(1, 7)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=12),
        dt.timedelta(hours=12),
    ]


def test_delivery_fails_after_the_last_attempt(
    endpoint, receiver, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.DANGOL_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        customer_create(actor=admin_user, name="Lee")
    far = timezone.now() + dt.timedelta(days=1)
    assert webhook_retry_due(now=far) == 1
    assert webhook_retry_due(now=far) == 0
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        2,
        None,
    )
    assert len(receiver.requests) == 2


def test_an_unreachable_endpoint_records_the_error(
    inline_tasks, admin_user, django_capture_on_commit_callbacks
):
    # A port nothing listens on: bind and close a socket to find one.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook_endpoint_create(
        actor=admin_user, url=f"http://127.0.0.1:{port}/", event_types=["customer.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        customer_create(actor=admin_user, name="Park")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error


def test_an_event_in_a_rolled_back_transaction_is_never_delivered(
    endpoint, receiver, admin_user, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        customer_create(actor=admin_user, name="Rolled Back")
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("abort")
    assert callbacks == []
    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 0


def test_the_delivery_waits_for_the_commit(endpoint, receiver, admin_user):
    # Without running on_commit callbacks (the test's transaction never commits), nothing
    # is sent: the HTTP call is never on the request path of the writing service.
    customer_create(actor=admin_user, name="Waiting")
    assert receiver.requests == []
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING


def test_each_service_emits_its_event(
    inline_tasks, receiver, admin_user, django_capture_on_commit_callbacks
):
    hook = webhook_endpoint_create(
        actor=admin_user,
        url=receiver.url,
        event_types=[
            "customer.updated",
            "customer.deleted",
            "order.created",
            "interaction.created",
        ],
    )
    customer = CustomerFactory(name="Choi")
    other = CustomerFactory(name="Gone")
    product = ProductFactory(unit_price=Decimal("1000"))
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(actor=admin_user, customer=customer, name="Choi Minsu")
        order = order_create(
            actor=admin_user,
            customer=customer,
            number="W-1",
            channel="online",
            lines=[OrderLineInput(product=product, quantity=3, discount=Decimal("500"))],
        )
        interaction = interaction_log(
            actor=admin_user,
            customer=customer,
            channel="phone",
            direction="outbound",
            subject="Thank-you call",
        )
        other_id = other.pk
        customer_delete(actor=admin_user, customer=other)

    bodies = [json.loads(r.body) for r in receiver.requests]
    assert all(_verify(r, hook.secret) for r in receiver.requests)
    by_type = {body["type"]: body["data"] for body in bodies}
    # order_create logs an "order placed" interaction after commit: that emits too.
    assert sorted(body["type"] for body in bodies) == [
        "customer.deleted",
        "customer.updated",
        "interaction.created",
        "interaction.created",
        "order.created",
    ]
    assert by_type["customer.updated"]["name"] == "Choi Minsu"
    assert by_type["customer.deleted"] == {**by_type["customer.deleted"], "id": other_id}
    assert by_type["order.created"] == {
        **by_type["order.created"],
        "id": order.pk,
        "number": "W-1",
        "customer_id": customer.pk,
        "line_count": 1,
        "total": "2500.00",
    }
    subjects = {b["data"]["subject"] for b in bodies if b["type"] == "interaction.created"}
    assert interaction.subject in subjects


def test_an_endpoint_gets_only_the_events_it_chose(
    inline_tasks, receiver, admin_user, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(actor=admin_user, url=receiver.url, event_types=["order.created"])
    WebhookEndpoint.objects.create(url=receiver.url, event_types=["customer.created"], active=False)
    with django_capture_on_commit_callbacks(execute=True):
        customer_create(actor=admin_user, name="Nobody Listens")
    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/hook", WebhookErrorCode.BAD_URL),
        ("file:///etc/passwd", WebhookErrorCode.BAD_URL),
        ("http:///nohost", WebhookErrorCode.BAD_URL),
        ("http://127.0.0.1:8000/hook", WebhookErrorCode.PRIVATE_TARGET),
        ("http://10.1.2.3/hook", WebhookErrorCode.PRIVATE_TARGET),
        ("http://169.254.169.254/latest/meta-data", WebhookErrorCode.PRIVATE_TARGET),
        ("http://[::1]/hook", WebhookErrorCode.PRIVATE_TARGET),
        ("https://localhost/hook", WebhookErrorCode.PRIVATE_TARGET),
    ],
)
def test_url_check_refuses_other_schemes_and_private_targets(url, code):
    with pytest.raises(WebhookUrlError) as caught:
        webhook_url_check(url, allow_private=False)
    assert caught.value.code == code


def test_url_check_allows_public_addresses_and_private_when_set():
    assert webhook_url_check("https://93.184.216.34/h", allow_private=False) == (
        "https://93.184.216.34/h"
    )
    assert webhook_url_check("http://127.0.0.1:9/h", allow_private=True) == "http://127.0.0.1:9/h"
    with pytest.raises(WebhookUrlError):
        webhook_url_check("gopher://127.0.0.1/", allow_private=True)


def test_a_private_target_is_refused_at_delivery_time_too(
    endpoint, receiver, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.DANGOL_WEBHOOK_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        customer_create(actor=admin_user, name="Blocked")
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.RETRYING
    assert "private or local address" in delivery.last_error


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    body = b'{"a":1}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook_signature(secret="s3cret", timestamp=1700000000, body=body) == (
        "sha256=" + expected
    )
    signature = "sha256=" + expected
    ok = {"secret": "s3cret", "timestamp": "1700000000", "signature": signature}
    assert webhook_signature_verify(body=body, now=1700000100, **ok)
    assert not webhook_signature_verify(body=b'{"a":2}', now=1700000100, **ok)
    assert not webhook_signature_verify(body=body, now=1700000301, **ok)  # replayed late
    assert not webhook_signature_verify(body=body, now=1700000000, **{**ok, "timestamp": "x"})


def test_unknown_event_types_are_refused(admin_user, inline_tasks):
    with pytest.raises(Exception) as caught:
        webhook_endpoint_create(
            actor=admin_user, url="http://127.0.0.1/", event_types=["customer.exploded"]
        )
    assert caught.value.code == WebhookErrorCode.UNKNOWN_EVENT


def test_admin_shows_the_secret_once_and_sends_a_test_event(
    client, inline_tasks, receiver, django_capture_on_commit_callbacks
):
    from dangol.accounts.tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post(
        reverse("admin:integration_webhookendpoint_add"),
        {
            "url": receiver.url,
            "description": "ERP",
            "event_types": ["customer.created", "order.created"],
            "active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.created_by == root
    assert endpoint.event_types == ["customer.created", "order.created"]
    assert endpoint.secret in response.content.decode()
    change = client.get(reverse("admin:integration_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret not in change.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:integration_webhookendpoint_changelist"),
            {"action": "send_test_event", "_selected_action": [endpoint.pk]},
        )
    [request] = receiver.requests
    assert request.headers["X-Dangol-Event"] == "ping"
    assert _verify(request, endpoint.secret)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    page = client.get(
        reverse("admin:integration_webhookdelivery_changelist"), {"status": "succeeded"}
    )
    assert page.status_code == 200 and "ping" in page.content.decode()


def test_admin_refuses_a_bad_url(client, admin_user, settings):
    from dangol.accounts.tests.factories import UserFactory

    settings.DANGOL_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.post(
        reverse("admin:integration_webhookendpoint_add"),
        {"url": "http://127.0.0.1:8000/x", "event_types": ["customer.created"], "active": "on"},
    )
    assert response.status_code == 200
    assert "private or local address" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_admin_changes_an_endpoint_through_the_service(client, settings, receiver):
    from dangol.accounts.tests.factories import UserFactory

    settings.DANGOL_WEBHOOK_ALLOW_PRIVATE = True
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, event_types=["order.created"])
    secret = endpoint.secret
    url = reverse("admin:integration_webhookendpoint_change", args=[endpoint.pk])
    form = {"url": receiver.url + "/v2", "description": "v2"}
    response = client.post(url, {**form, "event_types": ["customer.updated"]})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.active, endpoint.secret) == (
        receiver.url + "/v2",
        ["customer.updated"],
        False,
        secret,
    )
    settings.DANGOL_WEBHOOK_ALLOW_PRIVATE = False
    response = client.post(url, {**form, "event_types": ["customer.updated"], "active": "on"})
    assert response.status_code == 200
    assert "private or local address" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.active is False
