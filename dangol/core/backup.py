"""Back up and restore the whole installation: the database and the data directory.

A backup is one ``.tar.gz`` archive:

- ``manifest.json``: format, the database vendor, when, the applied migrations, and the
  row count and checksum of every table (restore checks them after loading);
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy taken page by page
  while the app keeps running) or ``database.pgdump`` (``pg_dump`` custom format, one
  snapshot transaction);
- ``data/...``: the files of ``DANGOL_DATA_DIR`` (the warehouse file ``CURRENT`` names
  and ``CURRENT`` itself, job progress, exports), without the database file, static
  files, backups and stale warehouse generations.

Restore refuses a database that already holds customers, users, orders, tickets or
interactions unless ``force`` is given; it loads everything in one transaction on
PostgreSQL (``pg_restore --single-transaction``) and through the backup API on SQLite,
extracts the data files with tar's "data" filter (no path leaves the directory), then
compares every table's count and checksum with the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder

from dangol.core.errors import ConflictError, ValidationError

FORMAT = "dangol-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
DATA_PREFIX = "data/"
# Tables whose rows mean "this database is in use": restore will not overwrite them.
USE_TABLES = (
    "accounts_user",
    "customers_customer",
    "sales_order",
    "service_ticket",
    "touchpoints_interaction",
)
SKIP_DIRS = {"staticfiles", "backups"}
# Append-only logs that a restore merges (the union of the installation's lines and the
# backup's) instead of overwriting: the erasure log must not forget a later erasure.
MERGED_FILES = ("privacy/erasures.jsonl",)
SKIP_SUFFIXES = ("-wal", "-shm", "-journal", ".tmp", ".lock")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def _vendor() -> str:
    return connection.vendor


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(
            t
            for t in connection.introspection.table_names(cursor)
            if not t.startswith(("sqlite_", "customers_customer_fts"))
        )


def table_checksums() -> dict[str, dict[str, Any]]:
    """Return each table's row count and a checksum of its rows (order-independent)."""
    result = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT * FROM {quote(table)}")
            digest = 0
            count = 0
            # Columns by name, so a table whose columns were re-created in another order
            # (a migration reversed and re-applied) sums the same.
            names = [col[0] for col in cursor.description]
            order = sorted(range(len(names)), key=names.__getitem__)
            while rows := cursor.fetchmany(5000):
                for row in rows:
                    text = "\x1f".join(
                        f"{names[i]}={'' if row[i] is None else _canonical(row[i])}" for i in order
                    )
                    digest ^= int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
                count += len(rows)
            result[table] = {"rows": count, "checksum": f"{digest:016x}"}
    return result


