"""Which model holds the values of each entity's custom fields."""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models

from dangol.core.customfields.models import KEY_PATTERN, CustomFieldEntity

ENTITY_MODELS = {
    CustomFieldEntity.CUSTOMER: "customers.Customer",
    CustomFieldEntity.OPPORTUNITY: "sales.Opportunity",
    CustomFieldEntity.TICKET: "service.Ticket",
    CustomFieldEntity.PRODUCT: "catalog.Product",
}
_KEY = re.compile(KEY_PATTERN)


def entity_model(entity: str) -> type[models.Model]:
    """Return the model class whose ``custom_fields`` column holds ``entity``'s values."""
    return apps.get_model(ENTITY_MODELS[CustomFieldEntity(entity)])


def safe_key(key: str) -> str:
    """Return ``key`` if it is a valid slug, else raise ``ValueError``.

    Keys reach SQL as JSON paths and warehouse column names; the database constraint
    keeps stored keys valid and this keeps every caller honest too.
    """
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"Not a custom field key: {key!r}")
    return key
