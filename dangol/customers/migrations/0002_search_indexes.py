"""Indexes for customer search, one kind per database.

SQLite: an FTS5 table with the trigram tokenizer over ``name`` (substring search), kept
current by triggers. PostgreSQL: pg_trgm GIN over ``UPPER(name::text)``, the expression
Django's ``icontains`` compiles to, and ``text_pattern_ops`` b-trees for prefix lookups
(the default collation's b-tree cannot serve ``LIKE 'x%'``).
"""

from django.db import migrations

from dangol.core.migration_ops import VendorRunSQL

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE customers_customer_fts USING fts5("
    "name, content='customers_customer', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER customers_customer_fts_ai AFTER INSERT ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER customers_customer_fts_ad AFTER DELETE ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(customers_customer_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER customers_customer_fts_au AFTER UPDATE OF name ON customers_customer BEGIN "
    "INSERT INTO customers_customer_fts(customers_customer_fts, rowid, name) "
    "VALUES ('delete', old.id, old.name); "
    "INSERT INTO customers_customer_fts(rowid, name) VALUES (new.id, new.name); END",
    "INSERT INTO customers_customer_fts(customers_customer_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_customer_fts_au",
    "DROP TRIGGER IF EXISTS customers_customer_fts_ad",
    "DROP TRIGGER IF EXISTS customers_customer_fts_ai",
    "DROP TABLE IF EXISTS customers_customer_fts",
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX customer_name_trgm ON customers_customer "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX customer_email_prefix ON customers_customer (email text_pattern_ops)",
    "CREATE INDEX customer_phone_prefix ON customers_customer (phone_digits text_pattern_ops)",
    "CREATE INDEX customer_extid_prefix ON customers_customer (external_id text_pattern_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS customer_extid_prefix",
    "DROP INDEX IF EXISTS customer_phone_prefix",
    "DROP INDEX IF EXISTS customer_email_prefix",
    "DROP INDEX IF EXISTS customer_name_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        VendorRunSQL("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        VendorRunSQL("postgresql", POSTGRES_FORWARD, POSTGRES_BACKWARD),
    ]
