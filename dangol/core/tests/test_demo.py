"""The demo business: size, consistency, reproducibility, logins and refusal."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from io import StringIO

import numpy as np
import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Max

from dangol.accounts.roles import Role, user_role
from dangol.catalog.models import Category, Product
from dangol.core.demo.build import top_share
from dangol.core.demo.catalog import LEAF_INDEX, LEAVES, catalog_generate
from dangol.core.demo.orders import orders_generate
from dangol.core.demo.people import Staff, customer_chunk
from dangol.core.demo.spec import CHUNK_SIZE, DemoSpec
from dangol.customers.models import ConsentEvent, Customer, CustomerGroup
from dangol.customers.normalize import normalize_phone
from dangol.sales.models import Order, OrderLine
from dangol.touchpoints.choices import InteractionChannel
from dangol.touchpoints.models import Interaction

END = "2026-06-30"
SMALL = ["--customers", "400", "--products", "60", "--years", "1", "--no-serve", "--end-date", END]


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # The real PBKDF2 costs ~0.3 s per password; the logins are what is under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def checksum() -> str:
    digest = hashlib.sha256()
    rows = [
        Customer.objects.order_by("id").values_list(
            "id", "external_id", "name", "email", "phone", "region", "city", "status",
            "created_at", "company_id", "customer_group__code",
        ),
        Order.objects.order_by("id").values_list(
            "id", "number", "customer_id", "ordered_at", "channel", "status"
        ),
        OrderLine.objects.order_by("id").values_list(
            "order_id", "product_id", "quantity", "unit_price", "discount"
        ),
        Product.objects.order_by("id").values_list("sku", "name", "unit_price", "unit_cost"),
    ]  # fmt: skip
    for query in rows:
        for row in query:
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.mark.django_db
def test_small_demo_writes_a_consistent_business():
    out = run_demo(*SMALL, "--seed", "7")
    connection.check_constraints()  # deferred foreign keys hold

    assert Customer.objects.count() == 400
    assert Product.objects.count() == 60
    assert Category.objects.filter(depth=0).count() == 9
    assert Category.objects.filter(path="Cheese > Natural cheese > Mozzarella", depth=2).exists()
    assert set(CustomerGroup.objects.values_list("code", "name_ko")) == {
        ("retail", "소매"),
        ("wholesale", "도매"),
        ("industrial", "산업"),
    }
    assert "400 customers" in out
    assert f"{Order.objects.count():,} orders" in out

    # Every line is within the gross amount; every order has 1-5 lines.
    assert not OrderLine.objects.filter(discount__gt=F("quantity") * F("unit_price")).exists()
    sizes = Order.objects.annotate(n=Count("lines")).values_list("n", flat=True)
    assert min(sizes) >= 1
    assert max(sizes) <= 5

    # Lifecycle status agrees with the order history.
    with_orders = set(Order.objects.values_list("customer_id", flat=True))
    for status in ("lead", "prospect"):
        assert not Customer.objects.filter(status=status, id__in=with_orders).exists()
    assert (
        not Customer.objects.filter(status__in=["customer", "churned"])
        .exclude(id__in=with_orders)
        .exists()
    )
    cutoff = dt.datetime.fromisoformat(END + "T00:00:00+09:00") - dt.timedelta(days=90)
    churned_last = (
        Order.objects.filter(customer__status="churned")
        .values("customer_id")
        .annotate(last=Max("ordered_at"))
    )
    assert churned_last
    assert all(row["last"] < cutoff for row in churned_last)

    # Contact details are normalised; contacts belong to companies.
    for phone, digits in Customer.objects.values_list("phone", "phone_digits"):
        assert digits == normalize_phone(phone)
    assert Customer.objects.filter(phone__regex=r"^010-\d{4}-\d{4}$").count() > 300
    contacts = Customer.objects.filter(company__isnull=False)
    assert contacts.exists()
    assert not contacts.exclude(company__kind="company").exists()
    assert not contacts.exclude(kind="person").exists()
    assert Customer.objects.filter(name__regex=r"^[가-힣]{2,4}$").count() > 300
    assert Customer.objects.filter(name__regex=r"^[A-Z][a-z]+ [A-Z][a-z]+$").exists()

    # One grant event per consent held.
    held = sum(
        Customer.objects.filter(**{f"consent_{c}": True}).count()
        for c in ("email", "sms", "phone", "post")
    )
    assert ConsentEvent.objects.filter(granted=True).count() == held

    # Interactions on every channel (letters come only from direct-mail campaigns), some
    # about an order of the same customer.
    assert set(Interaction.objects.values_list("channel", flat=True)) == set(
        InteractionChannel.values
    ) - {InteractionChannel.POST}
    about = Interaction.objects.filter(subject_type__model="order")
    assert about.exists()
    for customer_id, order_id in about.values_list("customer_id", "subject_id"):
        assert Order.objects.get(pk=order_id).customer_id == customer_id


@pytest.mark.django_db
def test_demo_prints_working_logins_for_every_role():
    out = run_demo(*SMALL, "--seed", "7")

    found = re.findall(r"^\s+(demo_\w+)\s+(\w+)\s+(\S{16})$", out, re.MULTILINE)
    assert {role for _, role, _ in found} == {r.value for r in Role}
    assert len(found) == 9
    assert "http://127.0.0.1:8000/" in out
    for username, role, password in found:
        user = authenticate(username=username, password=password)
        assert user is not None, username
        assert user_role(user) == Role(role)
    admin = authenticate(
        username="demo_admin", password=dict((u, p) for u, _, p in found)["demo_admin"]
    )
    assert admin.is_superuser
    assert admin.groups.filter(name="admin").exists()
    assert authenticate(username="demo_admin", password="wrong") is None


@pytest.mark.django_db
def test_same_seed_same_data_and_other_seed_other_data():
    run_demo(*SMALL, "--seed", "7")
    first = checksum()
    run_demo(*SMALL, "--seed", "7", "--reset")
    assert checksum() == first
    run_demo(*SMALL, "--seed", "8", "--reset")
    assert checksum() != first


@pytest.mark.django_db
def test_non_empty_database_is_refused_without_reset():
    run_demo(*SMALL, "--seed", "7")
    before = checksum()
    with pytest.raises(CommandError, match="--reset"):
        run_demo(*SMALL, "--seed", "8")
    assert checksum() == before


def test_spend_is_pareto_and_baskets_hang_together():
    spec = DemoSpec(customers=10_000, seed=3, end_date=dt.date(2026, 6, 30))
    catalog = catalog_generate(spec)
    staff = Staff(sales_capital=[1], sales_south=[2], service=[3])
    revenue, baskets, first_order = [], [], 1
    for chunk, offset in enumerate(range(0, spec.customers, CHUNK_SIZE)):
        size = min(CHUNK_SIZE, spec.customers - offset)
        people = customer_chunk(spec, chunk=chunk, first_id=offset + 1, count=size, staff=staff)
        orders, lines, rev = orders_generate(
            spec, people, catalog, chunk=chunk, first_order_id=first_order, first_line_id=1
        )
        first_order += len(orders.ids)
        revenue.append(rev)
        baskets.append((lines.order_id, lines.product_id))

    assert 0.70 <= top_share(np.concatenate(revenue)) <= 0.85

    # Cereal is bought with white milk far more often than chance (lift well above 1).
    leaf_of_product = np.repeat(np.arange(len(LEAVES)), catalog.leaf_count)
    order_id = np.concatenate([b[0] for b in baskets])
    leaf = leaf_of_product[np.concatenate([b[1] for b in baskets]) - 1]
    n_orders = len(np.unique(order_id))
    cereal = set(order_id[leaf == LEAF_INDEX["CER-CER"]].tolist())
    milk = set(order_id[leaf == LEAF_INDEX["MLK-WHT"]].tolist())
    lift = (len(cereal & milk) / n_orders) / ((len(cereal) / n_orders) * (len(milk) / n_orders))
    assert lift > 1.3


def test_seasonal_calendar_peaks_before_the_holidays():
    spec = DemoSpec(end_date=dt.date(2026, 6, 30))
    weights = dict(zip(spec.day_dates.astype(str).tolist(), spec.day_weights, strict=True))
    # Seollal 2026 is 17 February: gift buying a week before, closed shops on the day.
    assert weights["2026-02-10"] > 1.3 * weights["2026-02-24"]
    assert weights["2026-02-17"] < weights["2026-02-24"]


@pytest.mark.django_db
def test_too_few_products_for_the_category_tree_is_an_error():
    with pytest.raises(CommandError, match=f"at least {len(LEAVES)}"):
        run_demo("--customers", "10", "--products", "5", "--no-serve", "--end-date", END)
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_clearing_the_demo_also_empties_tables_with_hidden_relations(admin_user):
    # related_name="+" hides a relation from _meta.related_objects; TRUNCATE on
    # PostgreSQL still refuses to empty customers while such a table points at them.
    from dangol.core.demo.writer import demo_tables_clear
    from dangol.customers.tests.factories import CustomerFactory
    from dangol.portal.models import PortalAccount
    from dangol.portal.services import portal_account_create
    from dangol.sales.models import Lead

    customer = CustomerFactory(email="dup@x.test")
    Lead.objects.create(name="Dup", email="dup@x.test", source="api", duplicate_of=customer)
    portal_account_create(actor=admin_user, email="dup@x.test", customer=customer)
    cleared = demo_tables_clear()
    assert {"sales.Lead", "portal.PortalAccount"} <= set(cleared)
    assert not Lead.objects.exists() and not PortalAccount.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_demo_sets_the_visibility_map_the_search_counts_need():
    # Outside a transaction the demo vacuums the customer table: the search's counts are
    # index-only scans, which read the heap for every entry until a VACUUM has run.
    run_demo(*SMALL)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relallvisible, relpages FROM pg_class WHERE relname = 'customers_customer'"
        )
        visible, pages = cursor.fetchone()
    assert pages > 0 and visible == pages
