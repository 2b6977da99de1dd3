"""Migration operations that differ by database vendor."""

from __future__ import annotations

from django.db import migrations


class VendorRunSQL(migrations.RunSQL):
    """Run SQL only on the named vendor (``"postgresql"`` or ``"sqlite"``).

    Search indexes are vendor specific (pg_trgm on PostgreSQL, FTS5 on SQLite); each
    database gets its own and the other skips the operation.
    """

    def __init__(self, vendor: str, sql, reverse_sql=None, **kwargs):
        self.vendor = vendor
        super().__init__(sql, reverse_sql, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        kwargs["vendor"] = self.vendor
        return name, args, kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)
