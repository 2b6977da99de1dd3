"""SQL fragments for merging staged custom-field JSON into a table (bulk upserts).

A staged row carries a JSON object of the values a file gave; the merge sets those keys
and keeps the others (``jsonb ||`` on PostgreSQL, ``json_patch`` on SQLite), and a row
counts as changed only when the merge changes it, so importing a file twice changes
nothing.
"""

from __future__ import annotations

from django.db import connection


def custom_json_sql(staged: str) -> str:
    """Return SQL for the staged JSON text as the stored object (empty when NULL)."""
    if connection.vendor == "postgresql":
        return f"COALESCE({staged}, '{{}}')::jsonb"
    return f"json(COALESCE({staged}, '{{}}'))"


def custom_merge_sql(stored: str, new: str) -> str:
    """Return SQL for ``stored`` with the keys of ``new`` set (other keys kept)."""
    if connection.vendor == "postgresql":
        return f"({stored} || {new})"
    return f"json_patch({stored}, {new})"


def custom_differs_sql(stored: str, new: str, *, staged: bool = True) -> str:
    """Return SQL true when merging ``new`` (staged text, or stored form) changes ``stored``."""
    value = custom_json_sql(new) if staged else new
    if connection.vendor == "postgresql":
        return f"{stored} IS DISTINCT FROM ({stored} || {value})"
    return f"json({stored}) IS NOT json_patch({stored}, {value})"
