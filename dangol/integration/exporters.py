"""Export customers, products, orders, tickets and opportunities in the import's columns.

CSV and XLSX for every kind, vCard for customers.

Every export uses the canonical import columns, so that exporting and importing again
gives back identical data (and changes nothing). CSV starts with a UTF-8 byte-order mark
so that Excel opens Korean text correctly. Customer exports honour the list filters and
the visibility rule of the user asking.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.db.models import QuerySet
from django.utils import timezone

from dangol.catalog.models import Product
from dangol.core.customfields.imports import export_columns
from dangol.customers.models import Customer
from dangol.customers.permissions import restrict_visible
from dangol.customers.selectors import CustomerFilters, customer_search_condition
from dangol.integration.errors import ImportFileError, IntegrationErrorCode
from dangol.integration.validate import (
    CUSTOMER_COLUMNS,
    OPPORTUNITY_COLUMNS,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    TICKET_COLUMNS,
)
from dangol.sales.models import OrderLine

EXPORT_FORMATS = ("csv", "xlsx", "vcard")
CHUNK = 5_000

CUSTOMER_FIELDS = [c.name for c in CUSTOMER_COLUMNS]
PRODUCT_FIELDS = [c.name for c in PRODUCT_COLUMNS]
ORDER_FIELDS = [c.name for c in ORDER_COLUMNS]
TICKET_FIELDS = [c.name for c in TICKET_COLUMNS]
OPPORTUNITY_FIELDS = [c.name for c in OPPORTUNITY_COLUMNS]
# The values read for each column (references by their code, username or external id).
TICKET_SOURCES = [
    "id",
    "customer__external_id",
    "subject",
    "kind",
    "channel",
    "status",
    "priority",
    "category__code",
    "queue__code",
    "assignee__username",
    "product__sku",
    "opened_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
]
OPPORTUNITY_SOURCES = [
    "id",
    "customer__external_id",
    "name",
    "stage__code",
    "amount",
    "expected_close",
    "owner__username",
    "channel",
    "loss_reason",
    "outcome_note",
    "closed_at",
]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- row sources ---------------------------------------------------------------------------


def customer_queryset(
    *, user=None, filters: CustomerFilters | None = None, query: str = ""
) -> QuerySet:
    """Return the customers to export: those ``user`` may see (all for ``None``), filtered.

    :param query: the list's search box: every customer the list finds for it.
    """
    queryset = Customer.objects.filter(deleted_at__isnull=True)
    if user is not None:
        queryset = restrict_visible(queryset, user)
    if filters is not None:
        queryset = filters.apply(queryset)
    condition = customer_search_condition(query)
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset.order_by("id")


def customer_rows(queryset: QuerySet, *, custom_cells=None) -> Iterator[list]:
    """Yield customers as lists of values in ``CUSTOMER_FIELDS`` order.

    :param custom_cells: turns a record's ``custom_fields`` into the ``cf_`` cells
        appended to each row (``core.customfields.imports.export_columns``).
    """
    fields = [f if f != "customer_group" else "customer_group__code" for f in CUSTOMER_FIELDS]
    if custom_cells is None:
        for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK):
            yield list(row)
        return
    for row in queryset.values_list(*fields, "custom_fields").iterator(chunk_size=CHUNK):
        yield [*row[:-1], *custom_cells(row[-1])]


def product_rows(*, custom_cells=None) -> Iterator[list]:
    """Yield products in ``PRODUCT_FIELDS`` order (then their ``cf_`` cells, if asked)."""
    fields = ["sku", "name", "category__path", "unit_price", "unit_cost", "active"]
    if custom_cells is not None:
        fields.append("custom_fields")
    for row in Product.objects.order_by("id").values_list(*fields).iterator(chunk_size=CHUNK):
        yield list(row) if custom_cells is None else [*row[:-1], *custom_cells(row[-1])]


def order_rows(
    *,
    user=None,
    filters: CustomerFilters | None = None,
    query: str = "",
    status: str = "",
    customer_id: int | None = None,
) -> Iterator[list]:
    """Yield order lines in ``ORDER_FIELDS`` order (orders of the customers exported).

    :param status: the order list's status filter; ``customer_id`` its customer filter.
    """
    lines = OrderLine.objects.all()
    if user is not None or filters is not None or query:
        customers = customer_queryset(user=user, filters=filters, query=query)
        lines = lines.filter(order__customer__in=customers.values("pk"))
    if status:
        lines = lines.filter(order__status=status)
    if customer_id is not None:
        lines = lines.filter(order__customer_id=customer_id)
    fields = [
        "order__number",
        "order__customer__external_id",
        "order__ordered_at",
        "product__sku",
        "quantity",
        "unit_price",
        "discount",
        "order__channel",
        "order__status",
    ]
    zone = timezone.get_default_timezone()  # local time with its offset: exact and readable
    for row in lines.order_by("order_id", "id").values_list(*fields).iterator(chunk_size=CHUNK):
        row = list(row)
        row[2] = row[2].astimezone(zone).isoformat()
        yield row


def record_rows(queryset: QuerySet, sources: list[str], *, custom_cells=None) -> Iterator[list]:
    """Yield ``queryset``'s rows as the ``sources`` values, then the ``cf_`` cells if asked.

    Times are written in local time with their offset (exact and readable), dates and
    amounts as text, so that CSV and XLSX import back to the same values.
    """
    zone = timezone.get_default_timezone()
    fields = [*sources, "custom_fields"] if custom_cells is not None else sources
    for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK):
        values = list(row[: len(sources)])
        for index, value in enumerate(values):
            if isinstance(value, dt.datetime):
                values[index] = value.astimezone(zone).isoformat()
            elif value is not None and not isinstance(value, (str, int)):
                values[index] = _text(value)
        yield values if custom_cells is None else [*values, *custom_cells(row[-1])]


# --- writers -------------------------------------------------------------------------------


def write_csv(out: BinaryIO, header: list[str], rows: Iterable[list]) -> int:
    """Write UTF-8 CSV with a byte-order mark; return the number of rows."""
    out.write("\ufeff".encode())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_text(v) for v in row])
        count += 1
        if count % CHUNK == 0:
            out.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    out.write(buffer.getvalue().encode())
    return count


def write_xlsx(out: BinaryIO, header: list[str], rows: Iterable[list], *, sheet: str) -> int:
    """Write an Excel workbook in openpyxl's streaming (write-only) mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(header)
    count = 0
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value.startswith("="):
                    # Text, not a formula: a name like "=SUM(...)" must not run in Excel.
                    cell = WriteOnlyCell(ws, value=value)
                    cell.data_type = "s"
                    value = cell
            elif isinstance(value, bool):
                value = "true" if value else "false"
            cells.append(value if value is not None else "")
        ws.append(cells)
        count += 1
    book.save(out)
    return count


