"""Custom fields in the warehouse: ``cf_<key>`` columns of ``dim_customer`` and ``dim_product``.

Text, choice and yes/no fields become dimensions (VARCHAR, BOOLEAN) that OLAP can group
and filter by; number and money fields become numeric columns (DOUBLE, DECIMAL) that OLAP
aggregates over the distinct customers (or products) of a group. The columns follow the
definitions at each refresh: a new field adds its column (filled for every record), an
archived or deleted one drops it; otherwise only the records changed since the last
refresh are re-read.

Each entity is a ``CustomFieldTarget``: its warehouse table, the extraction of its JSON
and its OLAP prefix (``cf_`` customers, ``pcf_`` products, so a customer and a product field
with the same key are two names in one query).

Identifiers come from the definitions table only: keys are slugs (checked by the
database and again here) and are double-quoted; values are read from the extracted JSON
with ``json_extract_string`` and cast with ``TRY_CAST`` (a value that does not fit is
NULL, never an error).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
COLUMN_PREFIX = "cf_"


def _json_source(name: str, table: str) -> SourceQuery:
    """Return the extraction of ``table``'s custom-field JSON (changed rows when incremental)."""
    return SourceQuery(
        name=name,
        columns=(("id", "BIGINT"), ("custom_fields", "VARCHAR"), ("updated_at", "TIMESTAMP")),
        sql=f"""
            SELECT "t"."id", CAST("t"."custom_fields" AS TEXT), {{utc:"t"."updated_at"}}
            FROM "{table}" "t"
            {{since}}
        """,
        watermark="updated_at",
        since_column='"t"."updated_at"',
    )


@dataclass(frozen=True)
class CustomFieldTarget:
    """One entity whose custom fields become ``cf_<key>`` columns of a warehouse table."""

    entity: str  # the definitions' entity
    table: str  # the warehouse dimension table
    id_column: str  # its key, also the fact column OLAP counts distinct
    source: SourceQuery  # stages (id, custom_fields JSON, updated_at)
    # The high-water mark an incremental refresh reads from (customers share the mark of
    # the customers extraction; the catalogue has none of its own, so products keep one).
    watermark: str
    olap_prefix: str  # the fields' names in OLAP: <prefix><key>
    olap_alias: str  # the table's alias in the OLAP SQL

    @property
    def stage(self) -> str:
        return f"stage_{self.source.name}"


CUSTOMER_TARGET = CustomFieldTarget(
    entity="customer",
    table="dim_customer",
    id_column="customer_id",
    source=_json_source("customer_custom_fields", "customers_customer"),
    watermark="customers",
    olap_prefix="cf_",
    olap_alias="c",
)
PRODUCT_TARGET = CustomFieldTarget(
    entity="product",
    table="dim_product",
    id_column="product_id",
    source=_json_source("product_custom_fields", "catalog_product"),
    watermark="product_custom_fields",
    olap_prefix="pcf_",
    olap_alias="p",
)
CUSTOM_FIELD_TARGETS = (CUSTOMER_TARGET, PRODUCT_TARGET)


@dataclass(frozen=True)
class OlapCustomField:
    """A custom field as OLAP sees it: its name, warehouse column, type and label."""

    target: CustomFieldTarget
    key: str
    field_type: str
    label: str

    @property
    def name(self) -> str:
        """Return the OLAP name, e.g. ``cf_level`` or ``pcf_material``."""
        return f"{self.target.olap_prefix}{safe_key(self.key)}"

    @property
    def column(self) -> str:
        """Return the quoted warehouse column with its table alias, e.g. ``p."cf_weight"``."""
        return f'{self.target.olap_alias}."{column_name(self.key)}"'

    @property
    def money(self) -> bool:
        return self.field_type == CustomFieldType.MONEY


def column_name(key: str) -> str:
    """Return the warehouse column of the field ``key`` (the key is checked as a slug)."""
    return f"{COLUMN_PREFIX}{safe_key(key)}"


def warehouse_custom_columns(*, target: CustomFieldTarget = CUSTOMER_TARGET) -> dict[str, str]:
    """Return ``{column: DuckDB type}`` of ``target``'s custom fields the warehouse holds."""
    return {
        column_name(d.key): COLUMN_TYPES[d.field_type]
        for d in custom_field_definitions(entity=target.entity)
        if d.field_type in COLUMN_TYPES
    }


def olap_custom_fields() -> list[OlapCustomField]:
    """Return the customer, then product, custom fields the warehouse holds, for OLAP."""
    return [
        OlapCustomField(
            target=target, key=d.key, field_type=d.field_type, label=str(d.display_label)
        )
        for target in CUSTOM_FIELD_TARGETS
        for d in custom_field_definitions(entity=target.entity)
        if d.field_type in COLUMN_TYPES
    ]


def olap_custom_dimensions() -> list[str]:
    """Return the names OLAP may group and filter by (``cf_<key>``, ``pcf_<key>``)."""
    return [f.name for f in olap_custom_fields() if f.field_type in DIMENSION_TYPES]


def _existing(con: duckdb.DuckDBPyConnection, target: CustomFieldTarget) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? AND starts_with(column_name, ?)",
        [target.table, COLUMN_PREFIX],
    ).fetchall()
    return dict(rows)


def custom_fields_extract(
    con: duckdb.DuckDBPyConnection,
    *,
    target: CustomFieldTarget = CUSTOMER_TARGET,
    since: dt.datetime | None,
    scratch_dir: Path | None = None,
) -> int | None:
    """Stage the custom fields of ``target``'s records changed since ``since``.

    Every record is staged when a column is new or retyped. Returns the rows staged, or
    None when none of ``target``'s fields goes to the warehouse (nothing is read then: the
    refresh costs what it did before custom fields).
    """
    wanted = warehouse_custom_columns(target=target)
    if not wanted:
        return None
    existing = _existing(con, target)
    if any(existing.get(name) != kind for name, kind in wanted.items()):
        since = None  # a new (or retyped) column is filled for every record
    return extract_into(con, target.source, since=since, scratch_dir=scratch_dir)


def custom_fields_apply(
    con: duckdb.DuckDBPyConnection,
    *,
    target: CustomFieldTarget = CUSTOMER_TARGET,
    staged: int | None,
) -> list[str]:
    """Make ``target.table``'s ``cf_`` columns match the definitions and fill the staged rows.

    Call after ``transform.apply_delta`` (which re-inserts changed customers without
    these columns and upserts products keeping them). Returns the custom columns the
    table has afterwards.
    """
    wanted = warehouse_custom_columns(target=target)
    table = target.table
    for name, kind in _existing(con, target).items():
        if wanted.get(name) != kind:
            con.execute(f'ALTER TABLE {table} DROP COLUMN "{column_name(name[3:])}"')
    existing = _existing(con, target)
    for name, kind in wanted.items():
        if name not in existing:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {kind}')
    if wanted and staged:
        sets = ", ".join(
            f'"{name}" = TRY_CAST(json_extract_string(s.custom_fields, \'$."{name[3:]}"\') '
            f"AS {kind})"
            for name, kind in wanted.items()
        )
        con.execute(
            f"UPDATE {table} SET {sets} FROM {target.stage} s "
            f"WHERE {table}.{target.id_column} = s.id"
        )
    return list(wanted)
