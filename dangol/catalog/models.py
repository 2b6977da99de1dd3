"""Products and their category tree."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel

CATEGORY_PATH_SEPARATOR = " > "


class Category(BaseModel):
    """A node of the product category tree.

    ``path`` ("Dairy > Milk > Organic") is kept beside ``parent`` so that the warehouse
    can split category levels without walking the tree.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=100)
    path = models.CharField(_("path"), max_length=500, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="category_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.path


class Product(BaseModel):
    """A product sold; ``unit_cost`` gives the margin."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2)
    active = models.BooleanField(_("active"), default=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["name", "id"], name="product_name_id"),
            models.Index(fields=["category", "name"], name="product_category_name"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="product_price_gte_0"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="product_cost_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def unit_margin(self):
        return self.unit_price - self.unit_cost
