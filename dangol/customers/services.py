"""Writes to customers. Every caller (UI, admin, API, CLI, imports) goes through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from dangol.accounts.roles import Role, user_role
from dangol.automation.events import automation_event_on_commit
from dangol.core.audit.recording import audit_record, audit_snapshot
from dangol.core.customfields.validation import custom_fields_clean
from dangol.customers import permissions
from dangol.customers.choices import ConsentChannel, CustomerKind, LifecycleStatus
from dangol.customers.errors import (
    ConflictError,
    CustomerErrorCode,
    PermissionDeniedError,
    ValidationError,
)
from dangol.customers.models import ConsentEvent, Customer, CustomerGroup
from dangol.customers.normalize import normalize_email, normalize_phone
from dangol.customers.score_services import customer_churn_bands_track
from dangol.integration.webhooks.services import webhook_record_emit

_VALIDATED_FIELDS = permissions.EDITABLE_FIELDS


def _apply_and_validate(customer: Customer, changes: dict[str, Any]) -> None:
    """Set ``changes`` on ``customer`` and run the model's field validation."""
    for field, value in changes.items():
        if field not in _VALIDATED_FIELDS:
            raise ValidationError(
                f"Unknown customer field {field!r}",
                code=CustomerErrorCode.INVALID,
                field=field,
            )
        if field == "email":
            value = normalize_email(value)
        elif field in {"phone", "name", "city", "external_id"} and isinstance(value, str):
            value = value.strip()
        if field == "external_id" and value == "":
            value = None
        if field == "custom_fields":
            value = custom_fields_clean(
                entity="customer",
                values=value,
                partial=customer.pk is not None,
                existing=customer.custom_fields if customer.pk is not None else None,
            )
        setattr(customer, field, value)
    customer.phone_digits = normalize_phone(customer.phone)
    if customer.company_id is not None:
        if customer.kind != CustomerKind.PERSON:
            raise ValidationError(
                "Only a person can be the contact of a company",
                code=CustomerErrorCode.INVALID_COMPANY,
                field="company",
            )
        if customer.company.kind != CustomerKind.COMPANY or customer.company_id == customer.pk:
            raise ValidationError(
                "The company must be a customer of kind company",
                code=CustomerErrorCode.INVALID_COMPANY,
                field="company",
            )
    try:
        customer.full_clean(exclude=["owner", "customer_group", "company"], validate_unique=False)
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationError(
            f"{field}: {' '.join(messages)}", code=CustomerErrorCode.INVALID, field=field
        ) from exc
    if (
        customer.external_id
        and Customer.objects.filter(external_id=customer.external_id)
        .exclude(pk=customer.pk)
        .exists()
    ):
        raise ValidationError(
            f"External id {customer.external_id!r} is already used by another customer",
            code=CustomerErrorCode.DUPLICATE_EXTERNAL_ID,
            field="external_id",
        )


@transaction.atomic
def customer_create(*, actor, **fields: Any) -> Customer:
    """Create a customer from ``fields`` on behalf of ``actor`` and return it.

    A sales user becomes the owner of what they create.

    :param actor: the staff user acting.
    :param fields: customer fields (``name`` required); consent is set with
        ``customer_consent_set`` so that it leaves a proof.
    :raises PermissionDeniedError: the actor's role may not create customers.
    :raises ValidationError: a field is missing or malformed; nothing is written.
    """
    if not permissions.can_create(actor):
        raise PermissionDeniedError(
            "You may not create customers", code=CustomerErrorCode.PERMISSION_DENIED
        )
    if not str(fields.get("name", "")).strip():
        raise ValidationError(
            "A customer needs a name", code=CustomerErrorCode.REQUIRED, field="name"
        )
    if user_role(actor) is Role.SALES:
        fields["owner"] = actor
    fields.setdefault("custom_fields", {})  # so that required custom fields are checked
    customer = Customer()
    _apply_and_validate(customer, fields)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise ValidationError(
            f"The customer could not be saved: {exc}", code=CustomerErrorCode.INVALID
        ) from exc
    audit_record(instance=customer, actor=actor, action="create", before=None)
    webhook_record_emit(event_type="customer.created", record=customer)
    automation_event_on_commit(entity="customer", record_id=customer.pk, event="created")
    return customer


