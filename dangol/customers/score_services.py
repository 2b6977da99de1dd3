"""Write analytic scores back to customers: one set-based upsert into ``CustomerScore``.

The analytics never write the customers' tables themselves; they hand a frame of results to
``customer_scores_bulk_write``. ``Customer`` itself is not touched, so ``updated_at`` (which
drives incremental warehouse refreshes) stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.utils import timezone

from dangol.core.bulk import bulk_insert, frame_rows, temp_table_drop
from dangol.customers.errors import CustomerErrorCode, ValidationError
from dangol.customers.models import Customer, CustomerChurnBand, CustomerScore

# Column kind per writable field (kinds of dangol.core.bulk.frame_rows, plus float).
SCORE_FIELDS: dict[str, str] = {
    "value_tier": "text",
    "rfm_recency": "int",
    "rfm_frequency": "int",
    "rfm_monetary": "int",
    "rfm_segment": "text",
    "clv": "decimal",
    "p_alive": "float",
    "churn_probability": "float",
    "response_probability": "float",
    "computed_at": "datetime",
}
# What a field holds when it has no value: the NOT NULL text fields hold "".
_EMPTY = {"value_tier": "''", "rfm_segment": "''"}

_TYPES = {
    "postgresql": {
        "text": "text",
        "int": "bigint",
        "decimal": "numeric(14, 2)",
        "float": "double precision",
        "datetime": "timestamptz",
    },
    "sqlite": {
        "text": "text",
        "int": "integer",
        "decimal": "decimal",
        "float": "real",
        "datetime": "datetime",
    },
}
_TEMP = "tmp_customer_scores"


def _as_pandas(rows):
    import pandas as pd
    import pyarrow as pa

    if isinstance(rows, pa.Table):
        return rows.to_pandas()
    if isinstance(rows, pd.DataFrame):
        return rows
    raise ValidationError(
        "rows must be a pyarrow Table or a pandas DataFrame", code=CustomerErrorCode.INVALID
    )


def _validate(frame, fields: Sequence[str]) -> list[str]:
    fields = list(dict.fromkeys(fields))
    unknown = [f for f in fields if f not in SCORE_FIELDS]
    if unknown or not fields:
        raise ValidationError(
            f"Unknown or no score fields: {unknown or fields!r}",
            code=CustomerErrorCode.INVALID,
            field="fields",
        )
    missing = [c for c in ("customer_id", *fields) if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"rows lack the columns {missing!r}", code=CustomerErrorCode.REQUIRED, field="rows"
        )
    return fields


def _prepare(frame, fields: list[str]):
    """Return a copy of the needed columns in the types ``frame_rows`` expects."""
    import pandas as pd

    out = frame[["customer_id", *fields]].copy()
    for name in fields:
        kind = SCORE_FIELDS[name]
        if kind == "text":
            out[name] = out[name].fillna("").astype(str)
        elif kind == "decimal":
            out[name] = out[name].map(lambda v: None if pd.isna(v) else f"{v:.2f}")
        elif kind == "float":
            out[name] = out[name].astype("float64").astype(object).where(out[name].notna(), None)
        elif kind == "datetime":
            values = pd.to_datetime(out[name])
            if values.dt.tz is None:
                values = values.dt.tz_localize("UTC")
            out[name] = _datetime_texts(values)
    return out


def _datetime_texts(values):
    """Return ``values`` (aware) as the text Django stores, formatting each distinct value once.

    A write-back stamps one ``computed_at`` on a million rows: formatting the few distinct
    values and indexing them costs milliseconds, formatting every row about a second.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values)
    utc = pd.DatetimeIndex(uniques).tz_convert("UTC")
    if connection.vendor == "postgresql":
        texts = list(utc.strftime("%Y-%m-%d %H:%M:%S.%f+00:00"))
    else:
        texts = [
            t.strftime("%Y-%m-%d %H:%M:%S.%f" if t.microsecond else "%Y-%m-%d %H:%M:%S")
            for t in utc
        ]
    # factorize gives NaT the code -1: the appended None.
    table = np.array([*texts, None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


@transaction.atomic
def customer_scores_bulk_write(
    *, rows, fields: list[str], clear_others: bool = False, skip_unchanged: bool = False
) -> int:
    """Upsert ``fields`` of ``rows`` (one per ``customer_id``) into ``CustomerScore``.

    ``rows`` is a pyarrow Table or pandas DataFrame with ``customer_id`` and every field.
    Rows are loaded into a temporary table (COPY on PostgreSQL, executemany on SQLite),
    then one ``INSERT ... ON CONFLICT (customer_id) DO UPDATE`` writes them; a new score
    row gets the other fields empty. Ids that are not customers are skipped. With
    ``clear_others`` the ``fields`` of every other existing score row are emptied (NULL,
    or "" for value_tier and rfm_segment): customers who dropped out lose stale scores.
    With ``skip_unchanged`` an existing row whose ``fields`` other than ``computed_at``
    already hold the new values is left alone, ``computed_at`` included: it then says
    when the row's values last changed, and a rewrite of a million mostly unchanged
    scores costs only the changed rows. Return how many score rows were inserted or
    updated, unchanged ones counted as written (clearing not counted).
    """
    frame = _as_pandas(rows)
    fields = _validate(frame, fields)
    frame = _prepare(frame, fields)
    if frame["customer_id"].duplicated().any():
        raise ValidationError(
            "rows hold a customer_id more than once", code=CustomerErrorCode.INVALID, field="rows"
        )
    qn = connection.ops.quote_name
    types = _TYPES[connection.vendor]
    kinds = [("customer_id", "int"), *((f, SCORE_FIELDS[f]) for f in fields)]
    # The key makes the "not in the new rows" test below an index lookup; without it
    # SQLite scans the temporary table once per score row (quadratic at a million).
    body = ", ".join(
        f"{qn(c)} {types[k]}{' PRIMARY KEY' if c == 'customer_id' else ''}" for c, k in kinds
    )
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(_TEMP)}")
        cursor.execute(f"CREATE TEMPORARY TABLE {qn(_TEMP)} ({body}){suffix}")
    # Floats and datetimes arrive as text (datetimes already formatted by _prepare).
    frame_kinds = [(c, "text" if k in ("float", "datetime") else k) for c, k in kinds]
    bulk_insert(table=_TEMP, columns=[c for c, _ in kinds], rows=frame_rows(frame, frame_kinds))

    score = CustomerScore._meta.db_table
    customer = Customer._meta.db_table
    not_null = [f for f in _EMPTY if f not in fields]
    insert_cols = ["customer_id", *fields, *not_null]
    select = ["t.customer_id", *(f"t.{qn(f)}" for f in fields), *(_EMPTY[f] for f in not_null)]
    updates = ", ".join(f"{qn(f)} = excluded.{qn(f)}" for f in fields)
    sets = ", ".join(f"{qn(f)} = t.{qn(f)}" for f in fields)
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    changed = " OR ".join(
        f"{qn(score)}.{qn(f)} {distinct} t.{qn(f)}" for f in fields if f != "computed_at"
    )
    only_changed = f" AND ({changed})" if skip_unchanged and changed else ""
    with connection.cursor() as cursor:
        # An UPDATE joined to the keyed temp table, then an INSERT of the rows still
        # missing: at a million rows both plan as joins, where INSERT ... ON CONFLICT
        # probes the unique index and takes a speculative insertion per row. The
        # ON CONFLICT below only catches a score row created meanwhile by another writer.
        cursor.execute(
            f"UPDATE {qn(score)} SET {sets} FROM {qn(_TEMP)} t "
            f"WHERE {qn(score)}.customer_id = t.customer_id{only_changed}"
        )
        written = cursor.rowcount
        if only_changed:
            # The unchanged rows count as written: they hold the values asked for.
            cursor.execute(
                f"SELECT count(*) FROM {qn(score)} s JOIN {qn(_TEMP)} t "
                f"ON t.customer_id = s.customer_id"
            )
            written = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {qn(score)} ({', '.join(qn(c) for c in insert_cols)}) "
            f"SELECT {', '.join(select)} FROM {qn(_TEMP)} t "
            f"JOIN {qn(customer)} c ON c.id = t.customer_id "
            f"WHERE NOT EXISTS (SELECT 1 FROM {qn(score)} s WHERE s.customer_id = t.customer_id) "
            f"ON CONFLICT (customer_id) DO UPDATE SET {updates}"
        )
        written += cursor.rowcount
        if clear_others:
            empties = ", ".join(f"{qn(f)} = {_EMPTY.get(f, 'NULL')}" for f in fields)
            # Only rows still holding a value: rewriting empty rows costs dead tuples.
            filled = " OR ".join(
                f"{qn(f)} <> ''" if f in _EMPTY else f"{qn(f)} IS NOT NULL" for f in fields
            )
            # NOT EXISTS plans as an anti-join; NOT IN over a million ids may not hash.
            cursor.execute(
                f"UPDATE {qn(score)} SET {empties} WHERE ({filled}) AND NOT EXISTS "
                f"(SELECT 1 FROM {qn(_TEMP)} t WHERE t.customer_id = {qn(score)}.customer_id)"
            )
    temp_table_drop(name=_TEMP)
    if "churn_probability" in fields:
        customer_churn_bands_refresh()
    return written


