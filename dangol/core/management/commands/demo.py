"""``dangol demo``: generate the demo business, print the logins, then serve it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from dangol.core.demo.build import demo_build
from dangol.core.demo.spec import DemoSpec
from dangol.core.errors import DangolError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--end-date must be YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Generate a seeded, reproducible demo business (customers, catalogue, two years of "
        "orders, interactions, one user per role), print how to log in and serve it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=22_000)
        parser.add_argument("--products", type=int, default=1_000)
        parser.add_argument("--years", type=float, default=2.0, help="length of order history")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--end-date",
            type=_date,
            default=None,
            help=(
                "last day of the history (default: yesterday, so no order lies in the "
                "future); same seed and end date, same data"
            ),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="DELETE existing customers, products, orders and interactions first",
        )
        parser.add_argument("--no-serve", action="store_true", help="do not start the server")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options) -> None:
        end_date = options["end_date"] or timezone.localdate() - dt.timedelta(days=1)
        spec = DemoSpec(
            customers=options["customers"],
            products=options["products"],
            years=options["years"],
            seed=options["seed"],
            end_date=end_date,
            time_zone=settings.TIME_ZONE,
        )
        out = self.stdout
        out.write(
            f"Generating the demo business on {connection.vendor}: {spec.customers:,} "
            f"customers, {spec.products:,} products, {spec.start_date} to {spec.end_date}, "
            f"seed {spec.seed}"
        )
        try:
            result = demo_build(spec=spec, reset=options["reset"], out=out)
        except DangolError as exc:
            raise CommandError(exc.message) from exc

        c = result.counts
        out.write(
            f"\nDone in {result.seconds['total']:.1f} s: {c['customers']:,} customers, "
            f"{c['products']:,} products in {c['categories']} categories, {c['orders']:,} orders "
            f"with {c['lines']:,} lines, {c['interactions']:,} interactions, "
            f"{c['consents']:,} consent records; {c.get('tickets', 0)} service tickets, "
            f"{c.get('leads', 0)} leads and {c.get('opportunities', 0)} opportunities."
        )
        out.write(
            f"Revenue {result.revenue:,.0f} {settings.DANGOL_CURRENCY}; the top 20% of "
            f"customers bring {result.top20_share:.1%} of it."
        )

        url = f"http://127.0.0.1:{options['port']}/"
        width = max(len(u) for u, _, _ in result.credentials)
        out.write("\nLog in at " + url + " with one of these demo accounts.")
        out.write("The passwords are generated for this run and shown only now:\n")
        out.write(f"  {'username':<{width}}  {'role':<10}  password")
        out.write(f"  {'-' * width}  {'-' * 10}  {'-' * 16}")
        for username, role, password in result.credentials:
            out.write(f"  {username:<{width}}  {role.value:<10}  {password}")
        out.write("")

        if options["no_serve"]:
            return
        out.write(f"Serving at {url} (Ctrl+C to stop)")
        # WhiteNoise (WHITENOISE_USE_FINDERS) serves /static/ even without DEBUG.
        call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
