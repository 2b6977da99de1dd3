from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEB = "web", _("Web form")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    PORTAL = "portal", _("Portal")
    API = "api", _("API")


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class TicketKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    REQUEST = "request", _("Request")
    QUESTION = "question", _("Question")


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    REPLY = "reply", _("Reply to the customer")
    NOTE = "note", _("Internal note")


# What staff may write through the API (inbound messages come from the customer).
WRITABLE_MESSAGE_KINDS = [
    (kind.value, kind.label) for kind in (MessageKind.REPLY, MessageKind.NOTE)
]

# Which status may follow which: a closed ticket is reopened by a new message, not by hand.
STATUS_NEXT: dict[str, set[str]] = {
    TicketStatus.NEW: {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED},
    TicketStatus.OPEN: {TicketStatus.PENDING, TicketStatus.RESOLVED},
    TicketStatus.PENDING: {TicketStatus.OPEN, TicketStatus.RESOLVED},
    TicketStatus.RESOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: set(),
}
