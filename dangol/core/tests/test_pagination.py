from __future__ import annotations

import pytest

from dangol.core.pagination import keyset_page_by_id, page_of_ids
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _pages(page):
    return [c.pk for c in page.items], page.next_cursor, page.prev_cursor


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_page_of_ids_cuts_the_page_keyset_pagination_would(size):
    customers = [CustomerFactory() for _ in range(7)]
    chosen = {c.pk for c in customers[::2]} | {customers[1].pk}
    queryset = Customer.objects.filter(pk__in=chosen)
    read = []

    def rows(ids):
        read.append(list(ids))
        return list(Customer.objects.filter(pk__in=ids).order_by("?"))

    cursors = [None, *sorted(chosen), max(chosen) + 1]
    for after in cursors:
        expected = keyset_page_by_id(queryset, size=size, after=after)
        assert _pages(page_of_ids(rows, chosen, size=size, after=after)) == _pages(expected)
    for before in cursors:
        expected = keyset_page_by_id(queryset, size=size, before=before)
        assert _pages(page_of_ids(rows, chosen, size=size, before=before)) == _pages(expected)
    assert max(len(ids) for ids in read) == min(size, len(chosen))  # only the page's rows


def test_page_of_ids_without_ids_reads_nothing_it_need_not():
    page = page_of_ids(lambda ids: [] if ids == [] else pytest.fail("read"), [], size=25)
    assert (page.items, page.next_cursor, page.prev_cursor) == ([], None, None)