@transaction.atomic
def customer_contact_get_or_create(
    *, email: str, name: str = "", acquisition_channel: str = ""
) -> tuple[Customer, bool]:
    """Return the customer with ``email``, creating a prospect if there is none.

    The system path for a customer who reaches us on their own (an email to support, a
    web form): no staff member acts, so no role is checked; the new record is a
    prospect with no owner. Return ``(customer, created)``.

    :raises ValidationError: the email address or name is malformed; nothing is written.
    """
    address = normalize_email(email)
    if not address or "@" not in address:
        raise ValidationError(
            "A valid email address is required", code=CustomerErrorCode.INVALID, field="email"
        )
    existing = Customer.objects.filter(email=address).order_by("id").first()
    if existing is not None:
        return existing, False
    customer = Customer()
    _apply_and_validate(
        customer,
        {
            "name": (name or "").strip() or address.split("@")[0],
            "email": address,
            "kind": CustomerKind.PERSON,
            "status": LifecycleStatus.PROSPECT,
            "acquisition_channel": acquisition_channel,
        },
    )
    customer.save()
    audit_record(instance=customer, actor=None, action="create", before=None)
    webhook_record_emit(event_type="customer.created", record=customer)
    automation_event_on_commit(entity="customer", record_id=customer.pk, event="created")
    return customer, True


def customer_update_authorize(*, actor, customer: Customer, fields: Iterable[str]) -> None:
    """Raise unless ``actor`` may change ``fields`` of ``customer`` (nothing is read or written).

    :raises PermissionDeniedError: the actor may not see the customer or change a field.
    """
    allowed = permissions.editable_fields(actor, customer)
    denied = sorted(set(fields) - allowed)
    if denied or not allowed:
        raise PermissionDeniedError(
            f"You may not change: {', '.join(denied)}" if denied else "You may not change it",
            code=CustomerErrorCode.FIELD_NOT_EDITABLE,
            field=denied[0] if denied else "",
        )


@transaction.atomic
def customer_update(
    *, actor, customer: Customer, expected_version: int | None = None, **changes: Any
) -> Customer:
    """Change fields of ``customer`` on behalf of ``actor`` and return it.

    :param expected_version: the ``version`` the caller read; if someone else saved in
        between, ``ConflictError`` tells the second writer instead of losing an update.
    :raises PermissionDeniedError: the actor may not see the customer or change a field.
    :raises ValidationError: a value is malformed; nothing is written.
    """
    customer_update_authorize(actor=actor, customer=customer, fields=changes)
    return _customer_write(
        customer=customer, expected_version=expected_version, changes=changes, actor=actor
    )


# What customers may change about themselves in the self-service portal.
SELF_EDITABLE_FIELDS = frozenset({"email", "phone", "city"})


@transaction.atomic
def customer_self_update(
    *, customer: Customer, expected_version: int | None = None, **changes: Any
) -> Customer:
    """Change a customer's own contact details (the portal's path: the customer acts).

    :raises PermissionDeniedError: a field outside ``SELF_EDITABLE_FIELDS``.
    :raises ConflictError: the record changed since ``expected_version``.
    """
    denied = sorted(set(changes) - SELF_EDITABLE_FIELDS)
    if denied:
        raise PermissionDeniedError(
            f"You may not change: {', '.join(denied)}",
            code=CustomerErrorCode.FIELD_NOT_EDITABLE,
            field=denied[0],
        )
    return _customer_write(
        customer=customer, expected_version=expected_version, changes=changes, actor="customer"
    )


