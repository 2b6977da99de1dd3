"""Vocabularies of automation rules, mirrored by check constraints."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Entity(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    OPPORTUNITY = "opportunity", _("Opportunity")
    TICKET = "ticket", _("Ticket")
    ORDER = "order", _("Order")


class Trigger(models.TextChoices):
    CREATED = "created", _("Record created")
    UPDATED = "updated", _("Record updated")
    FIELD_CHANGED = "field_changed", _("Field changes")
    DATE_REACHED = "date_reached", _("Date reached")
    SCORE_CROSSED = "score_crossed", _("Score crosses a threshold")
    INBOUND_MESSAGE = "inbound_message", _("Inbound message")
    SCHEDULE = "schedule", _("Schedule")


class ActionType(models.TextChoices):
    SET_FIELD = "set_field", _("Set a field")
    ASSIGN_OWNER = "assign_owner", _("Assign an owner")
    CREATE_TASK = "create_task", _("Create a task")
    CREATE_TICKET = "create_ticket", _("Create a ticket")
    SEND_EMAIL = "send_email", _("Send an email from a template")
    ADD_TO_SEGMENT = "add_to_segment", _("Add to a static segment")
    ADD_TO_CAMPAIGN = "add_to_campaign", _("Add to a campaign")
    WEBHOOK = "webhook", _("Call a webhook")
    NOTIFY = "notify", _("Notify a user")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    LOOP_STOPPED = "loop_stopped", _("Loop stopped")
