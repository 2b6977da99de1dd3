"""Writes to the sales pipeline: capture, assign and convert leads; move opportunities.

Every caller (web form, API, import, the kanban board) goes through these functions, so
duplicate checks, assignment rules, stage rules and history are the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dangol.accounts.roles import Role, user_role
from dangol.automation.events import automation_event_on_commit
from dangol.core.audit.recording import audit_record, audit_snapshot
from dangol.core.customfields.validation import custom_fields_clean
from dangol.core.money import amount_parse
from dangol.customers import permissions as customer_permissions
from dangol.customers.normalize import normalize_email, normalize_phone
from dangol.customers.selectors import customer_duplicates_find
from dangol.integration.webhooks.services import webhook_record_emit
from dangol.sales.choices import LeadSource, LeadStatus, LossReason, OpportunityChannel
from dangol.sales.errors import (
    ConflictError,
    PermissionDeniedError,
    SalesErrorCode,
    ValidationError,
)
from dangol.sales.models import (
    AssignmentRule,
    Lead,
    Opportunity,
    OpportunityStageChange,
    PipelineStage,
)

ROLES_SELLING = frozenset({Role.ADMIN, Role.MANAGER, Role.SALES})
NAME_MAX = 200


def can_sell(user) -> bool:
    return user_role(user) in ROLES_SELLING


def _require_seller(actor) -> None:
    if not can_sell(actor):
        raise PermissionDeniedError(
            "Only sales staff and managers work the pipeline",
            code=SalesErrorCode.PERMISSION_DENIED,
        )


def can_work_lead(user, lead: Lead) -> bool:
    """Admins and managers work every lead; a salesperson their own and unassigned ones."""
    role = user_role(user)
    if role in (Role.ADMIN, Role.MANAGER):
        return True
    return role is Role.SALES and lead.owner_id in (None, user.pk)


def can_work_opportunity(user, opportunity: Opportunity) -> bool:
    return can_sell(user) and customer_permissions.can_see(user, opportunity.customer)


def opportunity_move_authorize(*, actor, opportunity: Opportunity) -> None:
    """Raise unless ``actor`` may work on ``opportunity`` (checked before its version).

    :raises PermissionDeniedError: the actor may not work on this opportunity.
    """
    if not can_work_opportunity(actor, opportunity):
        raise PermissionDeniedError(
            "You may not work on this opportunity", code=SalesErrorCode.PERMISSION_DENIED
        )


def _text(value: Any, *, field: str, max_length: int = NAME_MAX, required=False) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError(f"The {field} is required", code=SalesErrorCode.REQUIRED, field=field)
    if len(text) > max_length:
        raise ValidationError(
            f"The {field} is longer than {max_length} characters",
            code=SalesErrorCode.TOO_LONG,
            field=field,
        )
    return text


def _choice(value: Any, choices, *, field: str, blank: bool = False) -> str:
    value = str(value or "").strip()
    if blank and not value:
        return ""
    if value not in choices.values:
        raise ValidationError(
            f"Unknown {field}: {value!r} (one of {', '.join(v for v in choices.values if v)})",
            code=SalesErrorCode.INVALID,
            field=field,
        )
    return value


def _assign(lead: Lead):
    """Return the owner the first matching rule gives ``lead`` (round robin), or ``None``."""
    rules = AssignmentRule.objects.select_for_update().order_by("position", "id")
    for rule in rules:
        if rule.region and rule.region != lead.region:
            continue
        if rule.customer_group_id and rule.customer_group_id != lead.customer_group_id:
            continue
        users = list(rule.users.filter(is_active=True).order_by("id"))
        if not users:
            continue
        owner = users[rule.cursor % len(users)]
        AssignmentRule.objects.filter(pk=rule.pk).update(cursor=F("cursor") + 1)
        return owner
    return None


@transaction.atomic
def lead_capture(
    *,
    actor,
    source: str,
    name: str,
    company_name: str = "",
    email: str = "",
    phone: str = "",
    region: str = "",
    customer_group=None,
    note: str = "",
    owner=None,
) -> Lead:
    """Record a new lead, flag a likely duplicate customer, and assign an owner.

    :param actor: the staff member entering it, or ``None`` for the public web form.
    :param owner: an explicit owner; otherwise the assignment rules decide (a
        salesperson entering a lead keeps it).
    :raises ValidationError: the name is missing, a value is malformed or too long, or
        the lead has neither email nor phone.
    """
    if actor is not None:
        _require_seller(actor)
    source = _choice(source, LeadSource, field="source")
    name = _text(name, field="name", required=True)
    company_name = _text(company_name, field="company_name")
    address = normalize_email(email)
    if address and ("@" not in address or len(address) > 254 or " " in address):
        raise ValidationError(
            f"Not an email address: {email!r}", code=SalesErrorCode.INVALID, field="email"
        )
    phone = _text(phone, field="phone", max_length=40)
    if not address and not phone:
        raise ValidationError(
            "A lead needs an email address or a phone number",
            code=SalesErrorCode.REQUIRED,
            field="email",
        )
    lead = Lead(
        name=name,
        company_name=company_name,
        email=address,
        phone=phone,
        phone_digits=normalize_phone(phone),
        region=_text(region, field="region", max_length=20),
        customer_group=customer_group,
        source=source,
        note=str(note or "")[:10_000],
    )
    duplicates = customer_duplicates_find(email=address, phone=phone, limit=1)
    lead.duplicate_of = duplicates[0] if duplicates else None
    if owner is not None:
        lead.owner = owner
    elif actor is not None and user_role(actor) is Role.SALES:
        lead.owner = actor
    else:
        lead.owner = _assign(lead)
    lead.save()
    return lead


@transaction.atomic
def lead_status_set(*, actor, lead: Lead, status: str) -> Lead:
    """Mark a lead contacted, qualified or disqualified (conversion has its own service)."""
    if not can_work_lead(actor, lead):
        raise PermissionDeniedError(
            "You may not work on this lead", code=SalesErrorCode.PERMISSION_DENIED
        )
    status = _choice(status, LeadStatus, field="status")
    if status == LeadStatus.CONVERTED or lead.status == LeadStatus.CONVERTED:
        raise ValidationError(
            "Convert a lead with the conversion; a converted lead stays converted",
            code=SalesErrorCode.INVALID_TRANSITION,
            field="status",
        )
    lead.status = status
    lead.save(update_fields=["status", "updated_at"])
    return lead


# The stages a new installation starts with (also seeded by migration sales/0003).
DEFAULT_STAGES = [
    ("qualification", "Qualification", "자격 확인", 10, False, False),
    ("needs_analysis", "Needs analysis", "요구 분석", 25, False, False),
    ("proposal", "Proposal", "제안", 50, False, False),
    ("negotiation", "Negotiation", "협상", 75, False, False),
    ("won", "Won", "수주", 100, True, False),
    ("lost", "Lost", "실주", 0, False, True),
]


@transaction.atomic
def pipeline_stages_ensure() -> int:
    """Create the default stages if the pipeline has none (a wiped database); return how many."""
    if PipelineStage.objects.exists():
        return 0
    PipelineStage.objects.bulk_create(
        PipelineStage(
            code=code,
            name=name,
            name_ko=name_ko,
            position=position,
            probability=probability,
            is_won=won,
            is_lost=lost,
        )
        for position, (code, name, name_ko, probability, won, lost) in enumerate(
            DEFAULT_STAGES, start=1
        )
    )
    return len(DEFAULT_STAGES)


def _first_open_stage() -> PipelineStage:
    stage = PipelineStage.objects.filter(is_won=False, is_lost=False).order_by("position").first()
    if stage is None:
        raise ValidationError(
            "The pipeline has no open stage", code=SalesErrorCode.INVALID, field="stage"
        )
    return stage


def _amount(value: Any) -> Decimal:
    try:
        amount = amount_parse(value, field="amount")
    except Exception as exc:  # amount_parse raises the core ValidationError
        raise ValidationError(str(exc), code=SalesErrorCode.INVALID_AMOUNT, field="amount") from exc
    if amount < 0:
        raise ValidationError(
            "The amount cannot be negative", code=SalesErrorCode.INVALID_AMOUNT, field="amount"
        )
    return amount


@transaction.atomic
def opportunity_create(
    *,
    actor,
    customer,
    name: str,
    amount: Any,
    expected_close: dt.date,
    channel: str,
    stage: PipelineStage | None = None,
    owner=None,
    lead: Lead | None = None,
    custom_fields: dict[str, Any] | None = None,
) -> Opportunity:
    """Open an opportunity with ``customer``; a salesperson owns what they open."""
    _require_seller(actor)
    if not customer_permissions.can_see(actor, customer):
        raise PermissionDeniedError(
            "You may not sell to this customer", code=SalesErrorCode.PERMISSION_DENIED
        )
    if not isinstance(expected_close, dt.date):
        raise ValidationError(
            "The expected close must be a date", code=SalesErrorCode.INVALID, field="expected_close"
        )
    values = custom_fields_clean(entity="opportunity", values=custom_fields or {}, partial=False)
    stage = stage or _first_open_stage()
    if user_role(actor) is Role.SALES or owner is None:
        owner = actor
    opportunity = Opportunity.objects.create(
        name=_text(name, field="name", required=True),
        customer=customer,
        lead=lead,
        stage=stage,
        amount=_amount(amount),
        expected_close=expected_close,
        owner=owner,
        channel=_choice(channel, OpportunityChannel, field="channel"),
        closed_at=timezone.now() if stage.is_closed else None,
        custom_fields=values,
    )
    OpportunityStageChange.objects.create(
        opportunity=opportunity, to_stage=stage, actor=actor, occurred_at=timezone.now()
    )
    audit_record(instance=opportunity, actor=actor, action="create", before=None)
    webhook_record_emit(event_type="opportunity.created", record=opportunity)
    automation_event_on_commit(entity="opportunity", record_id=opportunity.pk, event="created")
    return opportunity


@transaction.atomic
def lead_convert(
    *,
    actor,
    lead: Lead,
    opportunity_name: str,
    amount: Any,
    expected_close: dt.date,
    channel: str,
    customer=None,
) -> Opportunity:
    """Qualify ``lead`` into a customer and an opportunity, in one transaction.

    :param customer: an existing customer to attach to (the duplicate found at capture,
        say); by default a new customer is created from the lead's details.
    :raises PermissionDeniedError: the actor may not work this lead.
    :raises ValidationError: the lead was already converted or disqualified, or a field
        of the customer or opportunity is malformed; nothing is written.
    """
    from dangol.customers.services import customer_create

    if not can_work_lead(actor, lead):
        raise PermissionDeniedError(
            "You may not work on this lead", code=SalesErrorCode.PERMISSION_DENIED
        )
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
        raise ValidationError(
            f"A {lead.status} lead cannot be converted",
            code=SalesErrorCode.INVALID_TRANSITION,
            field="status",
        )
    if customer is None:
        fields = {"name": lead.name, "email": lead.email, "phone": lead.phone}
        if lead.region:
            fields["region"] = lead.region
        if lead.customer_group_id:
            fields["customer_group"] = lead.customer_group
        if user_role(actor) is not Role.SALES and lead.owner_id:
            fields["owner"] = lead.owner
        customer = customer_create(actor=actor, **fields)
    opportunity = opportunity_create(
        actor=actor,
        customer=customer,
        name=opportunity_name or lead.company_name or lead.name,
        amount=amount,
        expected_close=expected_close,
        channel=channel,
        owner=lead.owner or actor,
        lead=lead,
    )
    lead.status = LeadStatus.CONVERTED
    lead.converted_customer = customer
    lead.converted_at = timezone.now()
    lead.save(update_fields=["status", "converted_customer", "converted_at", "updated_at"])
    return opportunity


@transaction.atomic
def opportunity_move(
    *,
    actor,
    opportunity: Opportunity,
    stage: PipelineStage,
    expected_version: int | None = None,
    loss_reason: str = "",
    outcome_note: str = "",
) -> Opportunity:
    """Move ``opportunity`` to ``stage`` (the kanban drop); closing needs a reason to lose.

    :raises ConflictError: someone moved it since ``expected_version``.
    :raises ValidationError: losing without a loss reason.
    """
    opportunity_move_authorize(actor=actor, opportunity=opportunity)
    if expected_version is not None and expected_version != opportunity.version:
        raise ConflictError(
            "Someone else moved this opportunity; reload the board", field="version"
        )
    if stage.pk == opportunity.stage_id:
        return opportunity
    loss_reason = _choice(loss_reason, LossReason, field="loss_reason", blank=True)
    if stage.is_lost and not loss_reason:
        raise ValidationError(
            "Say why the opportunity was lost", code=SalesErrorCode.REQUIRED, field="loss_reason"
        )
    now = timezone.now()
    previous = opportunity.stage
    before = audit_snapshot(opportunity)
    updated = Opportunity.objects.filter(pk=opportunity.pk, version=opportunity.version).update(
        stage=stage,
        closed_at=now if stage.is_closed else None,
        loss_reason=loss_reason if stage.is_lost else "",
        outcome_note=str(outcome_note or "")[:5000] if stage.is_closed else "",
        version=F("version") + 1,
        updated_at=now,
    )
    if not updated:
        raise ConflictError(
            "Someone else moved this opportunity; reload the board", field="version"
        )
    OpportunityStageChange.objects.create(
        opportunity=opportunity, from_stage=previous, to_stage=stage, actor=actor, occurred_at=now
    )
    opportunity.refresh_from_db()
    audit_record(instance=opportunity, actor=actor, action="update", before=before)
    webhook_record_emit(event_type="opportunity.updated", record=opportunity)
    automation_event_on_commit(
        entity="opportunity",
        record_id=opportunity.pk,
        event="updated",
        key=f"v{opportunity.version}",
        changes={"stage": [previous.code, stage.code]},
    )
    return opportunity


OPPORTUNITY_EDITABLE = ("name", "amount", "expected_close", "owner", "channel")


def _opportunity_values(actor, changes: dict[str, Any]) -> dict[str, Any]:
    """Return the cleaned new values of ``changes`` by field name (owner as a user)."""
    unknown = sorted(set(changes) - set(OPPORTUNITY_EDITABLE))
    if unknown:
        raise ValidationError(
            f"These fields cannot be changed here: {', '.join(unknown)}",
            code=SalesErrorCode.INVALID,
            field=unknown[0],
        )
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = _text(changes["name"], field="name", required=True)
    if "amount" in changes:
        values["amount"] = _amount(changes["amount"])
    if "expected_close" in changes:
        close = changes["expected_close"]
        if not isinstance(close, dt.date) or isinstance(close, dt.datetime):
            raise ValidationError(
                "The expected close must be a date",
                code=SalesErrorCode.INVALID,
                field="expected_close",
            )
        values["expected_close"] = close
    if "channel" in changes:
        values["channel"] = _choice(changes["channel"], OpportunityChannel, field="channel")
    if "owner" in changes:
        owner = changes["owner"]
        if owner is None or not getattr(owner, "is_active", False) or not can_sell(owner):
            raise ValidationError(
                "The owner must be an active salesperson, manager or administrator",
                code=SalesErrorCode.INVALID,
                field="owner",
            )
        if user_role(actor) is Role.SALES and owner.pk != actor.pk:
            raise PermissionDeniedError(
                "A salesperson cannot give an opportunity to someone else",
                code=SalesErrorCode.PERMISSION_DENIED,
                field="owner",
            )
        values["owner"] = owner
    return values


@transaction.atomic
def opportunity_update(
    *, actor, opportunity: Opportunity, expected_version: int | None = None, **changes: Any
) -> Opportunity:
    """Change the name, amount, expected close, owner or channel of ``opportunity``.

    The stage moves through ``opportunity_move``, custom fields through
    ``opportunity_custom_fields_set``. The automation event carries ``[old, new]`` of
    each changed field (the owner as ids), so "changed from/to" rules match.

    :raises ValidationError: an unknown field or a value that does not fit.
    :raises PermissionDeniedError: the actor may not work on it, or a salesperson gives it
        to someone else.
    :raises ConflictError: someone changed it since ``expected_version``.
    """
    if not can_work_opportunity(actor, opportunity):
        raise PermissionDeniedError(
            "You may not work on this opportunity", code=SalesErrorCode.PERMISSION_DENIED
        )
    values = _opportunity_values(actor, changes)
    attnames = {name: Opportunity._meta.get_field(name).attname for name in values}
    old = {name: getattr(opportunity, attnames[name]) for name in values}
    new = {name: getattr(value, "pk", value) for name, value in values.items()}
    changed = [name for name in values if old[name] != new[name]]
    if not changed:
        return opportunity
    version = opportunity.version if expected_version is None else expected_version
    before = audit_snapshot(opportunity)
    updated = Opportunity.objects.filter(pk=opportunity.pk, version=version).update(
        **{attnames[name]: new[name] for name in changed},
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ConflictError("Someone else changed this opportunity; reload it", field="version")
    opportunity.refresh_from_db()
    audit_record(instance=opportunity, actor=actor, action="update", before=before)
    webhook_record_emit(event_type="opportunity.updated", record=opportunity)
    automation_event_on_commit(
        entity="opportunity",
        record_id=opportunity.pk,
        event="updated",
        key=f"v{opportunity.version}",
        changes={name: [old[name], new[name]] for name in changed},
    )
    return opportunity


@transaction.atomic
def opportunity_custom_fields_set(
    *,
    actor,
    opportunity: Opportunity,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> Opportunity:
    """Change custom-field values of ``opportunity`` (the keys given; empty clears one).

    :raises ValidationError: a value does not fit its field (named with its label).
    :raises ConflictError: someone changed it since ``expected_version``.
    """
    if not can_work_opportunity(actor, opportunity):
        raise PermissionDeniedError(
            "You may not work on this opportunity", code=SalesErrorCode.PERMISSION_DENIED
        )
    version = opportunity.version if expected_version is None else expected_version
    cleaned = custom_fields_clean(
        entity="opportunity", values=values, partial=True, existing=opportunity.custom_fields
    )
    old = dict(opportunity.custom_fields or {})
    updated = Opportunity.objects.filter(pk=opportunity.pk, version=version).update(
        custom_fields=cleaned, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise ConflictError("Someone else changed this opportunity; reload it", field="version")
    opportunity.refresh_from_db()
    webhook_record_emit(event_type="opportunity.updated", record=opportunity)
    automation_event_on_commit(
        entity="opportunity",
        record_id=opportunity.pk,
        event="updated",
        key=f"v{opportunity.version}",
        changes={"custom_fields": [old, opportunity.custom_fields]},
    )
    return opportunity
