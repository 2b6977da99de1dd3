"""A case-insensitive name-prefix index for short searches on PostgreSQL.

One- and two-character searches match the start of a name in any case; Django's
``istartswith`` compiles to ``UPPER(name::text) LIKE UPPER('x%')``. The database collation
here is not "C", so neither the ``(name, id)`` b-tree nor the trigram index can answer it:
a two-character search with no match walked all 1,000,000 rows (580 ms). This b-tree on the
same expression with ``text_pattern_ops`` answers it from the index, and its statistics let
the planner walk the primary key instead for a common prefix such as '김'. SQLite uses the
``(name, id)`` index with a range instead (see ``customers.selectors``).
"""

from django.db import migrations

from dangol.core.migration_ops import VendorRunSQL


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_search_indexes")]

    operations = [
        VendorRunSQL(
            "postgresql",
            [
                "CREATE INDEX customer_name_upper_prefix ON customers_customer "
                "(UPPER(name::text) text_pattern_ops)"
            ],
            ["DROP INDEX IF EXISTS customer_name_upper_prefix"],
        ),
    ]
