"""``dangol leads import FILE [--encoding E] [--skip-bad]``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangol.core.errors import DangolError
from dangol.sales.lead_import import leads_import


class Command(BaseCommand):
    help = "Import leads from CSV or Excel (duplicate check and assignment rules apply)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a lead file")
        imp.add_argument("file", type=Path)
        imp.add_argument("--encoding", help="utf-8 or cp949 (default: detected)")
        imp.add_argument(
            "--skip-bad", action="store_true", help="import the good rows; default all or nothing"
        )

    def handle(self, *args, **options) -> None:
        try:
            result = leads_import(
                path=options["file"], encoding=options["encoding"], skip_bad=options["skip_bad"]
            )
        except DangolError as exc:
            raise CommandError(exc.message) from exc
        for reject in result.rejects:
            self.stderr.write(
                f"line {reject.line}, {reject.column} {reject.value!r}: {reject.reason}"
            )
        state = "imported" if result.committed else "NOT imported (all or nothing)"
        self.stdout.write(
            f"{result.rows} rows {state}: {result.created} created, {result.unchanged} "
            f"unchanged, {len(result.rejects)} rejected"
            + (f"; rejects in {result.reject_file}" if result.reject_file else "")
        )
        if result.rejects and not result.committed:
            raise CommandError("Nothing was imported; fix the rows above or use --skip-bad.")
