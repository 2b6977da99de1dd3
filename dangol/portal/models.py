"""Portal accounts: a customer's or a partner's own login, and what a partner may see."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel


class Partner(BaseModel):
    """A dealer or reseller: sells to the customers assigned to it, registers leads."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerCustomer(BaseModel):
    """A customer assigned to a partner: the partner sees it and its orders, nothing else."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="assignments")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("partner's customer")
        verbose_name_plural = _("partners' customers")
        constraints = [
            models.UniqueConstraint(fields=["partner", "customer"], name="partnercustomer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} / {self.customer_id}"


class PartnerLead(BaseModel):
    """A lead a partner registered; the partner follows its status."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="leads")
    lead = models.OneToOneField("sales.Lead", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("partner's lead")
        verbose_name_plural = _("partners' leads")

    def __str__(self) -> str:
        return f"{self.partner_id} / {self.lead_id}"


class PortalAccount(BaseModel):
    """Ties a login to exactly one customer or one partner; it opens the portal only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, null=True, blank=True, related_name="accounts"
    )

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")
        constraints = [
            models.CheckConstraint(
                condition=(Q(customer__isnull=False) & Q(partner__isnull=True))
                | (Q(customer__isnull=True) & Q(partner__isnull=False)),
                name="portalaccount_customer_xor_partner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {'customer' if self.customer_id else 'partner'}"
