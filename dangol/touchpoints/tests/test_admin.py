"""The touchpoint admin: pages load and new entries go through ``interaction_log``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangol.accounts.tests.factories import UserFactory
from dangol.customers.tests.factories import CustomerFactory
from dangol.touchpoints.models import Interaction
from dangol.touchpoints.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client


def test_pages_load_with_data(root_client):
    interaction = InteractionFactory(customer=CustomerFactory(external_id="ERP-9"))
    InteractionFactory()
    changelist = reverse("admin:touchpoints_interaction_changelist")
    response = root_client.get(changelist)
    assert (response.status_code, response.context["cl"].result_count) == (200, 2)
    assert root_client.get(reverse("admin:touchpoints_interaction_add")).status_code == 200
    change = reverse("admin:touchpoints_interaction_change", args=[interaction.pk])
    assert root_client.get(change).status_code == 200
    found = root_client.get(changelist, {"q": "ERP-9"}).context["cl"].result_list
    assert [i.pk for i in found] == [interaction.pk]
    found = root_client.get(changelist, {"q": str(interaction.customer_id)}).context["cl"]
    assert [i.pk for i in found.result_list] == [interaction.pk]


def test_list_queries_do_not_grow_with_the_rows(root_client, django_assert_num_queries):
    InteractionFactory.create_batch(20)
    # Session, user, count, page (customers and users joined).
    with django_assert_num_queries(4):
        root_client.get(reverse("admin:touchpoints_interaction_changelist"))


def test_admin_add_goes_through_the_service(root_client, root):
    customer = CustomerFactory()
    response = root_client.post(
        reverse("admin:touchpoints_interaction_add"),
        {
            "customer": customer.pk,
            "channel": "phone",
            "direction": "outbound",
            "subject": "  Follow-up   call ",
            "body": "",
            "occurred_at_0": "2026-05-04",
            "occurred_at_1": "10:30:00",
            "outcome": "",
        },
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    # Seoul time in the form, UTC in the database; the service records who logged it.
    assert (interaction.subject, interaction.user_id, interaction.occurred_at) == (
        "Follow-up call",
        root.pk,
        dt.datetime(2026, 5, 4, 1, 30, tzinfo=dt.UTC),
    )
