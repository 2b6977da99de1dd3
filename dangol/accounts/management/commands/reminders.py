"""``dangol reminders run``: send the reminders due now (the worker does so by itself)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dangol.accounts.reminders import reminders_run


class Command(BaseCommand):
    help = "Send due reminders (tasks, follow-ups, SLA clocks), each once; print counts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Send every reminder due now that was not sent.")
        run.add_argument(
            "--at", help="Run as if it were this time (ISO 8601, local time if naive)."
        )

    def handle(self, *args, action: str, **options) -> None:
        now = None
        if options.get("at"):
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(f"--at must be an ISO 8601 time, not {options['at']!r}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        counts = reminders_run(now=now)
        for kind, count in counts.items():
            self.stdout.write(f"{kind:18} {count}")
        self.stdout.write(f"{'total':18} {sum(counts.values())}")
