"""The segment rule "visited page Y (exact or prefix) in the last N days", read from the
web-analytics store and joined to customers as one set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing.errors import SegmentRuleError
from dangol.marketing.segments.builder import builder_parse, builder_view
from dangol.marketing.segments.rules import rule_validate
from dangol.marketing.segments.selectors import rule_customers
from dangol.webanalytics.reports._base import store_path
from dangol.webanalytics.tests.store import store_write, visit

pytestmark = pytest.mark.django_db


def _ago(days: float) -> str:
    when = timezone.now().astimezone(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
    return when.isoformat(sep=" ", timespec="seconds")


@pytest.fixture
def visitors(data_dir):
    """Customers a..d; a viewed /products/7 two days ago, b /products/ 20 days ago,
    c /cart yesterday (and an anonymous visitor /products/7); d never came."""
    a, b, c, d = (CustomerFactory(name=n) for n in "abcd")
    events = [
        *visit(1, _ago(2), "va", ["/", "/products/7"], customer=a.pk),
        *visit(2, _ago(20), "vb", ["/products/"], customer=b.pk),
        *visit(3, _ago(1), "vc", ["/cart", {"kind": "error", "path": "/products/9",
                                            "error_code": 404}], customer=c.pk),
        *visit(4, _ago(1), "vx", ["/products/7"]),
    ]  # fmt: skip
    store_write(store_path(), events)
    return a, b, c, d


def page(path: str, days: int, match: str = "exact", op: str = "within_days") -> dict:
    return {
        "field": "visited_page",
        "op": op,
        "value": {"page": path, "match": match, "days": days},
    }


def ids(rule) -> set[int]:
    return set(rule_customers(rule=rule).values_list("pk", flat=True))


def test_exact_and_prefix_within_days(visitors):
    a, b, _c, _d = visitors
    assert ids(page("/products/7", 7)) == {a.pk}
    assert ids(page("/products/", 7)) == set()  # exact: only that page
    assert ids(page("/products/", 7, "prefix")) == {a.pk}  # b's view is 20 days old
    assert ids(page("/products/", 30, "prefix")) == {a.pk, b.pk}
    assert ids(page("/products/9", 30)) == set()  # an error is not a page view


def test_negation_and_combination(visitors):
    a, b, c, d = visitors
    assert ids(page("/products/", 30, "prefix", op="not_within_days")) == {c.pk, d.pk}
    assert ids({"not": page("/cart", 7)}) == {a.pk, b.pk, d.pk}
    rule = {"or": [page("/cart", 7), {"field": "kind", "op": "eq", "value": "person"}]}
    assert ids({"and": [page("/cart", 7), rule]}) == {c.pk}


def test_without_a_store_nobody_visited(data_dir):
    customer = CustomerFactory()
    assert ids(page("/", 30)) == set()
    assert ids(page("/", 30, op="not_within_days")) == {customer.pk}


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"page": "products", "days": 5}, "page"),
        ({"page": "/a b", "days": 5}, "page"),
        ({"page": "/x?y=1", "days": 5}, "page"),
        ({"page": "/x", "days": 0}, "days"),
        ({"page": "/x", "days": 5, "match": "regex"}, "match"),
        ({"page": "/x", "days": 5, "where": 1}, "where"),
        ("/x", "object"),
    ],
)
def test_bad_values_are_refused(value, named):
    with pytest.raises(SegmentRuleError) as info:
        rule_validate({"field": "visited_page", "op": "within_days", "value": value})
    assert info.value.field == "rule.value"
    assert named in info.value.message


def test_api_counts_and_validates(visitors, marketing):
    client = APIClient()
    client.force_authenticate(marketing)
    count = client.post(
        "/api/v1/segments/count", {"rule": page("/products/", 30, "prefix")}, format="json"
    )
    assert count.status_code == 200
    assert count.json()["count"] == 2
    bad = client.post(
        "/api/v1/segments/count",
        {"rule": page("products", 30)},
        format="json",
    )
    assert bad.status_code == 400
    assert "rule.value" in bad.json()["errors"]


def test_builder_round_trip():
    rule = {"and": [page("/products/", 14, "prefix")]}
    view = builder_view(rule)
    cond = view["children"][0]
    assert (cond["kind"], cond["page"], cond["match"], cond["days"]) == (
        "page", "/products/", "prefix", 14
    )  # fmt: skip
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update({"r:type": "group", "r:op": "and", "r.0:type": "cond",
                 "r.0:field": "visited_page", "r.0:op": "within_days", "r.0:page": "/products/",
                 "r.0:match": "prefix", "r.0:days": "14"})  # fmt: skip
    assert rule_validate(builder_parse(data)) == rule


def test_builder_page_shows_the_page_inputs(client, marketing, data_dir):
    from dangol.marketing.tests.factories import SegmentFactory

    segment = SegmentFactory(rule={"and": [page("/cart", 3)]})
    client.force_login(marketing)
    from django.urls import reverse

    html = client.get(reverse("marketing:segment_edit", args=[segment.pk])).content.decode()
    assert 'name="r.0:page"' in html
    assert 'value="/cart"' in html
    assert 'name="r.0:match"' in html