def _vcard_escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current, size = [], [], 0
    for ch in line:
        n = len(ch.encode())
        if size + n > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += n
    out.append("".join(current))
    return "\r\n".join(out)


_GENDER_CODES = {"female": "F", "male": "M", "other": "O"}


def vcard_lines(record: dict, *, version: str) -> list[str]:
    """Return the content lines of one customer's vCard (3.0 or 4.0)."""
    esc = _vcard_escape
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    if record["external_id"]:
        lines.append(f"UID:{esc(record['external_id'])}")
    lines.append(f"FN:{esc(record['name'])}")
    lines.append(f"N:{esc(record['name'])};;;;")
    if record["kind"] == "company":
        lines.append(f"ORG:{esc(record['name'])}")
        if version == "4.0":
            lines.append("KIND:org")
    if record["email"]:
        kind = "work" if version == "4.0" else "INTERNET"
        lines.append(f"EMAIL;TYPE={kind}:{esc(record['email'])}")
    if record["phone"]:
        kind = "cell" if version == "4.0" else "CELL"
        lines.append(f"TEL;TYPE={kind}:{esc(record['phone'])}")
    if record["birth_date"]:
        bday = record["birth_date"]
        lines.append(f"BDAY:{bday.strftime('%Y%m%d') if version == '4.0' else bday.isoformat()}")
    gender = _GENDER_CODES.get(record["gender"], "")
    if gender and version == "4.0":
        lines.append(f"GENDER:{gender}")
    elif gender:
        lines.append(f"X-DANGOL-GENDER:{record['gender']}")
    if record["city"] or record["region"]:
        lines.append(f"ADR:;;;{esc(record['city'])};{esc(record['region'])};;")
    from dangol.integration.readers import VCARD_EXTENSIONS

    for prop, column in VCARD_EXTENSIONS.items():
        if column == "gender":
            continue  # written above, as GENDER in 4.0
        value = record[column]
        if isinstance(value, bool):
            value = "true" if value else "false"
        lines.append(f"{prop}:{esc(value or '')}")
    lines.append("END:VCARD")
    return [_fold(line) for line in lines]


def write_vcard(out: BinaryIO, rows: Iterable[list], *, version: str = "3.0") -> int:
    """Write customers as vCards (UTF-8, CRLF line ends, folded at 75 octets)."""
    if version not in ("3.0", "4.0"):
        raise ImportFileError(
            f"vCard version must be 3.0 or 4.0, not {version!r}",
            code=IntegrationErrorCode.UNKNOWN_FORMAT,
        )
    count = 0
    for row in rows:
        record = dict(zip(CUSTOMER_FIELDS, row, strict=True))
        out.write(("\r\n".join(vcard_lines(record, version=version)) + "\r\n").encode())
        count += 1
    return count


