"""``dangol olap query``: measures by dimensions from the warehouse, as CSV or JSON."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangol.analytics.olap.errors import OlapQueryError
from dangol.analytics.olap.model import olap_query_parse
from dangol.analytics.olap.selectors import olap_query_run
from dangol.analytics.warehouse.errors import WarehouseMissing


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from exc


def _filters(items: list[str]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CommandError(_("A filter is dimension=value: %(item)s") % {"item": item})
        filters.setdefault(name.strip(), []).append(value)
    return filters


class Command(BaseCommand):
    help = gettext_lazy("Query the warehouse: measures by dimensions, with filters.")
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        query = sub.add_parser("query", help=gettext_lazy("Run one query and print the rows."))
        query.add_argument(
            "--measure",
            action="append",
            required=True,
            help=gettext_lazy(
                "revenue, margin, orders, customers, aov, quantity, or <name>_sum and "
                "<name>_avg for a number or money custom field (cf_<key> of customers, "
                "pcf_<key> of products); repeatable."
            ),
        )
        query.add_argument(
            "--by",
            action="append",
            default=[],
            help=gettext_lazy(
                "A dimension to group by, e.g. region, month, cf_<key> (a customer field) or "
                "pcf_<key> (a product field); repeatable."
            ),
        )
        query.add_argument(
            "--filter",
            action="append",
            default=[],
            help=gettext_lazy("dimension=value; repeat a dimension to accept several values."),
        )
        query.add_argument("--from", dest="date_from", help=gettext_lazy("First order date."))
        query.add_argument("--to", dest="date_to", help=gettext_lazy("Last order date."))
        query.add_argument("--top", type=int, help=gettext_lazy("Keep the first N rows."))
        query.add_argument(
            "--order-by",
            help=gettext_lazy("A chosen measure or dimension; '-' in front for descending."),
        )
        query.add_argument(
            "--compare",
            action="store_true",
            help=gettext_lazy("Add the previous period of equal length and the change."),
        )
        query.add_argument(
            "--format", choices=["csv", "json"], default="csv", help=gettext_lazy("Output format.")
        )

    def handle(self, *args, **options) -> None:
        try:
            query = olap_query_parse(
                measures=options["measure"],
                by=options["by"],
                filters=_filters(options["filter"]),
                date_from=_date(options["date_from"]) if options["date_from"] else None,
                date_to=_date(options["date_to"]) if options["date_to"] else None,
                top_n=options["top"],
                order_by=options["order_by"],
                compare_previous=options["compare"],
            )
            result = olap_query_run(query=query)
        except (OlapQueryError, WarehouseMissing) as exc:
            raise CommandError(exc.message) from exc
        if options["format"] == "json":
            self.stdout.write(result.to_json())
        else:
            self.stdout.write(result.to_csv(), ending="")
