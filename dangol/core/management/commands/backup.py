"""``dangol backup [--output FILE]``: the database and the data directory in one archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangol.core.backup import backup_create
from dangol.core.errors import DangolError


class Command(BaseCommand):
    help = "Back up the database (SQLite or PostgreSQL) and DANGOL_DATA_DIR into one archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="archive to write (default DANGOL_DATA_DIR/backups/dangol-<time>.tar.gz)",
        )

    def handle(self, *args, **options) -> None:
        try:
            result = backup_create(output=options["output"])
        except DangolError as exc:
            raise CommandError(exc.message) from exc
        tables = result.manifest["tables"]
        rows = sum(t["rows"] for t in tables.values())
        self.stdout.write(
            f"Backed up {len(tables)} tables ({rows} rows) of the "
            f"{result.manifest['vendor']} database to {result.path}"
        )
