"""Customer custom fields in the warehouse: ``cf_<key>`` columns of ``dim_customer``.

Text, choice and yes/no fields become dimensions (VARCHAR, BOOLEAN) that OLAP can group
and filter by; number and money fields become numeric columns (DOUBLE, DECIMAL) for
analyses over customers. The columns follow the definitions at each refresh: a new
field adds its column (filled for every customer), an archived or deleted one drops it.

Identifiers come from the definitions table only: keys are slugs (checked by the
database and again here) and are double-quoted; values are read from the extracted JSON
with ``json_extract_string`` and cast with ``TRY_CAST`` (a value that does not fit is
NULL, never an error).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from dangol.analytics.warehouse.extract import extract_into
from dangol.analytics.warehouse.queries import SourceQuery
from dangol.core.customfields.models import CustomFieldType
from dangol.core.customfields.registry import safe_key
from dangol.core.customfields.selectors import custom_field_definitions

COLUMN_TYPES = {
    CustomFieldType.TEXT: "VARCHAR",
    CustomFieldType.CHOICE: "VARCHAR",
    CustomFieldType.BOOLEAN: "BOOLEAN",
    CustomFieldType.NUMBER: "DOUBLE",
    CustomFieldType.MONEY: "DECIMAL(18,2)",
}
# Which of them OLAP offers as dimensions (the others are measures' raw material).
DIMENSION_TYPES = (CustomFieldType.TEXT, CustomFieldType.CHOICE, CustomFieldType.BOOLEAN)
STAGE = "stage_customer_custom_fields"

CUSTOMER_CUSTOM_FIELDS = SourceQuery(
    name="customer_custom_fields",
    columns=(("customer_id", "BIGINT"), ("custom_fields", "VARCHAR")),
    sql="""
        SELECT "c"."id", CAST("c"."custom_fields" AS TEXT)
        FROM "customers_customer" "c"
        {since}
    """,
    since_column='"c"."updated_at"',
)


def warehouse_custom_columns() -> dict[str, str]:
    """Return ``{column: DuckDB type}`` of the customer custom fields the warehouse holds."""
    return {
        f"cf_{safe_key(d.key)}": COLUMN_TYPES[d.field_type]
        for d in custom_field_definitions(entity="customer")
        if d.field_type in COLUMN_TYPES
    }


def olap_custom_dimensions() -> list[str]:
    """Return the ``cf_<key>`` names OLAP may group and filter by."""
    return [
        f"cf_{safe_key(d.key)}"
        for d in custom_field_definitions(entity="customer")
        if d.field_type in DIMENSION_TYPES
    ]


def _existing(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'dim_customer' AND starts_with(column_name, 'cf_')"
    ).fetchall()
    return dict(rows)


def custom_fields_extract(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.datetime | None,
    scratch_dir: Path | None = None,
) -> int | None:
    """Stage the custom fields of customers changed since ``since`` (all if a column is new).

    Returns the rows staged, or None when no custom field goes to the warehouse (nothing
    is read then: the refresh costs what it did before custom fields).
    """
    wanted = warehouse_custom_columns()
    if not wanted:
        return None
    existing = _existing(con)
    if any(existing.get(name) != kind for name, kind in wanted.items()):
        since = None  # a new (or retyped) column is filled for every customer
    return extract_into(con, CUSTOMER_CUSTOM_FIELDS, since=since, scratch_dir=scratch_dir)


def custom_fields_apply(con: duckdb.DuckDBPyConnection, *, staged: int | None) -> list[str]:
    """Make ``dim_customer``'s ``cf_`` columns match the definitions and fill the staged rows.

    Call after ``transform.apply_delta`` (which re-inserts changed customers without
    these columns). Returns the custom columns the table has afterwards.
    """
    wanted = warehouse_custom_columns()
    existing = _existing(con)
    for name, kind in existing.items():
        if wanted.get(name) != kind:
            con.execute(f'ALTER TABLE dim_customer DROP COLUMN "{safe_key(name)}"')
    existing = _existing(con)
    for name, kind in wanted.items():
        if name not in existing:
            con.execute(f'ALTER TABLE dim_customer ADD COLUMN "{safe_key(name)}" {kind}')
    if wanted and staged:
        sets = ", ".join(
            f'"{name}" = TRY_CAST(json_extract_string(s.custom_fields, \'$."{name[3:]}"\') '
            f"AS {kind})"
            for name, kind in wanted.items()
        )
        con.execute(
            f"UPDATE dim_customer SET {sets} FROM {STAGE} s "
            "WHERE dim_customer.customer_id = s.customer_id"
        )
    return list(wanted)
