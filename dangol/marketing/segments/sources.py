"""The reads the rule compiler needs from other apps, as subqueries (never loaded rows).

Segments are by nature a cross-app read (customers, scores, orders, campaigns): these
builders keep every such query in one place, read-only, so the compiler itself only
combines ``Q`` objects. If the owning apps grow selectors for them, swap them in here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Q, QuerySet

from dangol.catalog.models import CATEGORY_PATH_SEPARATOR, Category
from dangol.customers.models import CustomerGroup


def customer_group_choices() -> list[tuple[str, str]]:
    """Return (code, name) of every customer group."""
    return list(CustomerGroup.objects.order_by("name").values_list("code", "name"))


def category_path_get(*, category_id: int) -> str | None:
    """Return the path of a category ("Dairy > Milk"), ``None`` if there is none."""
    return Category.objects.filter(pk=category_id).values_list("path", flat=True).first()


def category_choices() -> list[tuple[int, str]]:
    """Return (id, path) of every category, in path order."""
    return list(Category.objects.order_by("path").values_list("id", "path"))


def customers_purchased_subquery(
    *, since: dt.datetime, category_path: str | None, excluded_statuses: Sequence[str]
) -> tuple[QuerySet, str]:
    """Return the rows proving a purchase since ``since``, and their customer id column.

    With ``category_path``, only orders with a line of a product in that category or
    below it (the path prefix) count. Cancelled and returned orders do not count.
    """
    from dangol.sales.models import Order, OrderLine

    if category_path is None:
        orders = Order.objects.filter(ordered_at__gte=since).exclude(status__in=excluded_statuses)
        return orders, "customer_id"
    under = Q(product__category__path=category_path) | Q(
        product__category__path__startswith=category_path + CATEGORY_PATH_SEPARATOR
    )
    lines = OrderLine.objects.filter(under, order__ordered_at__gte=since).exclude(
        order__status__in=excluded_statuses
    )
    return lines, "order__customer_id"


def customers_visited_page_condition(*, path: str, prefix: bool, since: dt.datetime) -> Q:
    """Return "the customer viewed ``path`` (or a page under it) since ``since``".

    The page views live in the web-analytics store (DuckDB), not in this database: the
    matching customer ids are fetched in one query there and passed back as a single
    parameter (a PostgreSQL array, a JSON array on SQLite), so a set of any size stays one
    semi-join and never a parameter per id.
    """
    import json

    from django.db import connection
    from django.db.models.expressions import RawSQL

    from dangol.webanalytics.selectors import web_customers_visited

    ids = web_customers_visited(path=path, prefix=prefix, since=since)
    if connection.vendor == "postgresql":
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
    return Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)]))
