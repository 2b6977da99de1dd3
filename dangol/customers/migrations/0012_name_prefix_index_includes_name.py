"""The case-insensitive name-prefix index carries the name, so counts need no heap.

The PostgreSQL search counts a term's matches (up to 2,000) before choosing its path
(``customers.selectors._match_counts``). For a one- or two-character name prefix that count
read the heap for every match: PostgreSQL answers a query from an index alone only when
the index holds the columns the query names, and the index of migration 0003 holds
``UPPER(name)``, not ``name``. With ``INCLUDE (name)`` the count is an index-only scan:
0.8 ms instead of 10 ms for a common prefix on the 1,000,000-customer demo
(docs/performance.md, "Under load"). The new index replaces the old one (same expression,
so it serves every query the old one did). No-op on SQLite.
"""

from django.db import migrations

from dangol.core.migration_ops import VendorRunSQL

OLD = (
    "CREATE INDEX customer_name_upper_prefix ON customers_customer "
    "(UPPER(name::text) text_pattern_ops)"
)
NEW = (
    "CREATE INDEX customer_name_upper_prefix_incl ON customers_customer "
    "(UPPER(name::text) text_pattern_ops) INCLUDE (name)"
)


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_search_column_statistics")]

    operations = [
        VendorRunSQL(
            "postgresql",
            [NEW, "DROP INDEX IF EXISTS customer_name_upper_prefix"],
            [OLD, "DROP INDEX IF EXISTS customer_name_upper_prefix_incl"],
        ),
    ]
