"""Personal data of one customer: export everything held about them, or erase it.

Export walks every table that points at the customer (and the tables that point at
those: order lines, ticket messages, campaign responses...), so a table added later is
exported without a change here. Erasure anonymises the person in place: the customer
row stays (orders, amounts and dates keep revenue, RFM and warehouse totals right) but
every value that identifies them is cleared or redacted, their portal login is
deactivated, their consent withdrawn and their history scrubbed. See docs/privacy.md.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from dangol.accounts.roles import Role, user_role
from dangol.core.audit.models import AuditAction, AuditEntry
from dangol.core.audit.recording import audit_record
from dangol.customers import permissions
from dangol.customers.choices import ConsentChannel
from dangol.customers.erasure_log import erasure_log_record
from dangol.customers.errors import CustomerErrorCode, PermissionDeniedError, ValidationError
from dangol.customers.models import ConsentEvent, Customer
from dangol.customers.privacy_copies import copies_redact, person_needles

EXPORT_FORMAT = "dangol.personal-data/1"
REDACTED = "[redacted]"
ROLES_PRIVACY = frozenset({Role.ADMIN, Role.MANAGER})

# Customer fields that identify the person; erasure clears them (region, kind, group,
# status, acquisition channel and owner stay: they are what the aggregates group by).
PERSONAL_FIELDS = {
    "name": None,  # replaced by "Erased customer #<id>"
    "email": "",
    "phone": "",
    "phone_digits": "",
    "external_id": None,
    "gender": "",
    "birth_date": None,
    "city": "",
    "custom_fields": {},
}
# Free text in other tables that may quote or name the person: (model, field, value).
REDACTIONS: list[tuple[str, str, Any]] = [
    ("touchpoints.Interaction", "subject", REDACTED),
    ("touchpoints.Interaction", "body", ""),
    ("service.Ticket", "subject", REDACTED),
    ("service.Ticket", "custom_fields", {}),
    ("sales.Opportunity", "outcome_note", ""),
    ("sales.Opportunity", "custom_fields", {}),
    ("sales.Task", "note", ""),
    ("customers.ConsentEvent", "source", REDACTED),
]
# Fields scrubbed in the history (snapshots and changes) of the person's records.
AUDIT_SCRUB = {
    "customers.Customer": set(PERSONAL_FIELDS) - {"phone_digits"},
    "service.Ticket": {"subject", "custom_fields"},
    "sales.Opportunity": {"name", "outcome_note", "custom_fields"},
}


def can_manage_privacy(user, customer) -> bool:
    """Administrators and managers (for customers they see) export and erase."""
    return user_role(user) in ROLES_PRIVACY and permissions.can_see(user, customer)


def _require(actor, customer) -> None:
    # ``None`` is the operator at the shell (``dangol privacy``), who has the database anyway.
    if actor is not None and not can_manage_privacy(actor, customer):
        raise PermissionDeniedError(
            "Only administrators and managers export or erase a customer's personal data",
            code=CustomerErrorCode.PERMISSION_DENIED,
        )


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _row(instance: models.Model) -> dict[str, Any]:
    return {
        field.attname: _json(field.value_from_object(instance))
        for field in instance._meta.concrete_fields
    }


def _reverse_relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Return the foreign keys of other tables pointing at ``model`` (hidden ones too)."""
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]


