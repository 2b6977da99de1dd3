from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangol.accounts.roles import Role
from dangol.customers.choices import ConsentChannel, CustomerKind, Region
from dangol.customers.models import ConsentEvent, CustomerScore
from dangol.customers.tests.factories import CustomerFactory, CustomerGroupFactory
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory
from dangol.touchpoints.tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("customers:list")


@pytest.fixture(autouse=True)
def _english_and_fast_passwords(settings):
    """Render in English (assertions read English labels); hash test passwords cheaply."""
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _names(response) -> list[str]:
    return [c.name for c in response.context["page"].items]


@pytest.fixture
def book(sales, other_sales):
    """Three customers: two owned by `sales`, one by `other_sales`."""
    wholesale = CustomerGroupFactory(code="wholesale", name="Wholesale", name_ko="도매")
    return {
        "kim": CustomerFactory(name="Kim Minji", owner=sales, email="minji@example.test"),
        "acme": CustomerFactory(
            name="Acme Trading",
            kind=CustomerKind.COMPANY,
            owner=sales,
            customer_group=wholesale,
            region=Region.BUSAN,
        ),
        "lee": CustomerFactory(name="Lee Jun", owner=other_sales, region=Region.JEJU),
    }


def test_anonymous_is_redirected_to_login(client, book):
    for url in (LIST_URL, reverse("customers:detail", args=[book["kim"].pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.SALES, ["Acme Trading", "Kim Minji"]),
        (Role.MANAGER, ["Acme Trading", "Kim Minji"]),
        (Role.ANALYST, ["Lee Jun", "Acme Trading", "Kim Minji"]),
        (Role.SERVICE, ["Lee Jun", "Acme Trading", "Kim Minji"]),
    ],
)
def test_list_shows_visible_customers_per_role(client, users_by_role, book, role, expected):
    client.force_login(users_by_role[role])

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert _names(response) == expected
    assert "<html" in response.content.decode()


def test_list_search_and_filters(client, admin_user, book, sales):
    client.force_login(admin_user)

    assert _names(client.get(LIST_URL, {"q": "kim"})) == ["Kim Minji"]
    assert _names(client.get(LIST_URL, {"q": "minji@example.test"})) == ["Kim Minji"]
    assert _names(client.get(LIST_URL, {"kind": "company"})) == ["Acme Trading"]
    assert _names(client.get(LIST_URL, {"group": "wholesale"})) == ["Acme Trading"]
    assert _names(client.get(LIST_URL, {"region": "jeju"})) == ["Lee Jun"]
    assert _names(client.get(LIST_URL, {"owner": sales.pk})) == ["Acme Trading", "Kim Minji"]
    assert _names(client.get(LIST_URL, {"status": "churned"})) == []


def test_list_owner_choices_follow_the_role(client, sales, other_sales, admin_user, book):
    client.force_login(sales)
    response = client.get(LIST_URL, {"owner": other_sales.pk})

    owner_values = [value for value, _ in response.context["form"].fields["owner"].choices]
    assert owner_values == ["", str(sales.pk)]
    # Another representative's id is reported as invalid and ignored, not applied.
    assert response.context["form"].errors.keys() == {"owner"}
    assert _names(response) == ["Acme Trading", "Kim Minji"]


@pytest.mark.parametrize(
    "params",
    [
        {"after": "abc"},
        {"before": "-3"},
        {"after": "99999999999999999999999"},
        {"owner": "x"},
        {"kind": "robot"},
        {"region": "mars", "status": "<script>"},
        {"group": "nope"},
        {"tier": "platinum"},
        {"q": "x" * 500},
        {"q": "\"'%_\\"},
        {"q": "010-"},
    ],
)
def test_list_bad_query_params_never_fail(client, admin_user, book, params):
    client.force_login(admin_user)

    response = client.get(LIST_URL, params)

    assert response.status_code == 200


def test_list_bad_filter_is_reported_and_ignored(client, admin_user, book):
    client.force_login(admin_user)

    response = client.get(LIST_URL, {"kind": "robot", "region": "jeju"})

    assert _names(response) == ["Lee Jun"]
    assert "Ignored an invalid filter value" in response.content.decode()


