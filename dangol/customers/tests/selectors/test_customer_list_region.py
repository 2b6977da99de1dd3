"""The region filter for users who see some owners' customers: read per owner, same pages."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dangol.customers import selectors
from dangol.customers.choices import LifecycleStatus, Region
from dangol.customers.models import Customer
from dangol.customers.selectors import CustomerFilters
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(sales, other_sales, manager):
    """Customers of both regions among the sales user, the manager, another team, nobody."""
    owners = [sales, manager, other_sales, None]
    made = []
    for i in range(40):
        made.append(
            CustomerFactory(
                name=f"C{i}",
                owner=owners[i % 4],
                region=Region.BUSAN if i % 3 else Region.SEOUL,
                status=LifecycleStatus.LEAD if i % 5 == 0 else LifecycleStatus.CUSTOMER,
            )
        )
    Customer.objects.filter(pk=made[4].pk).update(deleted_at=timezone.now())  # trashed
    return made


def _expected(user, filters: CustomerFilters) -> list[int]:
    visible = {c.pk for c in selectors.customer_list(user=user, size=1000).items}
    rows = Customer.objects.filter(pk__in=visible, region=filters.region)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return sorted(rows.values_list("pk", flat=True), reverse=True)


def _walk_forward(user, filters: CustomerFilters, size: int) -> list[list[int]]:
    pages, after = [], None
    while True:
        page = selectors.customer_list(user=user, filters=filters, size=size, after=after)
        pages.append([c.pk for c in page.items])
        if page.next_cursor is None:
            return pages
        after = page.next_cursor


@pytest.mark.parametrize("who", ["sales", "manager"])
@pytest.mark.parametrize("status", ["", LifecycleStatus.CUSTOMER])
def test_pages_forward_and_back_match_the_plain_filter(request, book, who, status):
    user = request.getfixturevalue(who)
    filters = CustomerFilters(region=Region.BUSAN, status=status)
    expected = _expected(user, filters)
    assert expected  # the fixture gives each of them customers in Busan

    pages = _walk_forward(user, filters, size=3)

    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == 3 for page in pages[:-1])
    # Going back from the last page gives the page before it.
    if len(pages) > 1:
        back = selectors.customer_list(user=user, filters=filters, size=3, before=pages[-1][0])
        assert [c.pk for c in back.items] == pages[-2]


def test_trashed_and_other_teams_customers_stay_out(manager, other_sales, book):
    filters = CustomerFilters(region=Region.BUSAN)
    ids = {c.pk for c in selectors.customer_list(user=manager, filters=filters, size=100).items}

    assert book[4].pk not in ids
    assert not Customer.objects.filter(pk__in=ids, owner=other_sales).exists()
    assert not Customer.objects.filter(pk__in=ids, owner__isnull=True).exists()


def test_a_role_seeing_everyone_gets_the_whole_region(service, book):
    # Service sees everyone (a broad role): the region filter alone applies.
    filters = CustomerFilters(region=Region.SEOUL)
    page = selectors.customer_list(user=service, filters=filters, size=100)
    assert {c.pk for c in page.items} == set(
        Customer.objects.filter(region=Region.SEOUL, deleted_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
