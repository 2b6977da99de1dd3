"""Webhooks through real workers: the database backend and the Redis backend."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dangol.accounts.tests.factories import UserFactory
from dangol.core.tasks_redis import redis_worker_run
from dangol.customers.services import customer_create
from dangol.integration.tests.webhook_support import receiver_fixture  # noqa: F401  (fixture)
from dangol.integration.webhooks.models import DeliveryStatus, WebhookDelivery
from dangol.integration.webhooks.services import webhook_endpoint_create
from dangol.integration.webhooks.signing import webhook_signature_verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin(db):
    return UserFactory(username="hook-admin", is_superuser=True, is_staff=True)


def _signed(request, secret: str) -> bool:
    return webhook_signature_verify(
        secret=secret,
        timestamp=request.headers["X-Dangol-Timestamp"],
        body=request.body,
        signature=request.headers["X-Dangol-Signature"],
    )


def test_database_worker_delivers_after_commit_and_defers_the_retry(settings, receiver, admin):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DANGOL_WEBHOOK_ALLOW_PRIVATE = True
    endpoint = webhook_endpoint_create(
        actor=admin, url=receiver.url, event_types=["customer.created"]
    )
    customer = customer_create(actor=admin, name="정민호")  # commits: autocommit test

    # The write only queued the work: nothing was sent on the caller's path.
    assert receiver.requests == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    call_command("worker", "--batch")
    [request] = receiver.requests
    assert _signed(request, endpoint.secret)
    assert json.loads(request.body)["data"]["id"] == customer.pk
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED

    receiver.status = 502
    customer_create(actor=admin, name="Retry Me")
    call_command("worker", "--batch")
    delivery = WebhookDelivery.objects.get(payload__data__name="Retry Me")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    # The retry is a deferred task due at next_attempt_at, which this batch did not run.
    deferred = DBTaskResult.objects.get(status="READY")
    assert deferred.run_after == delivery.next_attempt_at
    assert deferred.args_kwargs["args"] == [delivery.pk, 2]
    assert len(receiver.requests) == 2


def test_worker_sweep_enqueues_a_due_retry_whose_task_was_lost(settings, receiver, admin):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DANGOL_WEBHOOK_ALLOW_PRIVATE = True
    webhook_endpoint_create(actor=admin, url=receiver.url, event_types=["customer.created"])
    customer_create(actor=admin, name="Lost Task")
    DBTaskResult.objects.all().delete()  # as if the queue lost it
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - dt.timedelta(minutes=10))

    call_command("worker", "--batch")  # sweeps first, then runs what the sweep queued

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_redis_worker_delivers_a_signed_webhook(settings, receiver, admin, redis_task_backend):
    settings.DANGOL_WEBHOOK_ALLOW_PRIVATE = True
    endpoint = webhook_endpoint_create(
        actor=admin, url=receiver.url, event_types=["customer.created"]
    )
    receiver.status = 500
    customer_create(actor=admin, name="Redis Kim")
    assert receiver.requests == []
    backend = redis_task_backend
    assert redis_worker_run(backend=backend, batch=True) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
    # The retry waits in Redis's schedule until due; promote it as if time had passed.
    assert redis_worker_run(backend=backend, batch=True) == 0
    receiver.status = 200
    assert backend.promote_due("default", now=delivery.next_attempt_at) == 1
    assert redis_worker_run(backend=backend, batch=True) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert len(receiver.requests) == 2
    assert all(_signed(request, endpoint.secret) for request in receiver.requests)
