"""``dangol export customers|products|orders|tickets|opportunities``: CSV, XLSX or vCard."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dangol.customers.selectors import CustomerFilters
from dangol.integration.errors import DangolError
from dangol.integration.exporters import (
    EXPORT_FORMATS,
    export_customers,
    export_opportunities,
    export_orders,
    export_products,
    export_tickets,
)


class Command(BaseCommand):
    help = "Export customers, products, orders, tickets or opportunities in the import's columns."

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", choices=("customers", "products", "orders", "tickets", "opportunities")
        )
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
        parser.add_argument("--out", help="file to write (default: standard output)")
        parser.add_argument("--vcard-version", choices=("3.0", "4.0"), default="3.0")
        parser.add_argument("--user", help="export only what this username may see")
        parser.add_argument("--customer-kind", dest="customer_kind", default="")
        parser.add_argument("--group", default="", help="customer group code")
        parser.add_argument("--region", default="")
        parser.add_argument("--status", default="")
        parser.add_argument("--owner", default="", help="owner's username")
        parser.add_argument("--tier", default="", help="value tier")
        parser.add_argument("--q", default="", help="the customer list's search text")
        parser.add_argument("--order-status", default="", help="orders: only this status")
        parser.add_argument(
            "--ticket-status", default="", help="tickets: only this status, or 'active'"
        )

    def handle(self, *args, **options):
        users = get_user_model().objects
        user = None
        if options["user"]:
            user = users.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}")
        owner = None
        if options["owner"]:
            owner = users.filter(username=options["owner"]).values_list("id", flat=True).first()
            if owner is None:
                raise CommandError(f"No user {options['owner']!r}")
        filters = CustomerFilters(
            kind=options["customer_kind"],
            customer_group=options["group"],
            region=options["region"],
            status=options["status"],
            owner=owner,
            value_tier=options["tier"],
        )
        kind, fmt = options["kind"], options["format"]
        if fmt == "xlsx" and not options["out"]:
            raise CommandError("An .xlsx export needs --out FILE")
        out = open(options["out"], "wb") if options["out"] else sys.stdout.buffer  # noqa: SIM115
        try:
            if kind == "customers":
                count = export_customers(
                    out=out,
                    fmt=fmt,
                    user=user,
                    filters=filters,
                    query=options["q"],
                    vcard_version=options["vcard_version"],
                )
            elif kind == "products":
                count = export_products(out=out, fmt=fmt)
            elif kind == "tickets":
                from dangol.service.selectors import ticket_export_queryset

                queryset = ticket_export_queryset(user=user, status=options["ticket_status"])
                count = export_tickets(out=out, fmt=fmt, queryset=queryset)
            elif kind == "opportunities":
                from dangol.sales.pipeline_selectors import opportunity_export_queryset

                queryset = opportunity_export_queryset(user=user, owner_id=owner)
                count = export_opportunities(out=out, fmt=fmt, queryset=queryset)
            else:
                count = export_orders(
                    out=out,
                    fmt=fmt,
                    user=user,
                    filters=filters,
                    query=options["q"],
                    status=options["order_status"],
                )
        except DangolError as exc:
            raise CommandError(exc.message) from exc
        finally:
            if options["out"]:
                out.close()
            else:
                out.flush()
        self.stderr.write(f"{count} {kind} rows exported")
