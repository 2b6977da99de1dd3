from django.db import models
from django.utils.translation import gettext_lazy as _


class SalesChannel(models.TextChoices):
    STORE = "store", _("Store")
    ONLINE = "online", _("Online")
    CALL_CENTER = "call_center", _("Call center")
    FIELD_SALES = "field_sales", _("Field sales")
    PARTNER = "partner", _("Partner")


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")
