"""Write generated arrays to the database in bulk, and clear a previous demo.

The demo is the one place that writes other apps' tables directly: like an import, it
seeds millions of rows, which no per-record service could do in the time allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

import numpy as np
from django.db import connection
from django.db.models import Model

from dangol.catalog.models import Category, Product
from dangol.core.bulk import analyze_tables, bulk_insert, reset_sequence
from dangol.core.demo.catalog import Catalog
from dangol.core.demo.interactions import InteractionChunk
from dangol.core.demo.orders import LineChunk, OrderChunk
from dangol.core.demo.people import CONSENT_CHANNELS, STATUSES, ConsentRows, CustomerChunk
from dangol.customers.models import ConsentEvent, Customer
from dangol.sales.models import Order, OrderLine
from dangol.touchpoints.models import Interaction

# The tables the demo fills, parents first.
DEMO_MODELS: tuple[type[Model], ...] = (
    Category,
    Product,
    Customer,
    ConsentEvent,
    Order,
    OrderLine,
    Interaction,
)


def timestamps(epoch: np.ndarray) -> list[str]:
    """Return Unix times as the text each database stores for an aware UTC datetime.

    Django's SQLite backend writes ``YYYY-MM-DD HH:MM:SS`` in UTC, and range queries
    compare that text, so the separator must be a space, never ``T``.
    """
    text = np.datetime_as_string(np.asarray(epoch).astype("datetime64[s]"), unit="s")
    text = np.char.replace(text, "T", " ")
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00:00")
    return text.tolist()


def _none_if_zero(values: np.ndarray) -> list[int | None]:
    return [v or None for v in values.tolist()]


def _write(model: type[Model], columns: Sequence[str], data: Iterable[Sequence]) -> int:
    return bulk_insert(table=model._meta.db_table, columns=columns, rows=zip(*data, strict=True))


@contextmanager
def write_cache(megabytes: int = 256):
    """Give SQLite a bigger page cache while writing, so index pages are not spilled early."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size=-{int(megabytes) * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(previous)}")


def demo_tables_count() -> dict[str, int]:
    """Return how many rows each demo table holds."""
    return {m._meta.label: m.objects.count() for m in DEMO_MODELS}


def _dependents(models: Iterable[type[Model]]) -> list[type[Model]]:
    """Return ``models`` plus every model that refers to them, children first."""
    found: list[type[Model]] = []
    pending = list(models)
    while pending:
        model = pending.pop(0)
        if model in found:
            continue
        found.append(model)
        # Hidden relations (related_name="+") count too: TRUNCATE must list every table
        # that refers to one it empties, named or not.
        reverse = (
            field
            for field in model._meta.get_fields(include_hidden=True)
            if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
        )
        for rel in reverse:
            related = rel.related_model
            if related not in found and related._meta.managed and not related._meta.proxy:
                pending.append(related)
    return list(reversed(found))