# --- entry points ----------------------------------------------------------------------------


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise ImportFileError(
            f"Cannot export this as {fmt!r}; use one of {', '.join(allowed)}",
            code=IntegrationErrorCode.UNKNOWN_FORMAT,
        )


def export_customers(
    *,
    out: BinaryIO,
    fmt: str = "csv",
    user=None,
    filters: CustomerFilters | None = None,
    query: str = "",
    vcard_version: str = "3.0",
) -> int:
    """Write the customers ``user`` may see (narrowed by ``filters`` and ``query``) to ``out``.

    :returns: the number of customers written.
    """
    _check_format(fmt, EXPORT_FORMATS)
    queryset = customer_queryset(user=user, filters=filters, query=query)
    if fmt == "vcard":
        return write_vcard(out, customer_rows(queryset), version=vcard_version)
    # Active custom fields follow the built-in columns as cf_<key>, as imports read them.
    custom_header, custom_cells = export_columns("customer")
    header = [*CUSTOMER_FIELDS, *custom_header]
    rows = customer_rows(queryset, custom_cells=custom_cells if custom_header else None)
    if fmt == "xlsx":
        return write_xlsx(out, header, rows, sheet="customers")
    return write_csv(out, header, rows)


def export_products(*, out: BinaryIO, fmt: str = "csv") -> int:
    """Write every product to ``out``; return how many."""
    _check_format(fmt, ("csv", "xlsx"))
    custom_header, custom_cells = export_columns("product")
    header = [*PRODUCT_FIELDS, *custom_header]
    rows = product_rows(custom_cells=custom_cells if custom_header else None)
    if fmt == "xlsx":
        return write_xlsx(out, header, rows, sheet="products")
    return write_csv(out, header, rows)


def export_orders(
    *,
    out: BinaryIO,
    fmt: str = "csv",
    user=None,
    filters: CustomerFilters | None = None,
    query: str = "",
    status: str = "",
    customer_id: int | None = None,
) -> int:
    """Write order lines (of the customers ``user`` may see and ``filters`` keep) to ``out``.

    ``query`` is the customer search; ``status`` and ``customer_id`` the order list's
    filters. Returns the number of order lines written.
    """
    _check_format(fmt, ("csv", "xlsx"))
    rows = order_rows(
        user=user, filters=filters, query=query, status=status, customer_id=customer_id
    )
    if fmt == "xlsx":
        return write_xlsx(out, ORDER_FIELDS, rows, sheet="orders")
    return write_csv(out, ORDER_FIELDS, rows)


def _export_records(
    out: BinaryIO, fmt: str, *, queryset: QuerySet, fields, sources, entity: str, sheet: str
) -> int:
    _check_format(fmt, ("csv", "xlsx"))
    custom_header, custom_cells = export_columns(entity)
    header = [*fields, *custom_header]
    rows = record_rows(queryset, sources, custom_cells=custom_cells if custom_header else None)
    if fmt == "xlsx":
        return write_xlsx(out, header, rows, sheet=sheet)
    return write_csv(out, header, rows)


def export_tickets(*, out: BinaryIO, fmt: str = "csv", queryset: QuerySet | None = None) -> int:
    """Write tickets in the ticket import's columns (then ``cf_<key>``) to ``out``.

    :param queryset: the tickets to write (``service.selectors.ticket_export_queryset``,
        which applies the list's filters and the user's visibility); default: all.
    :returns: the number of tickets written.
    """
    if queryset is None:
        from dangol.service.selectors import ticket_export_queryset

        queryset = ticket_export_queryset()
    return _export_records(
        out,
        fmt,
        queryset=queryset,
        fields=TICKET_FIELDS,
        sources=TICKET_SOURCES,
        entity="ticket",
        sheet="tickets",
    )


def export_opportunities(
    *, out: BinaryIO, fmt: str = "csv", queryset: QuerySet | None = None
) -> int:
    """Write opportunities in the opportunity import's columns (then ``cf_<key>``).

    :param queryset: the opportunities to write
        (``sales.pipeline_selectors.opportunity_export_queryset``); default: all.
    :returns: the number of opportunities written.
    """
    if queryset is None:
        from dangol.sales.pipeline_selectors import opportunity_export_queryset

        queryset = opportunity_export_queryset()
    return _export_records(
        out,
        fmt,
        queryset=queryset,
        fields=OPPORTUNITY_FIELDS,
        sources=OPPORTUNITY_SOURCES,
        entity="opportunity",
        sheet="opportunities",
    )
