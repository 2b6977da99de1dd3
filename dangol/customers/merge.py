"""Find duplicate customers, merge one into another, and undo a merge.

A merge re-points every row of every app that refers to the duplicate (orders, the
timeline, consent proofs, tickets, opportunities, campaign contacts …) to the survivor,
fills the survivor's blank contact fields from the duplicate, and marks the duplicate
``merged_into``. What moved is recorded row by row in ``CustomerMerge``, so an unmerge
puts exactly those rows back. The relations are found through Django's model meta data,
like Django's own deletion collector, so apps added later are merged too without code
here; a row that would break a unique constraint on the survivor (the same campaign or
segment twice) stays with the duplicate and is listed as kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Value
from django.db.models.functions import Lower, Replace
from django.utils import timezone

from dangol.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from dangol.customers import permissions
from dangol.customers.errors import CustomerErrorCode
from dangol.customers.models import Customer, CustomerMerge, CustomerScore

# Copied from the duplicate where the survivor has nothing.
FILLABLE_FIELDS = ("email", "phone", "gender", "birth_date", "region", "city", "external_id")
# One-to-one companions that stay with their own customer (recomputed by the next run).
KEPT_RELATIONS = {CustomerScore}


@dataclass(frozen=True)
class DuplicateGroup:
    key: str  # "email" or "phone"
    value: str
    customer_ids: list[int]


def customer_duplicates_list(*, user, limit: int = 100) -> list[DuplicateGroup]:
    """Return groups of visible, unmerged customers sharing an email or a phone number.

    One grouped query per key over indexed columns (email; phone digits normalised for
    Korean formats), not a comparison of every pair.
    """
    base = permissions.restrict_visible(
        Customer.objects.filter(merged_into__isnull=True, deleted_at__isnull=True), user
    )
    groups: list[DuplicateGroup] = []
    for key, column in (("email", "email"), ("phone", "phone_digits")):
        values = (
            base.exclude(**{column: ""})
            .values(column)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .order_by("-n", column)[:limit]
        )
        for row in values:
            ids = list(
                base.filter(**{column: row[column]}).order_by("id").values_list("id", flat=True)
            )
            groups.append(DuplicateGroup(key=key, value=row[column], customer_ids=ids))
    # The same person typed twice: the name without spaces or case ("김 민준" = "김민준")
    # and the same birth date. A name alone is not enough: 김민준 is a common name.
    same_name = (
        base.exclude(birth_date__isnull=True)
        .annotate(key=Replace(Lower("name"), Value(" "), Value("")))
        .values("key", "birth_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("-n", "key")[:limit]
    )
    for row in same_name:
        ids = list(
            base.annotate(key=Replace(Lower("name"), Value(" "), Value("")))
            .filter(key=row["key"], birth_date=row["birth_date"])
            .order_by("id")
            .values_list("id", flat=True)
        )
        groups.append(
            DuplicateGroup(key="name", value=f"{row['key']} {row['birth_date']}", customer_ids=ids)
        )
    return groups[:limit]


def _relations():
    """Yield (model, field) for every foreign key or one-to-one pointing at Customer."""
    for relation in Customer._meta.related_objects:
        field = relation.field
        if not isinstance(field, models.ForeignKey) or relation.related_model is CustomerMerge:
            continue
        if relation.related_model in KEPT_RELATIONS:
            continue
        if relation.related_model is Customer and field.name == "merged_into":
            continue
        yield relation.related_model, field


def _unique_partners(model, field) -> list[list[str]]:
    """Return the other columns of each unique constraint that includes ``field``."""
    groups = [list(fields) for fields in model._meta.unique_together]
    groups += [
        list(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]
    return [[f for f in g if f != field.name] for g in groups if field.name in g]


def _require(actor, *customers) -> None:
    if not all(permissions.can_delete(actor, c) for c in customers):
        raise PermissionDeniedError(
            "Only administrators and managers of both customers may merge them",
            code=CustomerErrorCode.PERMISSION_DENIED,
        )


@transaction.atomic
def customer_merge(*, actor, survivor: Customer, duplicate: Customer) -> CustomerMerge:
    """Merge ``duplicate`` into ``survivor``; return the record that can undo it.

    :raises ValidationError: the same customer twice, or one of them already merged.
    :raises PermissionDeniedError: the actor may not delete (and so not merge) either.
    """
    if survivor.pk == duplicate.pk:
        raise ValidationError(
            "A customer cannot be merged into itself", code=CustomerErrorCode.INVALID
        )
    survivor = Customer.objects.select_for_update().get(pk=survivor.pk)
    duplicate = Customer.objects.select_for_update().get(pk=duplicate.pk)
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise ValidationError(
            "One of these customers was already merged", code=CustomerErrorCode.INVALID
        )
    _require(actor, survivor, duplicate)

    moved: dict[str, list[int]] = {}
    kept: dict[str, list[int]] = {}
    for model, field in _relations():
        rows = model._default_manager.filter(**{field.attname: duplicate.pk})
        for partners in _unique_partners(model, field):
            clash = model._default_manager.filter(
                **{field.attname: survivor.pk}, **{p: OuterRef(p) for p in partners}
            )
            clashing = rows.filter(Exists(clash))
            ids = list(clashing.values_list("pk", flat=True))
            if ids:
                kept[f"{model._meta.label}.{field.name}"] = ids
                rows = rows.exclude(pk__in=ids)
        ids = list(rows.values_list("pk", flat=True))
        if ids:
            if model is Customer and field.name == "company":
                ids = [i for i in ids if i != survivor.pk]  # never its own company
            model._default_manager.filter(pk__in=ids).update(**{field.attname: survivor.pk})
            moved[f"{model._meta.label}.{field.name}"] = ids

    filled = {}
    for name in FILLABLE_FIELDS:
        if not getattr(survivor, name) and getattr(duplicate, name):
            filled[name] = getattr(survivor, name)
            setattr(survivor, name, getattr(duplicate, name))
    now = timezone.now()
    if "external_id" in filled:
        Customer.objects.filter(pk=duplicate.pk).update(external_id=None)
    Customer.objects.filter(pk=survivor.pk).update(
        **{name: getattr(survivor, name) for name in filled},
        phone_digits=_digits(survivor.phone),
        version=F("version") + 1,
        updated_at=now,
    )
    Customer.objects.filter(pk=duplicate.pk).update(
        merged_into=survivor, version=F("version") + 1, updated_at=now
    )
    filled_json = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filled.items()}
    if "external_id" in filled:
        filled_json["_duplicate_external_id"] = duplicate.external_id
    return CustomerMerge.objects.create(
        survivor=survivor,
        duplicate=duplicate,
        actor=actor,
        moved=moved,
        filled=filled_json | {"_kept": kept},
    )


def _digits(phone: str) -> str:
    from dangol.customers.normalize import normalize_phone

    return normalize_phone(phone)


@transaction.atomic
def customer_unmerge(*, actor, merge: CustomerMerge) -> Customer:
    """Undo ``merge``: the recorded rows go back to the duplicate, which is listed again.

    Rows added to the survivor after the merge stay with the survivor.
    """
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError("This merge was already undone", code=CustomerErrorCode.INVALID)
    survivor, duplicate = merge.survivor, merge.duplicate
    _require(actor, survivor)
    relations = {f"{m._meta.label}.{f.name}": (m, f) for m, f in _relations()}
    for key, ids in merge.moved.items():
        if key not in relations:
            raise NotFoundError(f"The relation {key} no longer exists; cannot undo")
        model, field = relations[key]
        model._default_manager.filter(pk__in=ids, **{field.attname: survivor.pk}).update(
            **{field.attname: duplicate.pk}
        )
    restore = {k: v for k, v in merge.filled.items() if not k.startswith("_")}
    now = timezone.now()
    if restore:
        Customer.objects.filter(pk=survivor.pk).update(
            **{
                k: (v or ("" if k not in ("birth_date", "external_id") else None))
                for k, v in restore.items()
            },
            version=F("version") + 1,
            updated_at=now,
        )
        survivor.refresh_from_db()
        Customer.objects.filter(pk=survivor.pk).update(phone_digits=_digits(survivor.phone))
    Customer.objects.filter(pk=duplicate.pk).update(
        merged_into=None,
        external_id=merge.filled.get("_duplicate_external_id", duplicate.external_id),
        version=F("version") + 1,
        updated_at=now,
    )
    merge.undone_at = now
    merge.save(update_fields=["undone_at", "updated_at"])
    duplicate.refresh_from_db()
    return duplicate
