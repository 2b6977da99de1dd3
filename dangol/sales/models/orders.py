"""Orders and their lines. Totals are derived from the lines, never stored twice."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel
from dangol.sales.choices import OrderStatus, SalesChannel


class Order(BaseModel):
    number = models.CharField(_("order number"), max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    ordered_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=SalesChannel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    # Soft delete: set when the record was moved to the trash; it can be restored.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "-ordered_at"], name="order_customer_date"),
            models.Index(fields=["ordered_at"], name="order_date"),
            models.Index(fields=["updated_at", "id"], name="order_updated_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=SalesChannel.values), name="order_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:order_detail", kwargs={"pk": self.pk})


class OrderLine(models.Model):
    """One product on an order. ``discount`` is the amount taken off the whole line."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        indexes = [models.Index(fields=["product"], name="orderline_product")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orderline_price_gte_0"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="orderline_discount_gte_0"),
            models.CheckConstraint(
                condition=Q(discount__lte=F("quantity") * F("unit_price")),
                name="orderline_discount_lte_gross",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} x {self.product_id}"

    @property
    def gross(self):
        return self.quantity * self.unit_price

    @property
    def total(self):
        return self.gross - self.discount
