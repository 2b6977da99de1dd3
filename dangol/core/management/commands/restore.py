"""``dangol restore FILE [--force]``: load a backup made by ``dangol backup``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangol.core.backup import backup_restore
from dangol.core.errors import DangolError
from dangol.customers.erasure_log import erasures_reapply


class Command(BaseCommand):
    help = "Restore the database and DANGOL_DATA_DIR from a `dangol backup` archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the archive `dangol backup` wrote")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already holds data",
        )

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup_restore(archive_path=options["file"], force=options["force"])
        except DangolError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Restored {len(manifest['tables'])} tables from the backup of "
            f"{manifest['created_at']}; every table's rows match the backup."
        )
        # Personal data erased since the backup was taken must not come back.
        again = erasures_reapply()
        if again:
            self.stdout.write(
                f"Erased again {len(again)} customer(s) erased after the backup was taken: "
                + ", ".join(str(pk) for pk in again)
            )