def _related_rows(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    """Return every row pointing at ``customer`` and the rows pointing at those."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for rel in _reverse_relations(Customer):
        model = rel.related_model
        rows = list(model._default_manager.filter(**{rel.field.name: customer}).order_by("pk"))
        if not rows:
            continue
        sections.setdefault(model._meta.label, []).extend(_row(row) for row in rows)
        for child in _reverse_relations(model):
            if child.related_model is Customer:
                continue
            child_rows = child.related_model._default_manager.filter(
                **{f"{child.field.name}__in": [row.pk for row in rows]}
            ).order_by("pk")
            for row in child_rows:
                sections.setdefault(child.related_model._meta.label, []).append(_row(row))
    # A row reached twice (an opportunity by its customer and by its lead) is listed once.
    return {
        label: list({row["id"]: row for row in rows}.values()) if rows and "id" in rows[0] else rows
        for label, rows in sections.items()
    }


def _audit_entries(customer: Customer, sections: dict[str, list]) -> list[dict[str, Any]]:
    """Return the history entries about the customer and about their records."""
    condition = Q(content_type=ContentType.objects.get_for_model(Customer), object_id=customer.pk)
    for label in ("sales.Order", "service.Ticket", "sales.Opportunity"):
        ids = [row["id"] for row in sections.get(label, [])]
        if ids:
            model = ContentType.objects.get_by_natural_key(*label.lower().split("."))
            condition |= Q(content_type=model, object_id__in=ids)
    entries = AuditEntry.objects.filter(condition).select_related("content_type")
    return [
        {
            "record": f"{entry.content_type.app_label}.{entry.content_type.model}",
            "record_id": entry.object_id,
            "version": entry.seq,
            "action": entry.action,
            "actor_id": entry.actor_id,
            "actor_label": entry.actor_label,
            "at": _json(entry.at),
            "changes": entry.changes,
            "note": entry.note,
        }
        for entry in entries.order_by("at", "id")
    ]


def customer_personal_data_export(*, customer: Customer, actor) -> dict[str, Any]:
    """Return every personal datum held about ``customer`` as one JSON-ready document.

    Sections: ``profile`` (the customer row, with its group's code and owner's name),
    ``related`` (per table: consent events, scores, orders and lines, interactions,
    tickets with messages and surveys, opportunities, quotes, tasks, campaign
    memberships and responses, unsubscribes, segment memberships, portal account,
    partner links, leads...), and ``history`` (audit entries of the customer and of
    their orders, tickets and opportunities). The export itself is logged.

    :raises PermissionDeniedError: the actor is not an admin or a manager who sees them.
    """
    _require(actor, customer)
    profile = _row(customer)
    profile["customer_group_code"] = (
        customer.customer_group.code if customer.customer_group else None
    )
    profile["owner_name"] = customer.owner.get_username() if customer.owner else None
    related = _related_rows(customer)
    # The portal login's account: the email address it signs in with is personal data.
    for account in related.get("portal.PortalAccount", []):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=account["user_id"]).first()
        if user is not None:
            account["login"] = {
                "username": user.get_username(),
                "email": user.email,
                "is_active": user.is_active,
                "last_login": _json(user.last_login),
            }
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "customer_id": customer.pk,
        "profile": profile,
        "related": related,
        "history": _audit_entries(customer, related),
    }
    with transaction.atomic():
        audit_record(
            instance=customer, actor=actor, action=AuditAction.EXPORT, before=None, snapshot={}
        )
    return document


def _scrub(value: Any, fields: set[str]) -> Any:
    if isinstance(value, dict):
        return {key: (None if key in fields else item) for key, item in value.items()}
    return value


def _scrub_history(customer: Customer, related_ids: dict[str, list[int]]) -> int:
    """Replace the personal values in the history of the customer's records by ``None``."""
    scrubbed = 0
    for label, fields in AUDIT_SCRUB.items():
        app_label, model_name = label.lower().split(".")
        content_type = ContentType.objects.get_by_natural_key(app_label, model_name)
        ids = [customer.pk] if label == "customers.Customer" else related_ids.get(label, [])
        if not ids:
            continue
        entries = AuditEntry.objects.filter(content_type=content_type, object_id__in=ids)
        for entry in entries.iterator():
            entry.snapshot = _scrub(entry.snapshot, fields)
            entry.changes = {
                key: ([None, None] if key in fields else pair)
                for key, pair in entry.changes.items()
            }
            entry.save(update_fields=["snapshot", "changes"])
            scrubbed += 1
    return scrubbed


@transaction.atomic
def customer_erase(*, customer: Customer, actor, reason: str) -> Customer:
    """Anonymise ``customer`` for good (a personal-data erasure request) and return it.

    Kept: the row and its id, kind, region, customer group, lifecycle status, owner;
    orders with their lines, amounts and dates; ticket and interaction dates, channels
    and statuses; scores. Cleared: name (becomes "Erased customer #<id>"), email, phone,
    external id, gender, birth date, city, custom fields; free text that may name the
    person (interaction subjects and bodies, ticket subjects and messages, survey
    comments, opportunity notes, leads converted into them); consent is withdrawn on
    every channel; their portal login is deactivated and stripped of its email; the
    history of their records is scrubbed of personal values. The erasure is logged
    with its reason but no personal data.

    :raises PermissionDeniedError: the actor is not an admin or a manager who sees them.
    :raises ValidationError: no reason given, or the customer was already erased.
    """
    from django.apps import apps

    _require(actor, customer)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError(
            "Say why the data is erased (e.g. the request's reference)",
            code=CustomerErrorCode.REQUIRED,
            field="reason",
        )
    content_type = ContentType.objects.get_for_model(Customer)
    if AuditEntry.objects.filter(
        content_type=content_type, object_id=customer.pk, action=AuditAction.ERASE
    ).exists():
        raise ValidationError(
            "This customer's personal data was already erased", code=CustomerErrorCode.INVALID
        )
    needles = _needles(customer)
    now = timezone.now()
    values = dict(PERSONAL_FIELDS)
    values["name"] = f"Erased customer #{customer.pk}"
    for channel in ConsentChannel.values:
        values[f"consent_{channel}"] = False
    Customer.objects.filter(pk=customer.pk).update(
        **values, version=F("version") + 1, updated_at=now
    )
    # Consent: a withdrawal per channel that was granted, with no personal source text.
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            customer=customer,
            channel=channel,
            granted=False,
            occurred_at=now,
            source="erasure",
            actor=actor,
        )
        for channel in ConsentChannel.values
        if customer.consent_for(channel)
    )
    for label, field, value in REDACTIONS:
        model = apps.get_model(label)
        rows = model._default_manager.filter(customer=customer)
        if label == "customers.ConsentEvent":
            rows = rows.exclude(source="erasure")
        rows.update(**{field: value})
    ticket_ids = list(
        apps.get_model("service.Ticket")
        .objects.filter(customer=customer)
        .values_list("pk", flat=True)
    )
    apps.get_model("service.TicketMessage").objects.filter(ticket_id__in=ticket_ids).update(
        body=REDACTED, from_address=""
    )
    apps.get_model("service.TicketChange").objects.filter(
        ticket_id__in=ticket_ids, field="subject"
    ).update(old="", new="")
    apps.get_model("service.SatisfactionSurvey").objects.filter(ticket_id__in=ticket_ids).update(
        comment=""
    )
    opportunities = apps.get_model("sales.Opportunity").objects.filter(customer=customer)
    opportunity_ids = list(opportunities.values_list("pk", flat=True))
    for pk in opportunity_ids:  # a name like "김민준 renewal" names the person
        opportunities.filter(pk=pk).update(name=f"Opportunity #{pk}")
    apps.get_model("sales.Lead").objects.filter(
        Q(converted_customer=customer) | Q(duplicate_of=customer)
    ).update(name=REDACTED, company_name="", email="", phone="", phone_digits="", note="")
    _portal_deactivate(customer)
    _webhook_payloads_scrub(customer)
    apps.get_model("customers.CustomerMerge").objects.filter(
        Q(survivor=customer) | Q(duplicate=customer)
    ).update(filled={})
    order_ids = list(
        apps.get_model("sales.Order").objects.filter(customer=customer).values_list("pk", flat=True)
    )
    _scrub_history(
        customer,
        {
            "service.Ticket": ticket_ids,
            "sales.Opportunity": opportunity_ids,
            "sales.Order": order_ids,
        },
    )
    # Copies elsewhere (notifications, automation runs, webhook payloads, jobs, history
    # snapshots of other records, other tickets' messages...), found by content.
    copies_redact(needles=needles)
    erasure_log_record(customer_id=customer.pk, at=now)
    erasure_derived_stores_schedule()
    # Files made for providers (SMS, direct mail) that list the person: their rows go.
    from dangol.marketing.execution.exports import campaign_exports_erasure_schedule

    campaign_exports_erasure_schedule(customer_id=customer.pk)
    customer.refresh_from_db()
    audit_record(
        instance=customer,
        actor=actor,
        action=AuditAction.ERASE,
        before=None,
        snapshot={},
        note=_redact(reason, needles)[:200],
    )
    return customer