def _customer_write(
    *, customer: Customer, expected_version: int | None, changes: dict[str, Any], actor=None
) -> Customer:
    if not changes:
        return customer
    before = audit_snapshot(customer)
    version = customer.version if expected_version is None else expected_version
    old_values = {n: getattr(customer, Customer._meta.get_field(n).attname) for n in changes}
    _apply_and_validate(customer, changes)
    update_fields = {*changes, "phone_digits"}
    attnames = (Customer._meta.get_field(name).attname for name in update_fields)
    values = {attname: getattr(customer, attname) for attname in attnames}
    # A new owner moves the customer's churn band count (the home page reads a summary).
    with customer_churn_bands_track(customer_ids=[customer.pk] if "owner" in changes else []):
        updated = Customer.objects.filter(pk=customer.pk, version=version).update(
            **values, version=F("version") + 1, updated_at=timezone.now()
        )
    if updated == 0:
        raise ConflictError(
            "This customer was changed by someone else since you opened it; "
            "reload to see their change",
            code=CustomerErrorCode.VERSION_CONFLICT,
        )
    customer.refresh_from_db()
    audit_record(instance=customer, actor=actor, action="update", before=before)
    webhook_record_emit(event_type="customer.updated", record=customer)
    automation_event_on_commit(
        entity="customer",
        record_id=customer.pk,
        event="updated",
        key=f"v{customer.version}",
        changes={
            n: [old_values[n], getattr(customer, Customer._meta.get_field(n).attname)]
            for n in changes
        },
    )
    return customer


@transaction.atomic
def customer_consent_set(
    *,
    actor,
    customer: Customer,
    channel: str,
    granted: bool,
    source: str,
    occurred_at: dt.datetime | None = None,
) -> ConsentEvent:
    """Record a grant or withdrawal of marketing consent and make it current.

    :param source: where the customer said so ("web form", "call 2026-11-02", an import).
    """
    if actor is not None and not permissions.can_set_consent(actor, customer):
        raise PermissionDeniedError(
            "You may not change this customer's consent",
            code=CustomerErrorCode.PERMISSION_DENIED,
        )
    try:
        channel = ConsentChannel(channel).value
    except ValueError as exc:
        raise ValidationError(
            f"Unknown consent channel {channel!r}", code=CustomerErrorCode.INVALID, field="channel"
        ) from exc
    if not source.strip():
        raise ValidationError(
            "Say where the consent came from", code=CustomerErrorCode.REQUIRED, field="source"
        )
    before = audit_snapshot(customer)
    event = ConsentEvent.objects.create(
        customer=customer,
        channel=channel,
        granted=granted,
        occurred_at=occurred_at or timezone.now(),
        source=source.strip()[:100],
        actor=actor,
    )
    Customer.objects.filter(pk=customer.pk).update(
        **{f"consent_{channel}": granted}, version=F("version") + 1, updated_at=timezone.now()
    )
    customer.refresh_from_db()
    audit_record(instance=customer, actor=actor, action="update", before=before, note=source)
    return event


@transaction.atomic
def customer_group_create(*, code: str, name: str, name_ko: str = "") -> CustomerGroup:
    """Create a customer group (the list is configurable)."""
    group = CustomerGroup(code=code, name=name, name_ko=name_ko)
    try:
        group.full_clean()
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationError(f"{field}: {' '.join(messages)}", field=field) from exc
    group.save()
    return group


@transaction.atomic
def customer_delete(*, actor, customer: Customer) -> None:
    """Delete ``customer`` with its consent history, scores and interactions.

    A customer with orders is kept: the orders are the business's records (PROTECT), so
    the caller is told to mark the customer churned instead.

    :raises PermissionDeniedError: the actor is not an admin or a manager who sees it.
    :raises ConflictError: records that must be kept still point at the customer.
    """
    if not permissions.can_delete(actor, customer):
        raise PermissionDeniedError(
            "You may not delete customers", code=CustomerErrorCode.PERMISSION_DENIED
        )
    # Described before the row goes; a refused delete rolls this back with the rest.
    audit_record(instance=customer, actor=actor, action="purge", before=None, snapshot={})
    webhook_record_emit(event_type="customer.deleted", record=customer)
    try:
        with transaction.atomic():
            customer.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ConflictError(
            f"This customer still has {', '.join(kinds)} and cannot be deleted; "
            "set the status to churned instead",
            code="has_protected_records",
        ) from exc