def demo_tables_clear() -> list[str]:
    """Delete every row of the demo tables and of any table that refers to them.

    Return the labels of the models cleared. Demo users are removed separately.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    models = [m for m in _dependents(DEMO_MODELS) if m is not user_model]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(qn(m._meta.db_table) for m in models)
            # TRUNCATE refuses tables with unchecked deferred foreign keys (rows written
            # earlier in the same transaction): check them now, then truncate.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for model in models:
                cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
    return [m._meta.label for m in models]


def catalog_write(catalog: Catalog, *, now: str) -> tuple[int, int]:
    """Write the category tree and the products; return both counts."""
    cats = catalog.categories
    n_cat = _write(
        Category,
        ["id", "created_at", "updated_at", "parent_id", "name", "path", "depth"],
        [
            [c[0] for c in cats],
            [now] * len(cats),
            [now] * len(cats),
            [c[1] for c in cats],
            [c[2] for c in cats],
            [c[3] for c in cats],
            [c[4] for c in cats],
        ],
    )
    n = len(catalog.skus)
    n_prod = _write(
        Product,
        ["id", "created_at", "updated_at", "sku", "name", "category_id", "unit_price",
         "unit_cost", "active", "custom_fields"],
        [
            catalog.product_ids.tolist(),
            [now] * n,
            [now] * n,
            catalog.skus,
            catalog.names,
            catalog.category_ids.tolist(),
            catalog.prices.tolist(),
            catalog.costs.tolist(),
            catalog.active.tolist(),
            [json.dumps({"name_en": e}, ensure_ascii=False) for e in catalog.names_en],
        ],
    )  # fmt: skip
    return n_cat, n_prod


def customers_write(chunk: CustomerChunk, *, group_ids: Sequence[int]) -> int:
    """Write one chunk of customers, companies before the people who work for them."""
    order = np.argsort(~chunk.is_company, kind="stable")

    def col(values):
        values = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
        return values[order].tolist()

    n = len(order)
    return _write(
        Customer,
        ["id", "created_at", "updated_at", "kind", "company_id", "external_id", "name", "email",
         "phone", "phone_digits", "gender", "birth_date", "region", "city",
         "customer_group_id", "acquisition_channel", "status", "owner_id", "consent_email",
         "consent_sms", "consent_phone", "consent_post", "custom_fields", "version"],
        [
            col(chunk.ids),
            col(np.array(timestamps(chunk.created_at), dtype=object)),
            col(np.array(timestamps(chunk.updated_at), dtype=object)),
            col(np.where(chunk.is_company, "company", "person")),
            col(chunk.company_id),
            col(chunk.external_id),
            col(chunk.name),
            col(chunk.email),
            col(chunk.phone),
            col(chunk.phone_digits),
            col(chunk.gender),
            col(chunk.birth_date),
            col(chunk.region),
            col(chunk.city),
            col(np.asarray(group_ids)[chunk.group]),
            col(chunk.acquisition),
            col(STATUSES[chunk.status]),
            [v or None for v in col(chunk.owner_id)],
            *(col(chunk.consent[:, k]) for k in range(len(CONSENT_CHANNELS))),
            ["{}"] * n,
            [1] * n,
        ],
    )  # fmt: skip


def consents_write(rows: ConsentRows, *, first_id: int) -> int:
    n = len(rows.channel)
    return _write(
        ConsentEvent,
        ["id", "customer_id", "channel", "granted", "occurred_at", "source", "actor_id"],
        [
            list(range(first_id, first_id + n)),
            rows.customer_id.tolist(),
            rows.channel,
            [True] * n,
            timestamps(rows.occurred_at),
            rows.source,
            [None] * n,
        ],
    )


def orders_write(orders: OrderChunk, lines: LineChunk) -> tuple[int, int]:
    at = timestamps(orders.ordered_at)
    n_orders = _write(
        Order,
        ["id", "created_at", "updated_at", "number", "customer_id", "ordered_at", "channel",
         "status"],
        [
            orders.ids.tolist(),
            at,
            at,
            orders.number,
            orders.customer_id.tolist(),
            at,
            orders.channel.tolist(),
            orders.status.tolist(),
        ],
    )  # fmt: skip
    n_lines = _write(
        OrderLine,
        ["id", "order_id", "product_id", "quantity", "unit_price", "discount"],
        [
            lines.ids.tolist(),
            lines.order_id.tolist(),
            lines.product_id.tolist(),
            lines.quantity.tolist(),
            lines.unit_price.tolist(),
            lines.discount.tolist(),
        ],
    )
    return n_orders, n_lines


def interactions_write(rows: InteractionChunk, *, first_id: int, order_type_id: int) -> int:
    n = len(rows.channel)
    at = timestamps(rows.occurred_at)
    subject_id = _none_if_zero(rows.subject_id)
    return _write(
        Interaction,
        ["id", "created_at", "updated_at", "customer_id", "channel", "direction", "subject",
         "body", "occurred_at", "user_id", "outcome", "subject_type_id", "subject_id"],
        [
            list(range(first_id, first_id + n)),
            at,
            at,
            rows.customer_id.tolist(),
            rows.channel,
            rows.direction,
            rows.subject,
            rows.body,
            at,
            _none_if_zero(rows.user_id),
            rows.outcome,
            [order_type_id if s else None for s in subject_id],
            subject_id,
        ],
    )  # fmt: skip


def demo_sequences_reset() -> None:
    """Move each PostgreSQL id sequence past the ids written, then refresh statistics."""
    for model in DEMO_MODELS:
        reset_sequence(table=model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in DEMO_MODELS:
                if model is not Customer:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            # The customer search counts matches with index-only scans, which need the
            # visibility map a VACUUM sets (autovacuum may be off, or not round yet); the
            # larger tables are read through their indexes' rows, where it matters less.
            analyze_tables(tables=[Customer._meta.db_table])
        else:
            cursor.execute("PRAGMA optimize")
