"""The customer admin: pages load at scale-safe settings and saves go through services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dangol.accounts.tests.factories import UserFactory
from dangol.customers.models import ConsentEvent, Customer, CustomerGroup, CustomerScore
from dangol.customers.tests.factories import CustomerFactory, CustomerGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def customer(db):
    customer = CustomerFactory(name="김민준", email="minjun@example.test", external_id="ERP-7")
    ConsentEvent.objects.create(customer=customer, channel="sms", granted=True, source="store")
    CustomerScore.objects.create(customer=customer, value_tier="top", rfm_segment="champions")
    return customer


def _form_data(response) -> dict:
    """Return the POST data a browser would send for the admin form as rendered."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


@pytest.mark.parametrize(
    "model", [Customer, CustomerGroup, ConsentEvent, CustomerScore], ids=lambda m: m.__name__
)
def test_changelists_load_with_data(root_client, customer, model):
    url = reverse(f"admin:customers_{model._meta.model_name}_changelist")
    response = root_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("model", [Customer, CustomerGroup], ids=lambda m: m.__name__)
def test_add_pages_load(root_client, customer, model):
    response = root_client.get(reverse(f"admin:customers_{model._meta.model_name}_add"))
    assert response.status_code == 200


def test_change_page_shows_the_consent_proof(root_client, customer):
    response = root_client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    [inline] = response.context["inline_admin_formsets"]
    assert [form.original.source for form in inline] == ["store"]


def test_list_queries_do_not_grow_with_the_rows(root_client, django_assert_max_num_queries):
    CustomerFactory.create_batch(30, owner=UserFactory(username="owner"))
    # Session, user, count, page and the group filter: five, however many rows.
    with django_assert_max_num_queries(5):
        response = root_client.get(reverse("admin:customers_customer_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 30


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("김민", ["김민준"]),
        ("EOYEO", ["Lee Seoyeon"]),
        ("MINJUN@example", ["김민준"]),
        ("ERP-7", ["김민준"]),
        ("nobody", []),
    ],
)
def test_search_uses_the_customer_search(root_client, customer, query, expected):
    CustomerFactory(name="Lee Seoyeon", email="sy@example.test")
    response = root_client.get(reverse("admin:customers_customer_changelist"), {"q": query})
    assert [c.name for c in response.context["cl"].result_list] == expected


def test_company_picker_offers_companies_only(root_client):
    CustomerFactory(name="Acme person", kind="person")
    CustomerFactory(name="Acme Corp", kind="company")
    response = root_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Acme",
            "app_label": "customers",
            "model_name": "customer",
            "field_name": "company",
        },
    )
    assert [row["text"] for row in response.json()["results"]] == ["Acme Corp"]


def test_admin_add_goes_through_the_service(root_client):
    group = CustomerGroupFactory()
    page = root_client.get(reverse("admin:customers_customer_add"))
    data = _form_data(page)
    data.update(
        name=" 박지훈 ",
        email=" JiHoon.Park@Example.COM ",
        phone="+82 10-2222-3333",
        customer_group=group.pk,
        consent_email="on",
    )
    response = root_client.post(reverse("admin:customers_customer_add"), data)
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert (customer.name, customer.email, customer.phone_digits, customer.consent_email) == (
        "박지훈",
        "jihoon.park@example.com",
        "01022223333",
        True,
    )
    assert list(customer.consent_events.values_list("channel", "granted", "source")) == [
        ("email", True, "admin")
    ]


def test_admin_change_goes_through_the_service(root_client, customer):
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    data = _form_data(root_client.get(url))
    data["email"] = "  New.Address@EXAMPLE.com "
    response = root_client.post(url, data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.email, customer.version) == ("new.address@example.com", 2)


def test_a_stale_admin_form_is_told_and_nothing_is_overwritten(root_client, customer):
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    data = _form_data(root_client.get(url))
    Customer.objects.filter(pk=customer.pk).update(city="Mapo-gu", version=2)
    data["city"] = "Jongno-gu"
    response = root_client.post(url, data)
    assert response.status_code == 200
    assert "changed by someone else" in str(response.context["adminform"].form.non_field_errors())
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Mapo-gu", 2)


def test_an_admin_change_without_the_version_is_refused(root_client, customer):
    # Dropping the hidden field must not turn the form into last-writer-wins.
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    data = _form_data(root_client.get(url))
    Customer.objects.filter(pk=customer.pk).update(city="Mapo-gu", version=2)
    del data["expected_version"]
    data["city"] = "Jongno-gu"
    response = root_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["expected_version"]
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Mapo-gu", 2)


def test_a_service_error_is_shown_on_its_field_and_nothing_is_written(root_client):
    person = CustomerFactory(kind="person", name="Not a company")
    page = root_client.get(reverse("admin:customers_customer_add"))
    data = _form_data(page)
    data.update(name="Contact", company=person.pk)
    response = root_client.post(reverse("admin:customers_customer_add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["company"] == ["The company must be a customer of kind company"]
    assert form["name"].value() == "Contact"  # the input is kept
    assert list(Customer.objects.values_list("name", flat=True)) == ["Not a company"]


def test_staff_see_only_their_customers_in_the_admin(client, sales):
    sales.is_staff = True
    sales.save()
    sales.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_customer", "change_customer"])
    )
    mine = CustomerFactory(owner=sales, name="Mine")
    CustomerFactory(name="Not mine")
    client.force_login(sales)
    response = client.get(reverse("admin:customers_customer_changelist"))
    assert [c.pk for c in response.context["cl"].result_list] == [mine.pk]


def test_admin_delete_goes_through_the_service(root_client, customer):
    url = reverse("admin:customers_customer_delete", args=[customer.pk])
    assert root_client.post(url, {"post": "yes"}).status_code == 302
    # Deleting moves the customer to the trash (restorable); the trash page purges.
    customer.refresh_from_db()
    assert customer.deleted_at is not None
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 0


def test_roles_that_may_not_delete_customers_get_no_delete_page(client, sales):
    sales.is_staff = True
    sales.save()
    sales.user_permissions.add(*Permission.objects.filter(codename__endswith="_customer"))
    customer = CustomerFactory(owner=sales)
    client.force_login(sales)
    url = reverse("admin:customers_customer_delete", args=[customer.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()
