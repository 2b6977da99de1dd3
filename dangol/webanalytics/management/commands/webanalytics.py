"""``dangol webanalytics ingest [--once]`` and ``dangol webanalytics site add``."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from dangol.core.errors import DangolError
from dangol.webanalytics import services
from dangol.webanalytics.ingest import webanalytics_ingest


class Command(BaseCommand):
    help = "Web analytics: ingest the spool into the event store; add tracked sites."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="Move spooled events into the DuckDB store.")
        ingest.add_argument("--once", action="store_true", help="One pass, then exit.")
        ingest.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between passes (2)."
        )
        site = sub.add_parser("site", help="Tracked sites.")
        site_sub = site.add_subparsers(dest="site_action", required=True)
        add = site_sub.add_parser("add", help="Add a tracked site.")
        add.add_argument("--key", required=True)
        add.add_argument("--name", default="")
        add.add_argument("--origin", action="append", default=[], help="Allowed origin.")
        add.add_argument("--search-param", default="q")
        add.add_argument("--first-party-id", action="store_true")

    def handle(self, *args, action: str, **options):
        if action == "ingest":
            return self._ingest(once=options["once"], interval=options["interval"])
        try:
            site = services.site_create(
                key=options["key"],
                name=options["name"],
                allowed_origins="\n".join(options["origin"]),
                search_param=options["search_param"],
                first_party_id=options["first_party_id"],
            )
        except DangolError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"site {site.key} added")

    def _ingest(self, *, once: bool, interval: float) -> None:
        while True:
            started = time.monotonic()
            result = webanalytics_ingest()
            took = time.monotonic() - started
            if result.busy:
                self.stderr.write("another ingester is running")
            elif result.events or result.visits_closed or once:
                self.stdout.write(
                    f"{result.events} events from {result.files} files,"
                    f" {result.visits_new} new visits, {result.visits_closed} visits ended,"
                    f" {result.interactions} timeline entries in {took:.3f} s"
                )
            if once:
                return
            time.sleep(interval)
