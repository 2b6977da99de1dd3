"""The integration app's admin pages: webhooks (``webhooks/admin.py``)."""

from dangol.integration.webhooks import admin as webhooks_admin  # noqa: F401  (registers)
