"""Open the current warehouse: the one way every reader reaches it.

A refresh builds a new file ``wh-<timestamp>.duckdb`` and then replaces the pointer file
``CURRENT`` atomically (``os.replace``), so a reader opens either the old or the new file,
never a half-built one. DuckDB allows one read-write process or several read-only ones
per file; readers open read-only files that no writer touches again.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from django.conf import settings

from dangol.analytics.warehouse.errors import WarehouseMissing

POINTER_NAME = "CURRENT"


def warehouse_dir() -> Path:
    """Return ``DANGOL_DATA_DIR/warehouse``, created if missing."""
    path = Path(settings.DATA_DIR) / "warehouse"
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_current_path() -> Path | None:
    """Return the path of the file ``CURRENT`` names, or None before the first refresh."""
    pointer = warehouse_dir() / POINTER_NAME
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    path = warehouse_dir() / name
    return path if name and path.exists() else None


def warehouse_connect(*, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the current warehouse file (read-only unless asked otherwise).

    Raise ``WarehouseMissing`` when no refresh has run yet.
    """
    path = warehouse_current_path()
    if path is None:
        raise WarehouseMissing("No warehouse yet: run `dangol warehouse refresh`.")
    return duckdb.connect(str(path), read_only=read_only)
