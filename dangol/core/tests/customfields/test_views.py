from __future__ import annotations

import pytest
from django.urls import reverse

from dangol.core.customfields.models import CustomFieldDefinition
from dangol.core.customfields.services import custom_field_create
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def level(admin_user):
    return custom_field_create(
        actor=admin_user,
        entity="customer",
        key="level",
        label="Level",
        field_type="choice",
        choices=["gold|Gold|골드", "silver|Silver|실버"],
    )


@pytest.mark.parametrize("role_user", ["manager", "sales", "marketing", "analyst"])
def test_only_administrators_open_the_pages(request, client, level, role_user):
    client.force_login(request.getfixturevalue(role_user))
    for url in (
        reverse("customfields:list"),
        reverse("customfields:create"),
        reverse("customfields:edit", args=[level.pk]),
        reverse("customfields:delete", args=[level.pk]),
    ):
        assert client.get(url).status_code == 403


def test_create_rename_and_list(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("customfields:create"),
        {"entity": "ticket", "key": "device", "label": "Device", "field_type": "text", "order": 1},
    )
    assert response.status_code == 302
    field = CustomFieldDefinition.objects.get(entity="ticket", key="device")

    response = client.post(
        reverse("customfields:edit", args=[field.pk]),
        {"label": "Device model", "label_ko": "기기 모델", "field_type": "text", "order": 2},
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.label, field.label_ko, field.order) == (
        "device",
        "Device model",
        "기기 모델",
        2,
    )
    page = client.get(reverse("customfields:list") + "?entity=ticket")
    assert page.status_code == 200
    assert "Device model" in page.content.decode()


def test_removing_a_choice_in_use_asks_then_applies(client, admin_user, level):
    customer = CustomerFactory(custom_fields={"level": "silver"})
    client.force_login(admin_user)
    data = {"label": "Level", "field_type": "choice", "choices": "gold|Gold|골드", "order": 0}

    asked = client.post(reverse("customfields:edit", args=[level.pk]), data)

    assert asked.status_code == 400
    assert "1 stored values of Level would no longer be valid" in asked.content.decode()
    assert Customer.objects.get(pk=customer.pk).custom_fields == {"level": "silver"}

    done = client.post(reverse("customfields:edit", args=[level.pk]), {**data, "confirm": "on"})
    assert done.status_code == 302
    assert Customer.objects.get(pk=customer.pk).custom_fields == {}


def test_delete_page_counts_and_needs_the_typed_key(client, admin_user, level):
    kept = CustomerFactory(custom_fields={"level": "gold"})
    CustomerFactory(custom_fields={"level": "silver"})
    client.force_login(admin_user)
    url = reverse("customfields:delete", args=[level.pk])

    page = client.get(url)
    assert page.context["holding"] == 2
    wrong = client.post(url, {"confirmation": "Level"})
    assert wrong.status_code == 400
    assert Customer.objects.get(pk=kept.pk).custom_fields == {"level": "gold"}

    assert client.post(url, {"confirmation": "level"}).status_code == 302
    assert Customer.objects.get(pk=kept.pk).custom_fields == {}
    assert not CustomFieldDefinition.objects.filter(pk=level.pk).exists()


def test_archive_hides_and_keeps_values(client, admin_user, level):
    customer = CustomerFactory(custom_fields={"level": "gold"})
    client.force_login(admin_user)

    client.post(reverse("customfields:archive", args=[level.pk]), {"archived": "1"})

    level.refresh_from_db()
    assert level.archived
    assert Customer.objects.get(pk=customer.pk).custom_fields == {"level": "gold"}
