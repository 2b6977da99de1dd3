"""The definitions of administrator-defined (custom) fields.

The values live in each record's ``custom_fields`` JSON column, keyed by the
definition's ``key``; the definitions say which keys exist, their type and rules.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel


class CustomFieldEntity(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    OPPORTUNITY = "opportunity", _("Opportunity")
    TICKET = "ticket", _("Ticket")
    PRODUCT = "product", _("Product")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTICHOICE = "multichoice", _("Multiple choice")
    BOOLEAN = "boolean", _("Yes/no")
    USER = "user", _("Staff user")
    CUSTOMER = "customer", _("Customer")


# Keys are slugs (lower-case letter first): they become JSON keys, import columns
# ``cf_<key>`` and warehouse columns, so they must be safe identifiers everywhere.
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
KEY_MAX = 40


class CustomFieldDefinition(BaseModel):
    """One administrator-defined field of customers, opportunities, tickets or products."""

    entity = models.CharField(_("record type"), max_length=20, choices=CustomFieldEntity.choices)
    key = models.CharField(
        _("key"),
        max_length=KEY_MAX,
        help_text=_("Stable identifier: lower-case letters, digits and _; never changes."),
    )
    label = models.CharField(_("label"), max_length=100)
    label_ko = models.CharField(_("Korean label"), max_length=100, blank=True, default="")
    field_type = models.CharField(_("type"), max_length=20, choices=CustomFieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=300, blank=True, default="")
    order = models.PositiveIntegerField(_("order"), default=0)
    archived = models.BooleanField(_("archived"), default=False)
    show_in_list = models.BooleanField(_("show in list"), default=False)
    filterable = models.BooleanField(_("filterable"), default=False)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["entity", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="customfield_entity_key_unique"),
            models.CheckConstraint(
                condition=models.Q(entity__in=CustomFieldEntity.values),
                name="customfield_entity_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(field_type__in=CustomFieldType.values),
                name="customfield_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(key__regex=KEY_PATTERN), name="customfield_key_slug"
            ),
            models.CheckConstraint(
                condition=models.Q(label__regex=r"\S"), name="customfield_label_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity}.{self.key}"

    @property
    def display_label(self) -> str:
        """Return the label in the current language (Korean when set and active)."""
        if self.label_ko and (get_language() or "").startswith("ko"):
            return self.label_ko
        return self.label

    @property
    def choice_values(self) -> list[str]:
        """Return the stored values of the choices."""
        return [c["value"] for c in self.choices or []]

    def choice_label(self, value: str) -> str:
        """Return the label of choice ``value`` in the current language."""
        korean = (get_language() or "").startswith("ko")
        for choice in self.choices or []:
            if choice["value"] == value:
                return (choice.get("label_ko") if korean else "") or choice.get("label") or value
        return value
