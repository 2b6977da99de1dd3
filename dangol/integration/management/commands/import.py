"""``dangol import customers|products|orders|budgets|tickets|opportunities FILE``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dangol.integration.errors import DangolError, RejectedRowsError
from dangol.integration.importers import KINDS, ImportResult, import_file, parse_mapping
from dangol.integration.readers import FORMATS

MAX_REJECTS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Import customers, products, orders, category budgets, tickets or opportunities "
        "from a CSV, Excel (.xlsx) or contacts file."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--format", choices=FORMATS, help="default: from the extension")
        parser.add_argument("--encoding", help="default: BOM, else UTF-8, else CP949")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="SOURCE=TARGET",
            help="rename a file column to a canonical column (repeatable)",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--all-or-nothing",
            dest="skip_bad",
            action="store_false",
            help="import nothing if any row is bad (the default)",
        )
        mode.add_argument(
            "--skip-bad", dest="skip_bad", action="store_true", help="import the good rows only"
        )
        parser.set_defaults(skip_bad=False)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        try:
            result = import_file(
                kind=options["kind"],
                path=options["file"],
                fmt=options["format"],
                encoding=options["encoding"],
                mapping=parse_mapping(options["map"]),
                skip_bad=options["skip_bad"],
                show_progress=not options["no_progress"],
            )
        except RejectedRowsError as exc:
            self._summary(exc.result)
            raise CommandError(exc.message) from exc
        except DangolError as exc:
            raise CommandError(exc.message) from exc
        self._summary(result)

    def _summary(self, result: ImportResult) -> None:
        write = self.stdout.write
        write(f"{result.kind} from {result.path} ({result.encoding or 'xlsx'})")
        write(f"  rows read: {result.rows_read}")
        if result.written:
            write(f"  inserted:  {result.inserted}")
            write(f"  updated:   {result.updated}")
            write(f"  unchanged: {result.unchanged}")
        else:
            write("  nothing written")
        write(f"  rejected:  {result.rejected}")
        for row in result.rejects.head(MAX_REJECTS_SHOWN).itertuples(index=False):
            where = f"line {row.line}" + (f", {row.column}" if row.column else "")
            self.stderr.write(f"  {where}: {row.reason} ({row.value!r})")
        if len(result.rejects) > MAX_REJECTS_SHOWN:
            self.stderr.write(f"  ... {len(result.rejects) - MAX_REJECTS_SHOWN} more")
        if result.rejects_path is not None:
            write(f"  rejects:   {result.rejects_path}")