def _canonical(value: Any) -> str:
    """Render a value the same on both databases' drivers (JSON text, dates, decimals)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def database_in_use() -> bool:
    """Return whether the database holds data that a restore would overwrite."""
    existing = set(_tables())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in USE_TABLES:
            if table in existing:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
                if cursor.fetchone() is not None:
                    return True
    return False


def _data_files(data_dir: Path, exclude: set[Path]) -> list[Path]:
    warehouse = data_dir / "warehouse"
    keep_warehouse: set[Path] = set()
    pointer = warehouse / "CURRENT"
    if pointer.is_file():
        keep_warehouse = {pointer, warehouse / pointer.read_text().strip()}
    files = []
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        rel = path.relative_to(data_dir)
        if rel.parts[0] in SKIP_DIRS or path.name.endswith(SKIP_SUFFIXES):
            continue
        if path.resolve() in exclude or path.name.startswith("test-"):
            continue
        if rel.parts[0] == "warehouse" and path not in keep_warehouse:
            continue
        files.append(path)
    return files


def _pg_params() -> tuple[list[str], dict[str, str], str]:
    params = connection.settings_dict
    args = []
    if params.get("HOST"):
        args += ["-h", str(params["HOST"])]
    if params.get("PORT"):
        args += ["-p", str(params["PORT"])]
    if params.get("USER"):
        args += ["-U", str(params["USER"])]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return args, env, str(params["NAME"])


def pg_tool_check(tool: str = "pg_dump") -> str:
    """Return the client tool's path after checking it can read this server's dumps.

    :raises ValidationError: the tool is missing or older than the server.
    """
    path = shutil.which(tool)
    if path is None:
        raise ValidationError(
            f"{tool} is not installed: install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client)",
            field="database",
        )
    out = subprocess.run(  # noqa: S603 (a fixed tool, no shell)
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    client_major = int(match.group(1)) if match else 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_major = int(cursor.fetchone()[0]) // 10000
    if client_major < server_major:
        raise ValidationError(
            f"{tool} {client_major} cannot handle PostgreSQL {server_major}: "
            f"install postgresql-client-{server_major}",
            field="database",
        )
    return path


def backup_create(*, output: Path | None = None) -> BackupResult:
    """Write a backup archive of the database and the data directory; return its path."""
    data_dir = Path(settings.DATA_DIR)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    output = Path(output) if output else data_dir / "backups" / f"dangol-{stamp}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    vendor = _vendor()
    if vendor not in ("sqlite", "postgresql"):
        raise ValidationError(f"Backups support SQLite and PostgreSQL, not {vendor}")
    with tempfile.TemporaryDirectory(dir=output.parent) as tmp:
        tmpdir = Path(tmp)
        exclude = {output.resolve()}
        if vendor == "sqlite":
            db_path = Path(connection.settings_dict["NAME"]).resolve()
            exclude |= {db_path}
            dump = tmpdir / SQLITE_MEMBER
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                # The online backup API copies a consistent snapshot while writers go on.
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            tool = pg_tool_check("pg_dump")
            args, env, name = _pg_params()
            dump = tmpdir / PG_MEMBER
            subprocess.run(  # noqa: S603 (fixed tool and arguments, no shell)
                [tool, "--format=custom", "--no-owner", "--no-privileges", *args,
                 "--file", str(dump), name],
                env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "vendor": vendor,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "migrations": sorted(
                f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
            ),
            "tables": table_checksums(),
        }
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            manifest_path = tmpdir / MANIFEST
            manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
            archive.add(manifest_path, arcname=MANIFEST)
            archive.add(dump, arcname=dump.name)
            for path in _data_files(data_dir, exclude):
                archive.add(path, arcname=DATA_PREFIX + path.relative_to(data_dir).as_posix())
        os.replace(partial, output)  # never a half-written archive under the real name
    return BackupResult(path=output, manifest=manifest)


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise ValidationError("Not a Dangol backup: manifest.json is missing", field="file")
    manifest = json.loads(member.read())
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ValidationError("Not a Dangol backup of a known version", field="file")
    return manifest


def backup_restore(*, archive_path: Path, force: bool = False) -> dict[str, Any]:
    """Load a backup archive into the configured database and data directory.

    :raises ValidationError: not a backup, or taken from the other database vendor.
    :raises ConflictError: the database is in use and ``force`` is not given.
    """
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise ValidationError(f"No such file: {archive_path}", field="file")
    data_dir = Path(settings.DATA_DIR)
    with tarfile.open(archive_path, "r:gz") as archive:
        manifest = _read_manifest(archive)
        vendor = _vendor()
        if manifest["vendor"] != vendor:
            raise ValidationError(
                f"This backup is of a {manifest['vendor']} database; this installation "
                f"uses {vendor}",
                field="file",
            )
        if not force and database_in_use():
            raise ConflictError(
                "The database already holds data; restore with --force to replace it",
                field="database",
            )
        data_members = _data_members_checked(archive, data_dir)
        with tempfile.TemporaryDirectory() as tmp:
            tmpdir = Path(tmp)
            member = SQLITE_MEMBER if vendor == "sqlite" else PG_MEMBER
            archive.extract(member, tmpdir, filter="data")
            if vendor == "sqlite":
                _sqlite_load(tmpdir / member)
            else:
                _pg_load(tmpdir / member)
            kept = {
                name: (data_dir / name).read_text(encoding="utf-8")
                for name in MERGED_FILES
                if (data_dir / name).is_file()
            }
            for info in data_members:
                archive.extract(info, data_dir, filter="data")
            _merge_logs(data_dir, kept)
    after = table_checksums()
    differ = sorted(
        table for table, expected in manifest["tables"].items() if after.get(table) != expected
    )
    if differ:
        raise ValidationError(
            f"Restored tables differ from the backup: {', '.join(differ[:10])}",
            field="database",
        )
    return manifest


def _merge_logs(data_dir: Path, kept: dict[str, str]) -> None:
    """Write back the lines of ``MERGED_FILES`` the restored copy lacks."""
    for name, text in kept.items():
        path = data_dir / name
        restored = path.read_text(encoding="utf-8") if path.is_file() else ""
        lines = restored.splitlines()
        missing = [line for line in text.splitlines() if line and line not in set(lines)]
        if missing or not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"{line}\n" for line in [*lines, *missing]), "utf-8")


def _data_members_checked(archive: tarfile.TarFile, data_dir: Path) -> list[tarfile.TarInfo]:
    """Return the data files to extract, refusing the archive before anything is changed
    if one would land outside the data directory (absolute, "..", links, devices).

    :raises ValidationError: naming the offending member.
    """
    members = []
    for info in archive.getmembers():
        if not info.name.startswith(DATA_PREFIX):
            continue
        original = info.name
        info = info.replace(name=info.name[len(DATA_PREFIX) :], deep=False)
        try:
            info = tarfile.data_filter(info, str(data_dir))
        except tarfile.FilterError as exc:
            raise ValidationError(
                f"The backup is refused: {original!r} would be written outside the data "
                f"directory ({exc.__class__.__name__}); nothing was changed",
                field="file",
            ) from exc
        if info.isfile():
            members.append(info)
    return members


def _sqlite_load(source_path: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(source_path)
    try:
        # Replaces the whole database page by page under SQLite's locks.
        source.backup(connection.connection)
    finally:
        source.close()
    for conn in connections.all():
        conn.close()


def _pg_load(dump: Path) -> None:
    tool = pg_tool_check("pg_restore")
    args, env, name = _pg_params()
    connection.close()
    result = subprocess.run(  # noqa: S603 (fixed tool and arguments, no shell)
        [tool, "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", *args, "--dbname", name, str(dump)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise ValidationError(
            f"pg_restore failed; nothing was changed: {result.stderr.strip()[:500]}",
            field="database",
        )
