"""Shared model bases."""

from django.db import models
from django.utils import timezone


class BaseModel(models.Model):
    """Give every domain model ``created_at`` and ``updated_at``.

    ``created_at`` takes a default rather than ``auto_now_add`` so that imports and the
    demo generator can write historical creation times in bulk.
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