def erasure_derived_stores_schedule() -> None:
    """After commit, blank the person in the warehouse and unlink their web visits.

    Through the owning apps' services (docs/privacy.md, "Derived stores"); each also
    re-applies every erasure at its next refresh or ingest, so none is lost.
    """
    from dangol.analytics.services import warehouse_erasure_schedule
    from dangol.webanalytics.services import webanalytics_erasure_schedule

    warehouse_erasure_schedule()
    webanalytics_erasure_schedule()


def _needles(customer: Customer) -> list[str]:
    """Return the person's identifying strings, read before anything is cleared."""
    from django.apps import apps

    strings = [
        customer.name,
        customer.email,
        customer.phone,
        customer.phone_digits,
        customer.external_id,
    ]
    leads = apps.get_model("sales.Lead").objects.filter(converted_customer=customer)
    for name, email, phone in leads.values_list("name", "email", "phone"):
        strings += [name, email, phone]
    logins = apps.get_model("portal.PortalAccount").objects.filter(customer=customer)
    strings += list(logins.values_list("user__email", flat=True))
    return person_needles(*strings)


def _redact(text: str, needles: list[str]) -> str:
    for needle in needles:
        text = re.sub(re.escape(needle), REDACTED, text, flags=re.IGNORECASE)
    return text


def _portal_deactivate(customer: Customer) -> None:
    from django.apps import apps
    from django.contrib.auth import get_user_model

    accounts = apps.get_model("portal.PortalAccount").objects.filter(customer=customer)
    user_ids = list(accounts.values_list("user_id", flat=True))
    for user in get_user_model().objects.filter(pk__in=user_ids):
        user.is_active = False
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.username = f"erased-{customer.pk}-{user.pk}"
        user.set_unusable_password()
        user.save()


def _webhook_payloads_scrub(customer: Customer) -> None:
    """Blank the customer's name in queued or logged webhook deliveries about them."""
    from django.apps import apps

    deliveries = apps.get_model("integration.WebhookDelivery").objects.filter(
        event_type__startswith="customer."
    )
    for delivery in deliveries.iterator():
        if _payload_scrub(delivery.payload, customer.pk):
            delivery.save(update_fields=["payload"])


def _payload_scrub(payload: Any, pk: int) -> bool:
    changed = False
    if isinstance(payload, dict):
        if payload.get("id") == pk and "name" in payload:
            payload["name"] = f"Erased customer #{pk}"
            payload["external_id"] = None
            changed = True
        for value in payload.values():
            changed = _payload_scrub(value, pk) or changed
    elif isinstance(payload, list):
        for value in payload:
            changed = _payload_scrub(value, pk) or changed
    return changed