def test_list_htmx_request_gets_only_the_results(client, admin_user, book):
    client.force_login(admin_user)

    response = client.get(LIST_URL, {"q": "Lee"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Lee Jun" in body and "Kim Minji" not in body
    assert "HX-Request" in response["Vary"]
    restore = client.get(
        LIST_URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_list_pagination_keeps_query_and_filters(client, admin_user, settings):
    settings.DANGOL_PAGE_SIZE = 2
    for i in range(5):
        CustomerFactory(name=f"Park {i}", region=Region.SEOUL)
    CustomerFactory(name="Park elsewhere", region=Region.BUSAN)
    client.force_login(admin_user)

    first = client.get(LIST_URL, {"q": "Park", "region": "seoul"})
    page = first.context["page"]
    second = client.get(LIST_URL, {"q": "Park", "region": "seoul", "after": page.next_cursor})
    back = client.get(
        LIST_URL, {"q": "Park", "region": "seoul", "before": second.context["page"].prev_cursor}
    )

    assert _names(first) == ["Park 4", "Park 3"]
    assert f'href="?q=Park&amp;region=seoul&amp;after={page.next_cursor}"' in (
        first.content.decode()
    )
    assert _names(second) == ["Park 2", "Park 1"]
    assert _names(back) == ["Park 4", "Park 3"]


def _customer_with_history(owner):
    customer = CustomerFactory(name="Choi Yuna", owner=owner, consent_email=True)
    now = timezone.now()
    old = OrderFactory(customer=customer, number="ORD-OLD", ordered_at=now - timedelta(days=9))
    OrderLineFactory(order=old, quantity=2, unit_price=Decimal("15000"), discount=Decimal("0"))
    OrderLineFactory(order=old, quantity=1, unit_price=Decimal("5000"), discount=Decimal("500"))
    new = OrderFactory(customer=customer, number="ORD-NEW", ordered_at=now - timedelta(days=1))
    OrderLineFactory(order=new, quantity=3, unit_price=Decimal("1200"), discount=Decimal("0"))
    InteractionFactory(customer=customer, subject="Asked about delivery", occurred_at=now)
    InteractionFactory(
        customer=customer, subject="Welcome call", occurred_at=now - timedelta(days=20)
    )
    ConsentEvent.objects.create(
        customer=customer,
        channel=ConsentChannel.EMAIL,
        granted=True,
        source="web signup form",
        occurred_at=now - timedelta(days=30),
    )
    return customer


def test_detail_shows_the_360_view(client, sales):
    customer = _customer_with_history(sales)
    client.force_login(sales)

    response = client.get(reverse("customers:detail", args=[customer.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert [(o.number, o.total, o.line_count) for o in response.context["orders"]] == [
        ("ORD-NEW", Decimal("3600.00"), 1),
        ("ORD-OLD", Decimal("34500.00"), 2),
    ]
    assert "34,500" in body and "3,600" in body
    assert body.index("ORD-NEW") < body.index("ORD-OLD")
    assert body.index("Asked about delivery") < body.index("Welcome call")
    assert "web signup form" in body
    assert "Not computed yet" in body
    for placeholder in ("Tickets", "Opportunities", "Recommendations"):
        assert placeholder in body


def test_detail_shows_scores_when_computed(client, admin_user):
    customer = CustomerFactory()
    CustomerScore.objects.create(
        customer=customer,
        value_tier="top",
        rfm_recency=5,
        rfm_frequency=4,
        rfm_monetary=3,
        clv=Decimal("123456.00"),
        churn_probability=0.25,
    )
    client.force_login(admin_user)

    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()

    assert "R5 F4 M3" in body
    assert "123,456" in body
    assert "25%" in body
    assert "Not computed yet" not in body


def test_detail_of_company_lists_its_contacts(client, admin_user):
    company = CustomerFactory(name="Hanbit Co", kind=CustomerKind.COMPANY)
    CustomerFactory(name="Jung Hana", company=company)
    client.force_login(admin_user)

    response = client.get(reverse("customers:detail", args=[company.pk]))

    assert [c.name for c in response.context["contacts"]] == ["Jung Hana"]


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("sales", 200), ("manager", 200), ("other_sales", 404), ("analyst", 200)],
)
def test_detail_visibility_per_role(client, request, sales, viewer, status):
    customer = _customer_with_history(sales)
    client.force_login(request.getfixturevalue(viewer))

    response = client.get(reverse("customers:detail", args=[customer.pk]))

    assert response.status_code == status


def test_detail_of_missing_customer_is_404(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("customers:detail", args=[987654])).status_code == 404


@pytest.mark.django_db
def test_the_360_timeline_refreshes_live_and_stays_private(client, sales, other_sales):
    from dangol.touchpoints.services import interaction_log

    customer = CustomerFactory(owner=sales)
    client.force_login(sales)
    page = client.get(reverse("customers:detail", args=[customer.pk]))
    url = reverse("customers:timeline", args=[customer.pk])
    assert f'hx-get="{url}"'.encode() in page.content
    interaction_log(
        actor=sales, customer=customer, channel="chat", direction="inbound", subject="Live chat"
    )
    fragment = client.get(url)
    assert b"Live chat" in fragment.content and b"<html" not in fragment.content
    client.force_login(other_sales)
    assert client.get(url).status_code == 404
