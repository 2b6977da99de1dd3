"""Every Dangol model has an admin, and every admin page loads for a superuser."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from dangol.accounts.tests.factories import UserFactory
from dangol.customers.models import ConsentEvent, CustomerScore
from dangol.sales.tests.factories import OrderLineFactory
from dangol.touchpoints.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model for model in admin.site._registry if model.__module__.startswith("dangol.")),
    key=lambda model: model._meta.label,
)


def test_every_dangol_model_has_an_admin():
    models = {m._meta.label for m in apps.get_models() if m.__module__.startswith("dangol.")}
    assert models - {m._meta.label for m in REGISTERED} == set()


@pytest.fixture
def root_client(client):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    client.root = root
    return client


@pytest.fixture
def one_of_everything(db):
    line = OrderLineFactory()
    customer = line.order.customer
    ConsentEvent.objects.create(customer=customer, channel="email", granted=True, source="web")
    CustomerScore.objects.create(customer=customer, value_tier="middle")
    InteractionFactory(customer=customer)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_and_add_pages_load(root_client, one_of_everything, model):
    info = (model._meta.app_label, model._meta.model_name)
    response = root_client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert response.status_code == 200
    request = RequestFactory().get("/")
    request.user = root_client.root
    if admin.site._registry[model].has_add_permission(request):
        assert root_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200
