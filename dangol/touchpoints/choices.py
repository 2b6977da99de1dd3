from django.db import models
from django.utils.translation import gettext_lazy as _


class InteractionChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    WEB = "web", _("Web")
    SMS = "sms", _("SMS")
    STORE_VISIT = "store_visit", _("Store visit")
    FIELD_VISIT = "field_visit", _("Field visit")
    POST = "post", _("Letter (post)")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
