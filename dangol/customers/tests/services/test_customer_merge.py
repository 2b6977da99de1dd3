"""Duplicates found by normalised email/phone; merge moves everything; unmerge undoes it."""

import datetime as dt

import pytest

from dangol.catalog.tests.factories import CategoryFactory
from dangol.core.errors import PermissionDeniedError, ValidationError
from dangol.customers.merge import customer_duplicates_list, customer_merge, customer_unmerge
from dangol.customers.models import CategoryBudget, ConsentEvent, Customer
from dangol.customers.normalize import normalize_phone
from dangol.customers.services import customer_consent_set
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Order
from dangol.sales.pipeline_services import opportunity_create
from dangol.sales.tests.factories import OrderFactory
from dangol.service.services import ticket_open
from dangol.touchpoints.models import Interaction
from dangol.touchpoints.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(sales):
    survivor = CustomerFactory(owner=sales, name="김지은", email="jieun@x.test", phone="", city="")
    duplicate = CustomerFactory(
        owner=sales, name="김지은", email="jieun@x.test", phone="010-3333-4444", city="Seoul"
    )
    return survivor, duplicate


def test_duplicates_are_found_by_email_and_by_phone_in_any_format(admin_user):
    a = CustomerFactory(email="same@x.test", phone="010-1111-2222")
    b = CustomerFactory(email="same@x.test", phone="")
    # As the services store it: the digits normalised from the international form.
    c = CustomerFactory(
        email="other@x.test",
        phone="+82 10 1111 2222",
        phone_digits=normalize_phone("+82 10 1111 2222"),
    )
    groups = {(g.key, tuple(g.customer_ids)) for g in customer_duplicates_list(user=admin_user)}
    assert groups == {("email", (a.pk, b.pk)), ("phone", (a.pk, c.pk))}


def test_the_same_name_and_birth_date_is_a_likely_duplicate(admin_user):
    born = dt.date(1990, 5, 1)
    a = CustomerFactory(name="김 민준", birth_date=born, email="a@x.test", phone="")
    b = CustomerFactory(name="김민준", birth_date=born, email="b@x.test", phone="")
    CustomerFactory(name="김민준", birth_date=dt.date(1991, 1, 1), email="c@x.test", phone="")
    groups = [g for g in customer_duplicates_list(user=admin_user) if g.key == "name"]
    assert [(g.customer_ids, g.value) for g in groups] == [([a.pk, b.pk], "김민준 1990-05-01")]


def test_merge_moves_history_fills_blanks_and_undo_restores_it(admin_user, sales, pair):
    survivor, duplicate = pair
    category = CategoryFactory(name="Tea")
    order = OrderFactory(customer=duplicate)
    touch = InteractionFactory(customer=duplicate)
    consent = customer_consent_set(
        actor=None, customer=duplicate, channel="email", granted=True, source="web"
    )
    ticket = ticket_open(actor=sales, customer=duplicate, subject="S", body="B", channel="phone")
    deal = opportunity_create(
        actor=sales,
        customer=duplicate,
        name="D",
        amount=1,
        expected_close=dt.date(2026, 12, 31),
        channel="field",
    )
    CategoryBudget.objects.create(customer=survivor, category=category, annual_budget=100)
    clash = CategoryBudget.objects.create(customer=duplicate, category=category, annual_budget=50)

    merge = customer_merge(actor=admin_user, survivor=survivor, duplicate=duplicate)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    assert (survivor.phone, survivor.phone_digits, survivor.city) == (
        "010-3333-4444",
        "01033334444",
        "Seoul",
    )
    for record in (order, touch, consent, ticket, deal):
        record.refresh_from_db()
        assert record.customer_id == survivor.pk, type(record).__name__
    clash.refresh_from_db()
    assert clash.customer_id == duplicate.pk  # the same category twice: kept apart
    assert merge.filled["_kept"] == {"customers.CategoryBudget.customer": [clash.pk]}

    later = OrderFactory(customer=survivor)  # business goes on after the merge
    customer_unmerge(actor=admin_user, merge=merge)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert (survivor.phone, survivor.city) == ("", "")
    assert set(Order.objects.filter(customer=duplicate).values_list("pk", flat=True)) == {order.pk}
    assert Order.objects.get(pk=later.pk).customer_id == survivor.pk
    assert Interaction.objects.get(pk=touch.pk).customer_id == duplicate.pk
    assert ConsentEvent.objects.get(pk=consent.pk).customer_id == duplicate.pk
    with pytest.raises(ValidationError, match="already undone"):
        customer_unmerge(actor=admin_user, merge=merge)


def test_merge_rules(admin_user, sales, pair):
    survivor, duplicate = pair
    with pytest.raises(PermissionDeniedError):
        customer_merge(actor=sales, survivor=survivor, duplicate=duplicate)
    with pytest.raises(ValidationError, match="itself"):
        customer_merge(actor=admin_user, survivor=survivor, duplicate=survivor)
    customer_merge(actor=admin_user, survivor=survivor, duplicate=duplicate)
    with pytest.raises(ValidationError, match="already merged"):
        customer_merge(actor=admin_user, survivor=duplicate, duplicate=survivor)
    assert not Customer.objects.filter(merged_into=None, pk=duplicate.pk).exists()


def test_the_merged_duplicates_page_leads_to_the_survivor(client, admin_user, pair):
    survivor, duplicate = pair
    customer_merge(actor=admin_user, survivor=survivor, duplicate=duplicate)
    client.force_login(admin_user)
    response = client.get(f"/customers/{duplicate.pk}/")
    assert response.url == f"/customers/{survivor.pk}/"


def test_the_duplicates_page_merges_and_undoes(client, admin_user, sales, pair):
    survivor, duplicate = pair
    client.force_login(sales)
    assert client.get("/customers/duplicates/").status_code == 403
    client.force_login(admin_user)
    page = client.get("/customers/duplicates/")
    [(_group, shown)] = page.context["groups"]
    assert [c.pk for c in shown] == [survivor.pk, duplicate.pk]
    client.post("/customers/duplicates/", {"survivor": survivor.pk, "duplicate": duplicate.pk})
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    [merge] = client.get("/customers/duplicates/").context["recent"]
    client.post("/customers/duplicates/", {"undo": merge.pk})
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
