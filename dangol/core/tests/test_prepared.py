"""``PreparedQuery`` returns what the plain queryset returns, compiling the SQL once."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, Count, F, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.db.models.sql.compiler import SQLCompiler

from dangol.core import prepared as prepared_module
from dangol.core.prepared import PreparedQuery
from dangol.customers.models import Customer
from dangol.customers.tests.factories import CustomerFactory, CustomerGroupFactory

pytestmark = pytest.mark.django_db


def _by_pk(pk):
    return (
        Customer.objects.select_related("customer_group", "owner", "owner__team", "company")
        .filter(pk=pk)
        .order_by("pk")[:1]
    )


def _cache():
    return connections[DEFAULT_DB_ALIAS].__dict__.get("_dangol_prepared", {})


@pytest.fixture(autouse=True)
def _fresh_cache():
    connections[DEFAULT_DB_ALIAS].__dict__.pop("_dangol_prepared", None)
    yield
    connections[DEFAULT_DB_ALIAS].__dict__.pop("_dangol_prepared", None)


def test_rows_match_the_plain_queryset_with_related_objects(sales, django_assert_num_queries):
    group = CustomerGroupFactory(code="vip")
    company = CustomerFactory(kind="company", name="Acme")
    people = [
        CustomerFactory(owner=sales, customer_group=group, company=company),
        CustomerFactory(owner=None, customer_group=None),
        company,
    ]
    query = PreparedQuery(_by_pk)
    for customer in people * 2:  # the first call prepares, the others reuse
        with django_assert_num_queries(1):
            (fast,) = query(customer.pk)
        slow = _by_pk(customer.pk)[0]
        assert fast.pk == slow.pk
        assert {f.attname: getattr(fast, f.attname) for f in Customer._meta.concrete_fields} == {
            f.attname: getattr(slow, f.attname) for f in Customer._meta.concrete_fields
        }
        with django_assert_num_queries(0):  # related objects came in the same row
            assert fast.customer_group == slow.customer_group
            assert fast.owner == slow.owner
            assert fast.company == slow.company
    assert query(10**12) == []
    assert len(_cache()) == 1


def test_later_calls_do_not_compile(monkeypatch):
    customers = [CustomerFactory() for _ in range(3)]
    query = PreparedQuery(_by_pk)
    query(customers[0].pk)
    calls = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: calls.append(1) or original(self, *a, **k)
    )
    assert [c.pk for c in query(customers[1].pk)] == [customers[1].pk]
    assert [c.pk for c in query(customers[2].pk)] == [customers[2].pk]
    assert calls == []


def test_constants_windows_and_values_are_kept():
    CustomerFactory(name="A", region="seoul")
    CustomerFactory(name="B", region="busan")

    def ranked(region):
        return (
            Customer.objects.filter(region=region)
            .annotate(rank=Window(RowNumber(), order_by=[F("id").desc()]))
            .filter(rank=1)
            .values_list("name", "rank")
        )

    query = PreparedQuery(ranked)
    assert query("seoul") == [("A", 1)]
    assert query("busan") == [("B", 1)]
    assert query("nowhere") == []


def test_what_cannot_be_prepared_is_run_as_before():
    CustomerFactory(name="Kim", email="kim@example.test")
    like = PreparedQuery(lambda prefix: Customer.objects.filter(name__startswith=prefix))
    assert [c.name for c in like("Ki")] == ["Kim"]
    assert [c.name for c in like("Le")] == []
    assert like("Ki") and _cache()[(like, (str,))] is prepared_module._UNPREPARABLE
    nullable = PreparedQuery(lambda owner: Customer.objects.filter(owner_id=owner))
    assert len(nullable(None)) == 1  # None is never prepared: IS NULL is other SQL
    grouped = PreparedQuery(
        lambda pk: Customer.objects.filter(pk=pk).values("kind").annotate(n=Count("id"))
    )
    pk = Customer.objects.get().pk
    assert grouped(pk) == grouped(pk) == [{"kind": "person", "n": 1}]


def test_ids_out_of_range_match_nothing_as_in_django():
    customer = CustomerFactory()
    query = PreparedQuery(_by_pk)
    assert [c.pk for c in query(customer.pk)] == [customer.pk]
    for huge in (2**31, 2**63, 44443920288227775530034287083520, -(2**63) - 1):
        assert query(huge) == list(_by_pk(huge)) == []
    assert [c.pk for c in query(customer.pk)] == [customer.pk]
    assert _cache()[(query, (int,))] is not prepared_module._UNPREPARABLE


@pytest.mark.postgres
def test_a_list_of_ids_bound_as_one_array_is_prepared(django_assert_num_queries):
    customers = [CustomerFactory() for _ in range(4)]

    def by_ids(ids):
        return Customer.objects.filter(
            RawSQL('"customers_customer"."id" = ANY(%s::bigint[])', (ids,), BooleanField())
        ).order_by("id")

    query = PreparedQuery(by_ids)
    pks = [c.pk for c in customers]
    assert [c.pk for c in query(pks[:2])] == pks[:2]
    assert _cache()[(query, (list,))] is not prepared_module._UNPREPARABLE
    with django_assert_num_queries(1):
        assert [c.pk for c in query(pks[1:])] == pks[1:]
    assert query([]) == []
    assert [c.pk for c in query([pks[3], 10**12])] == [pks[3]]


def test_a_list_written_as_a_placeholder_per_item_is_run_as_before():
    customers = [CustomerFactory() for _ in range(3)]
    query = PreparedQuery(lambda ids: Customer.objects.filter(pk__in=ids).order_by("id"))
    pks = [c.pk for c in customers]
    assert [c.pk for c in query(pks[:1])] == pks[:1]
    assert [c.pk for c in query(pks)] == pks
    assert _cache()[(query, (list,))] is prepared_module._UNPREPARABLE
