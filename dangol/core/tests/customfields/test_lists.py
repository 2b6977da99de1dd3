"""Custom-field columns and filters on the ticket list, the product list and the pipeline board.

The three lists share ``core.customfields.filters`` with the customer list (strict form:
a bad value is reported, not a 500) and read the definitions once per page.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangol.catalog.tests.factories import ProductFactory
from dangol.core.customfields.services import custom_field_create
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.models import Opportunity
from dangol.sales.pipeline_services import opportunity_create, pipeline_stages_ensure
from dangol.service.models import Ticket
from dangol.service.services import ticket_open

pytestmark = pytest.mark.django_db

CHOICES = [
    {"value": "gold", "label": "Gold", "label_ko": "골드"},
    {"value": "silver", "label": "Silver", "label_ko": "실버"},
]
SPECS = [
    ("note", "Note", "text", {}),
    ("visits", "Visits", "number", {}),
    ("credit", "Credit", "money", {}),
    ("joined", "Joined", "date", {}),
    ("level", "Level", "choice", {"choices": CHOICES}),
    ("tags", "Tags", "multichoice", {"choices": CHOICES}),
    ("vip", "VIP", "boolean", {}),
    ("rep", "Account rep", "user", {}),
    ("referrer", "Referred by", "customer", {}),
]
ENTITIES = ["ticket", "product", "opportunity"]
URLS = {
    "ticket": "service:ticket_list",
    "product": "catalog:product_list",
    "opportunity": "pipeline:board",
}


def _define(admin, entity: str) -> None:
    for key, label, kind, extra in SPECS:
        custom_field_create(
            actor=admin,
            entity=entity,
            key=key,
            label=label,
            field_type=kind,
            show_in_list=True,
            filterable=True,
            **extra,
        )


def _make(entity: str, name: str, *, owner, values: dict):
    """Create one record of ``entity`` named ``name`` holding stored ``values``."""
    if entity == "product":
        return ProductFactory(name=name, custom_fields=values)
    customer = CustomerFactory(owner=owner)
    if entity == "ticket":
        record = ticket_open(
            actor=owner, customer=customer, subject=name, body="b", channel="phone"
        )
        model = Ticket
    else:
        pipeline_stages_ensure()
        record = opportunity_create(
            actor=owner,
            customer=customer,
            name=name,
            amount="100",
            expected_close=timezone.localdate(),
            channel="field",
        )
        model = Opportunity
    model.objects.filter(pk=record.pk).update(custom_fields=values)
    return record


def _names(entity: str, response) -> list[str]:
    if entity == "ticket":
        return sorted(t.subject for t in response.context["page"].items)
    if entity == "product":
        return sorted(p.name for p in response.context["page"].items)
    return sorted(card.name for column in response.context["columns"] for card in column.cards)


@pytest.fixture
def records(admin_user, sales, request):
    """Alpha and Bravo hold values of every type, Charlie none (the entity is the param)."""
    entity = request.param
    _define(admin_user, entity)
    first, second = CustomerFactory(), CustomerFactory()
    _make(
        entity,
        "Alpha",
        owner=admin_user,
        values={
            "note": "Blue door",
            "visits": 3,
            "credit": 12.5,
            "joined": "2026-01-10",
            "level": "gold",
            "tags": ["gold", "silver"],
            "vip": True,
            "rep": admin_user.pk,
            "referrer": first.pk,
        },
    )
    _make(
        entity,
        "Bravo",
        owner=admin_user,
        values={
            "note": "red",
            "visits": 10,
            "credit": 100,
            "joined": "2026-03-01",
            "level": "silver",
            "tags": ["silver"],
            "vip": False,
            "rep": sales.pk,
            "referrer": second.pk,
        },
    )
    _make(entity, "Charlie", owner=admin_user, values={})
    return {"entity": entity, "rep": admin_user.pk, "first": first.pk, "second": second.pk}


FILTERS = [
    ({"cf_note": "BLUE"}, ["Alpha"]),
    ({"cf_visits_min": "5"}, ["Bravo"]),
    ({"cf_visits_max": "5"}, ["Alpha"]),
    ({"cf_credit_min": "12.50", "cf_credit_max": "50"}, ["Alpha"]),
    ({"cf_joined_min": "2026-02-01"}, ["Bravo"]),
    ({"cf_joined_min": "2026-01-10", "cf_joined_max": "2026-01-10"}, ["Alpha"]),
    ({"cf_level": "silver"}, ["Bravo"]),
    ({"cf_tags": "gold"}, ["Alpha"]),
    ({"cf_tags": "silver"}, ["Alpha", "Bravo"]),
    ({"cf_vip": "true"}, ["Alpha"]),
    ({"cf_vip": "false"}, ["Bravo"]),
    ({"cf_rep": "{rep}"}, ["Alpha"]),
    ({"cf_referrer": "{second}"}, ["Bravo"]),
    ({"cf_referrer": "999999"}, []),
    ({"cf_level": "gold", "cf_visits_min": "5"}, []),
    ({}, ["Alpha", "Bravo", "Charlie"]),
]


@pytest.mark.parametrize("records", ENTITIES, indirect=True)
@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_each_filter_type(client, admin_user, records, params, expected):
    client.force_login(admin_user)
    params = {k: v.format(**records) for k, v in params.items()}
    response = client.get(reverse(URLS[records["entity"]]), params)
    assert response.status_code == 200
    assert _names(records["entity"], response) == expected
    assert not response.context["form"].errors


@pytest.mark.parametrize("records", ENTITIES, indirect=True)
def test_columns_show_the_values(client, admin_user, records):
    client.force_login(admin_user)
    response = client.get(reverse(URLS[records["entity"]]), {"cf_note": "blue"})
    assert [d.key for d in response.context["custom_columns"]] == [s[0] for s in SPECS]
    html = response.content.decode()
    for shown in ("Blue door", "12.50", "2026-01-10", "Gold", "Gold, Silver"):
        assert shown in html
    if records["entity"] == "opportunity":  # the cards label their values
        assert "Level: Gold" in html and "VIP: Yes" in html
    else:
        assert '<th scope="col">Account rep</th>' in html


BAD = [
    ({"cf_visits_min": "many"}, "Visits (from)", "Enter a number."),
    ({"cf_credit_max": "1.234"}, "Credit (to)", "Ensure that there are no more than 2 decimal"),
    ({"cf_joined_min": "2026-13-01"}, "Joined (from)", "Enter a valid date."),
    ({"cf_level": "platinum"}, "Level", "Select a valid choice. platinum is not one of"),
    ({"cf_tags": "bronze"}, "Tags", "Select a valid choice. bronze is not one of"),
    ({"cf_vip": "maybe"}, "VIP", "Select a valid choice. maybe is not one of"),
    ({"cf_rep": "abc"}, "Account rep", "Select a valid choice. abc is not one of"),
    ({"cf_referrer": "abc"}, "Referred by (customer number)", "Enter a whole number."),
]


@pytest.mark.parametrize("records", ENTITIES, indirect=True)
@pytest.mark.parametrize(("params", "label", "message"), BAD)
def test_bad_filter_input_is_reported_and_left_out(
    client, admin_user, records, params, label, message
):
    client.force_login(admin_user)
    # The bad value is left out; the good filter next to it still applies.
    response = client.get(reverse(URLS[records["entity"]]), {**params, "cf_level_": ""})
    assert response.status_code == 200
    assert _names(records["entity"], response) == ["Alpha", "Bravo", "Charlie"]
    html = response.content.decode()
    assert f"Ignored an invalid filter value: {label}: {message}" in html.replace("&#x27;", "'")
    both = client.get(reverse(URLS[records["entity"]]), {**params, "cf_note": "red"})
    assert _names(records["entity"], both) == ["Bravo"]


@pytest.mark.parametrize("records", ["ticket", "opportunity"], indirect=True)
def test_filters_show_only_what_the_role_saw(client, admin_user, sales, records):
    """A salesperson sees the records of the customers they own, filtered or not."""
    entity = records["entity"]
    _make(entity, "Own", owner=sales, values={"level": "silver"})
    client.force_login(sales)
    response = client.get(reverse(URLS[entity]), {"cf_level": "silver"})
    assert response.status_code == 200
    assert _names(entity, response) == ["Own"]


def test_analyst_still_may_not_open_the_board(client, analyst, admin_user):
    _define(admin_user, "opportunity")
    client.force_login(analyst)
    assert client.get(reverse("pipeline:board"), {"cf_level": "gold"}).status_code == 403


def test_ticket_list_htmx_swap_gets_the_results_with_the_errors(client, admin_user):
    _define(admin_user, "ticket")
    client.force_login(admin_user)
    response = client.get(
        reverse("service:ticket_list"), {"cf_visits_min": "x"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="ticket-filters"' not in html
    assert "Ignored an invalid filter value: Visits (from): Enter a number." in html


PRODUCTS = [
    ({"status": "inactive"}, ["Old"]),
    ({"status": "active"}, ["Cheap", "Dear"]),
    ({"price_min": "500"}, ["Dear", "Old"]),
    ({"price_max": "500"}, ["Cheap"]),
    ({"price_min": "100", "price_max": "2000", "status": "active"}, ["Cheap", "Dear"]),
    ({"q": "dea"}, ["Dear"]),
]


@pytest.mark.parametrize(("params", "expected"), PRODUCTS)
def test_product_built_in_filters(client, admin_user, params, expected):
    ProductFactory(name="Cheap", unit_price=Decimal("100.00"))
    ProductFactory(name="Dear", unit_price=Decimal("2000.00"))
    ProductFactory(name="Old", unit_price=Decimal("900.00"), active=False)
    client.force_login(admin_user)
    response = client.get(reverse("catalog:product_list"), params)
    assert sorted(p.name for p in response.context["page"].items) == expected


def test_product_price_filter_refuses_a_word(client, admin_user):
    ProductFactory(name="Cheap", unit_price=Decimal("100.00"))
    client.force_login(admin_user)
    response = client.get(reverse("catalog:product_list"), {"price_min": "lots"})
    assert response.status_code == 200
    assert [p.name for p in response.context["page"].items] == ["Cheap"]
    assert "Ignored an invalid filter value: Unit price (from): Enter a number." in (
        response.content.decode()
    )


def test_korean_labels_on_the_filters(client, admin_user):
    custom_field_create(
        actor=admin_user,
        entity="product",
        key="level",
        label="Level",
        label_ko="등급",
        field_type="choice",
        choices=CHOICES,
        filterable=True,
    )
    custom_field_create(
        actor=admin_user,
        entity="product",
        key="weight",
        label="Weight",
        label_ko="무게",
        field_type="number",
        filterable=True,
    )
    client.force_login(admin_user)
    response = client.get(
        reverse("catalog:product_list"), {"cf_weight_min": "x"}, HTTP_ACCEPT_LANGUAGE="ko"
    )
    html = response.content.decode()
    assert '<label for="id_cf_level">등급</label>' in html
    assert '<option value="gold">골드</option>' in html
    assert '<label for="id_cf_weight_min">무게 (부터)</label>' in html
    assert '<label for="id_price_max">단가 (까지)</label>' in html
    assert "잘못된 필터 값을 무시했습니다: 무게 (부터): " in html


# --------------------------------------------------------------------------------------
# Queries: fixed whatever the number of records and filters (no query per row or field).

# session, user, the definitions (one read for filters, columns and condition), the
# active users (the user field's choices), the user's role, then tickets: the queues
# (filter choices), the page's rows (the custom conditions in the same query); products:
# the categories, the rows; board: the stage totals, the stages, one query per stage's
# cards (6 stages).
QUERIES = {"ticket": 7, "product": 7, "opportunity": 13}
ALL_FILTERS = {
    "cf_note": "o",
    "cf_visits_min": "1",
    "cf_credit_max": "1000",
    "cf_joined_min": "2026-01-01",
    "cf_level": "gold",
    "cf_tags": "gold",
    "cf_vip": "true",
}


@pytest.mark.parametrize("entity", ENTITIES)
def test_list_queries_do_not_grow_with_rows(client, admin_user, entity, django_assert_num_queries):
    _define(admin_user, entity)
    values = {
        "note": "Blue door",
        "visits": 3,
        "credit": 12.5,
        "joined": "2026-01-10",
        "level": "gold",
        "tags": ["gold"],
        "vip": True,
        "rep": admin_user.pk,
        "referrer": CustomerFactory().pk,
    }
    _make(entity, "R0", owner=admin_user, values=values)
    client.force_login(admin_user)
    url = reverse(URLS[entity])
    params = {**ALL_FILTERS, "cf_rep": str(admin_user.pk)}
    assert client.get(url, params).status_code == 200  # warm the per-process caches
    with django_assert_num_queries(QUERIES[entity]):
        response = client.get(url, params)
    assert _names(entity, response) == ["R0"]
    for i in range(1, 6):
        _make(entity, f"R{i}", owner=admin_user, values=values)
    with django_assert_num_queries(QUERIES[entity]):
        response = client.get(url, params)
    assert _names(entity, response) == [f"R{i}" for i in range(6)]
