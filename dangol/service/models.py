"""Customer service: tickets from every channel, queues, SLAs on business hours, surveys."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangol.core.models import BaseModel
from dangol.service.choices import (
    MessageKind,
    TicketChannel,
    TicketKind,
    TicketPriority,
    TicketStatus,
)
from dangol.service.sla import DEFAULT_HOURS


def _default_hours() -> dict:
    return {day: [list(interval) for interval in hours] for day, hours in DEFAULT_HOURS.items()}


class BusinessCalendar(BaseModel):
    """Working hours per weekday in one time zone; its holidays stop the SLA clock."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=60, default="Asia/Seoul")
    hours = models.JSONField(
        _("working hours"),
        default=_default_hours,
        help_text=_('Per weekday (0 = Monday): [["09:00", "18:00"], ...]'),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class Holiday(BaseModel):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_calendar_date")
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class SlaPolicy(BaseModel):
    """Targets for one priority: first response and resolution, in business minutes."""

    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority.choices, unique=True
    )
    first_response_minutes = models.PositiveIntegerField(_("first response target (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution target (minutes)"))
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="policies"
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=TicketPriority.values), name="sla_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gt=0)
                & Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="sla_targets_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}"


class Queue(BaseModel):
    """Where tickets wait for an agent: by team or by subject (billing, returns …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_ko = models.CharField(_("Korean name"), max_length=100, blank=True, default="")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class TicketCategory(BaseModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_ko = models.CharField(_("Korean name"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Ticket(BaseModel):
    """One complaint, request or question from a customer, on any channel."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    subject = models.CharField(_("subject"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=12, choices=TicketKind.choices, default=TicketKind.REQUEST
    )
    channel = models.CharField(_("channel"), max_length=10, choices=TicketChannel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=TicketPriority.choices,
        default=TicketPriority.NORMAL,
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    opened_at = models.DateTimeField(_("opened at"))
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # A random token in the reply-to address and subject threads replies without
    # exposing the sequential id to guessing.
    thread_token = models.CharField(max_length=32, unique=True, editable=False)
    # Administrator-defined fields (definitions in core.CustomFieldDefinition).
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Soft delete: set when the record was moved to the trash; it can be restored.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status", "queue", "-id"], name="ticket_queue_status"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee"),
            models.Index(fields=["customer", "-id"], name="ticket_customer"),
            models.Index(fields=["resolution_due"], name="ticket_resolution_due"),
            models.Index(fields=["opened_at"], name="ticket_opened"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=TicketPriority.values), name="ticket_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=TicketChannel.values), name="ticket_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TicketKind.values), name="ticket_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=TicketStatus.CLOSED) | Q(closed_at__isnull=False),
                name="ticket_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class TicketMessage(BaseModel):
    """A message on a ticket: the customer's, an agent's reply, or an internal note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_address = models.CharField(_("from"), max_length=254, blank=True, default="")
    body = models.TextField(_("message"))
    # RFC 5322 Message-ID of the email this message came in as or went out as.
    message_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        indexes = [models.Index(fields=["ticket", "occurred_at", "id"], name="ticketmsg_thread")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="ticketmsg_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.kind}"


class TicketChange(models.Model):
    """The ticket's history: each change of status, priority, queue or assignee."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("field"), max_length=20)
    old = models.CharField(_("from"), max_length=100, blank=True, default="")
    new = models.CharField(_("to"), max_length=100, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("ticket change")
        verbose_name_plural = _("ticket changes")
        indexes = [models.Index(fields=["ticket", "occurred_at"], name="ticketchange_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.field} {self.old} -> {self.new}"


class SatisfactionSurvey(BaseModel):
    """Sent when a ticket closes; the customer answers through a link with ``token``."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    token = models.CharField(max_length=43, unique=True, editable=False)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, default="")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="survey_score_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score or '-'}"
