"""Web analytics models: the tracked sites, and which visits are on a customer's timeline.

The events and visits themselves live in the DuckDB store (``schema.py``, ``store.py``),
not in the operational database.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel


class Site(BaseModel):
    """A website carrying the tracker; its key names it in every event."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    # One origin per line, e.g. "https://shop.example.com": the browser origins allowed to
    # send events (CORS), also the hosts whose referrers count as internal.
    allowed_origins = models.TextField(_("allowed origins"), blank=True, default="")
    search_param = models.CharField(
        _("site-search query parameter"), max_length=40, blank=True, default="q"
    )
    first_party_id = models.BooleanField(
        _("first-party visitor id"),
        default=False,
        help_text=_("Let the tracker keep a random visitor id in the browser (opt-in)."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tracked site")
        verbose_name_plural = _("tracked sites")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    @property
    def origins(self) -> list[str]:
        return [line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line]


class VisitInteraction(BaseModel):
    """A visit linked to a customer, and the timeline entry logged for it (once)."""

    visit_id = models.BigIntegerField(_("visit"), unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    interaction = models.ForeignKey(
        "touchpoints.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("interaction"),
    )

    class Meta:
        verbose_name = _("linked visit")
        verbose_name_plural = _("linked visits")

    def __str__(self) -> str:
        return f"{self.visit_id} / {self.customer_id}"
