"""The touchpoint log: the one customer timeline every channel writes into."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel
from dangol.touchpoints.choices import Direction, InteractionChannel


class Interaction(BaseModel):
    """One contact with a customer, on any channel, optionally about some record.

    ``subject_type``/``subject_id`` link it to what it concerns: an order now; tickets,
    campaigns and opportunities when their apps arrive.
    """

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=InteractionChannel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True, default="")
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    outcome = models.CharField(_("outcome"), max_length=100, blank=True, default="")
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    concerns = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="interaction_timeline"),
            models.Index(fields=["subject_type", "subject_id"], name="interaction_concerns"),
            models.Index(fields=["occurred_at"], name="interaction_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=InteractionChannel.values),
                name="interaction_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="interaction_direction_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"