def _band_expression() -> Case:
    """Return the churn band (0-3) of a score row, on the edges of ``CHURN_BAND_EDGES``."""
    from dangol.customers.selectors import CHURN_BAND_EDGES

    edges = CHURN_BAND_EDGES[1:]
    return Case(
        *(When(churn_probability__lt=edge, then=Value(i)) for i, edge in enumerate(edges)),
        default=Value(len(edges)),
        output_field=IntegerField(),
    )


def _band_counts(scores) -> dict[tuple[int | None, int], int]:
    """Return ``{(owner_id, band): customers}`` of the live, churn-scored rows of ``scores``."""
    rows = (
        scores.filter(churn_probability__isnull=False, customer__deleted_at__isnull=True)
        .annotate(band=_band_expression(), owner_id=F("customer__owner_id"))
        .values("owner_id", "band")
        .annotate(customers=Count("customer_id"))
        .order_by()
    )
    return {(r["owner_id"], r["band"]): r["customers"] for r in rows}


@transaction.atomic
def customer_churn_bands_refresh() -> int:
    """Count every owner's live churn-scored customers per band again; return the rows written.

    One grouped join in the database (about a second at 1,000,000 customers); the
    summary holds a few rows per owner. Called by every write of churn scores.
    """
    counts = _band_counts(CustomerScore.objects.all())
    now = timezone.now()
    CustomerChurnBand.objects.all().delete()
    CustomerChurnBand.objects.bulk_create(
        CustomerChurnBand(owner_id=owner, band=band, customers=n, computed_at=now)
        for (owner, band), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))
    )
    return len(counts)


@contextmanager
def customer_churn_bands_track(*, customer_ids: Sequence[int]) -> Iterator[None]:
    """Keep the churn-band summary exact across a change of these customers' owner or trash.

    Count the customers' bands before and after the ``with`` block and move the difference;
    two small grouped queries. Nothing to do before the first scoring run.
    """
    ids = list(customer_ids)
    if not ids or not CustomerChurnBand.objects.exists():
        yield
        return
    scores = CustomerScore.objects.filter(customer_id__in=ids)
    before = _band_counts(scores)
    yield
    after = _band_counts(scores)
    as_of = CustomerChurnBand.objects.order_by("-computed_at").values_list(
        "computed_at", flat=True
    )[0]
    for owner, band in sorted(set(before) | set(after), key=lambda k: (k[0] or 0, k[1])):
        delta = after.get((owner, band), 0) - before.get((owner, band), 0)
        if not delta:
            continue
        rows = CustomerChurnBand.objects.filter(owner_id=owner, band=band)
        if not rows.update(customers=F("customers") + delta):
            CustomerChurnBand.objects.create(
                owner_id=owner, band=band, customers=delta, computed_at=as_of
            )
