"""Finer PostgreSQL statistics on the searched columns (no-op on SQLite).

With the default target (100 histogram buckets) a phone or e-mail prefix that matches 88
of a million customers was estimated at 9,604, so the search walked the primary key
backwards through every customer instead of reading the prefix index (up to 350 ms a
search at 1M customers; docs/performance.md, "Under load"). 2,000 buckets estimate it
at 95. ANALYZE afterwards (autovacuum does it in time; the demo command runs it).
"""

from django.db import migrations

COLUMNS = ("name", "email", "phone_digits", "external_id")
TARGET = 2000


def _set_target(apps, schema_editor, target: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name("customers_customer")
    changes = ", ".join(
        f"ALTER COLUMN {schema_editor.quote_name(c)} SET STATISTICS {int(target)}"
        for c in COLUMNS
    )
    schema_editor.execute(f"ALTER TABLE {table} {changes}")


def forwards(apps, schema_editor) -> None:
    _set_target(apps, schema_editor, TARGET)


def backwards(apps, schema_editor) -> None:
    _set_target(apps, schema_editor, -1)  # the server's default_statistics_target


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_region_owner_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
