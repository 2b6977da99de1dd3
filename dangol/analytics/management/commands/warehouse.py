"""``dangol warehouse refresh [--full]`` and ``dangol warehouse export --format parquet DIR``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangol.analytics.warehouse.errors import WarehouseBusy, WarehouseMissing
from dangol.analytics.warehouse.services import warehouse_export, warehouse_refresh


class Command(BaseCommand):
    help = gettext_lazy("Refresh the customer data warehouse or export it.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        refresh = actions.add_parser(
            "refresh", help=gettext_lazy("Bring the warehouse up to date (incremental).")
        )
        refresh.add_argument(
            "--full", action="store_true", help=gettext_lazy("Rebuild every table.")
        )
        export = actions.add_parser(
            "export", help=gettext_lazy("Write one file per warehouse table.")
        )
        export.add_argument("--format", default="parquet", choices=["parquet"])
        export.add_argument("directory", metavar="DIR")

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "refresh":
                self._refresh(full=options["full"])
            else:
                self._export(Path(options["directory"]), options["format"])
        except (WarehouseBusy, WarehouseMissing) as exc:
            raise CommandError(exc.message) from exc

    def _refresh(self, *, full: bool) -> None:
        result = warehouse_refresh(full=full)
        self.stdout.write(
            _("Warehouse refresh (%(mode)s) done in %(seconds).2f s: %(path)s")
            % {
                "mode": result.mode,
                "seconds": sum(result.timings.values()),
                "path": result.path,
            }
        )
        for table, count in result.rows.items():
            self.stdout.write(f"  {table:<20} {count:>12,}")
        extracted = ", ".join(f"{name} {count:,}" for name, count in result.extracted.items())
        self.stdout.write(_("Rows read: %(list)s") % {"list": extracted})
        deleted = ", ".join(f"{name} {count:,}" for name, count in result.deleted.items())
        self.stdout.write(_("Rows replaced or deleted: %(list)s") % {"list": deleted})
        timings = ", ".join(f"{name} {sec:.2f}s" for name, sec in result.timings.items())
        self.stdout.write(_("Time per phase: %(list)s") % {"list": timings})

    def _export(self, directory: Path, file_format: str) -> None:
        written = warehouse_export(directory=directory, file_format=file_format)
        for table, path in written.items():
            self.stdout.write(f"  {table:<20} {path}")
        self.stdout.write(
            _("%(count)d tables written to %(directory)s")
            % {"count": len(written), "directory": directory}
        )
