"""The customer data warehouse: a DuckDB star schema built from the operational database.

Readers connect through ``connection.warehouse_connect``; refreshes go through
``services.warehouse_refresh``. See docs/warehouse.md.
"""
