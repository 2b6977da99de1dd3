"""``dangol service fetch-mail [URL]`` and ``dangol service escalate``."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangol.service.errors import ValidationError
from dangol.service.mailbox import mailbox_fetch_url
from dangol.service.services import ticket_escalate_due


class Command(BaseCommand):
    help = "Customer service jobs: fetch the support mailbox, escalate overdue tickets."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fetch = sub.add_parser("fetch-mail", help="fetch unseen mail into tickets")
        fetch.add_argument(
            "url",
            nargs="?",
            help="imap[s]://user:password@host:port/FOLDER (default DANGOL_SERVICE_IMAP_URL)",
        )
        sub.add_parser("escalate", help="mark tickets past their resolution due time")

    def handle(self, *args, **options) -> None:
        if options["action"] == "escalate":
            self.stdout.write(f"escalated {ticket_escalate_due()}")
            return
        url = options["url"] or settings.DANGOL_SERVICE_IMAP_URL
        if not url:
            raise CommandError("No mailbox: give a URL or set DANGOL_SERVICE_IMAP_URL")
        try:
            result = mailbox_fetch_url(url)
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"Could not reach the mailbox: {exc}") from exc
        self.stdout.write(
            f"fetched {result.fetched}: {result.created} new tickets, {result.threaded} "
            f"replies, {result.duplicates} already stored, {len(result.rejected)} rejected"
        )
        for reason in result.rejected:
            self.stderr.write(reason)
