"""Field-level history, soft delete with a trash, and reverts of customers, orders,
tickets and opportunities (see docs/privacy.md).

``recording.audit_record`` is called by the owning app's services inside their own
transaction; nothing is recorded by signals.
"""
