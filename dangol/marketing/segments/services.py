"""Writes of segments: create, update, snapshot, delete."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from dangol.core.errors import ConflictError, PermissionDeniedError, ValidationError
from dangol.marketing.choices import SegmentKind
from dangol.marketing.errors import MarketingErrorCode
from dangol.marketing.models import Segment, SegmentMember
from dangol.marketing.permissions import can_write_marketing
from dangol.marketing.segments.rules import rule_validate
from dangol.marketing.segments.selectors import rule_customers

EDITABLE = ("name", "description", "rule", "kind")


def _check_actor(actor) -> None:
    if actor is not None and not can_write_marketing(actor):
        raise PermissionDeniedError(
            "Your role may not change segments", code=MarketingErrorCode.PERMISSION_DENIED
        )


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            f"Unknown segment field {sorted(unknown)[0]!r}",
            code=MarketingErrorCode.INVALID,
            field=sorted(unknown)[0],
        )
    out = dict(fields)
    if "name" in out:
        out["name"] = str(out["name"] or "").strip()
        if not out["name"]:
            raise ValidationError(
                "A segment needs a name", code=MarketingErrorCode.REQUIRED, field="name"
            )
        if len(out["name"]) > 200:
            raise ValidationError(
                "The name is longer than 200 characters",
                code=MarketingErrorCode.INVALID,
                field="name",
            )
    if "kind" in out and out["kind"] not in SegmentKind.values:
        raise ValidationError(
            f"Unknown segment kind {out['kind']!r}", code=MarketingErrorCode.INVALID, field="kind"
        )
    if "rule" in out:
        out["rule"] = rule_validate(out["rule"])
    return out


@transaction.atomic
def segment_create(
    *, actor, name: str, rule: Any, kind: str = SegmentKind.DYNAMIC, description: str = ""
) -> Segment:
    """Create a segment; a static one is snapshotted at once.

    :raises SegmentRuleError: the rule is not valid (``field`` is the JSON path at fault).
    """
    _check_actor(actor)
    fields = _clean({"name": name, "rule": rule, "kind": kind, "description": description})
    segment = Segment.objects.create(created_by=actor, **fields)
    if segment.kind == SegmentKind.STATIC:
        segment_snapshot(actor=actor, segment=segment)
    return segment


@transaction.atomic
def segment_update(*, actor, segment: Segment, **fields: Any) -> Segment:
    """Change a segment's name, description, rule or kind.

    Turning a segment static (or changing the rule of a static one) takes a new snapshot;
    turning it dynamic drops the snapshot. A segment that a launched campaign uses keeps
    its rule: the campaign's members were built from it.
    """
    _check_actor(actor)
    fields = _clean(fields)
    changed_rule = "rule" in fields and fields["rule"] != segment.rule
    if changed_rule and segment.campaigns.exclude(status__in=["draft", "scheduled"]).exists():
        raise ConflictError(
            "A launched campaign uses this segment; copy it to change the rule",
            code=MarketingErrorCode.WRONG_STATUS,
        )
    for key, value in fields.items():
        setattr(segment, key, value)
    segment.save()
    if segment.kind == SegmentKind.DYNAMIC and segment.snapshot_at is not None:
        SegmentMember.objects.filter(segment=segment).delete()
        Segment.objects.filter(pk=segment.pk).update(snapshot_at=None)
        segment.snapshot_at = None
    elif segment.kind == SegmentKind.STATIC and (changed_rule or segment.snapshot_at is None):
        segment_snapshot(actor=actor, segment=segment)
    return segment


@transaction.atomic
def segment_snapshot(*, actor, segment: Segment) -> int:
    """Replace the segment's snapshot with the customers its rule selects now.

    One ``INSERT ... SELECT``: the rule's query runs in the database, no customer row is
    loaded into Python. Return the size.
    """
    _check_actor(actor)
    SegmentMember.objects.filter(segment=segment).delete()
    sql, params = rule_customers(rule=segment.rule).values("id").query.sql_with_params()
    table = SegmentMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (segment_id, customer_id) "
            f"SELECT %s, picked.id FROM ({sql}) picked",
            [segment.pk, *params],
        )
        size = cursor.rowcount
    now = timezone.now()
    if size is None or size < 0:  # a driver that does not report it
        size = SegmentMember.objects.filter(segment=segment).count()
    Segment.objects.filter(pk=segment.pk).update(
        snapshot_at=now, size=size, size_at=now, updated_at=now
    )
    segment.snapshot_at, segment.size, segment.size_at = now, size, now
    return size


def segment_size_refresh(*, segment: Segment) -> int:
    """Count the segment now and cache the figure on it; return the count."""
    from dangol.marketing.segments.selectors import segment_count

    size = segment_count(segment=segment)
    now = timezone.now()
    Segment.objects.filter(pk=segment.pk).update(size=size, size_at=now)
    segment.size, segment.size_at = size, now
    return size


@transaction.atomic
def segment_delete(*, actor, segment: Segment) -> None:
    """Delete a segment no campaign uses."""
    _check_actor(actor)
    try:
        segment.delete()
    except ProtectedError as exc:
        raise ConflictError(
            "Campaigns use this segment; it cannot be deleted",
            code=MarketingErrorCode.WRONG_STATUS,
        ) from exc


@transaction.atomic
def segment_member_add(*, actor, segment: Segment, customer_id: int) -> bool:
    """Add one customer to a static segment's snapshot; return whether it was new.

    Automation's "add to segment" action. A dynamic segment is its rule and has no
    members to add to.
    """
    _check_actor(actor)
    if segment.kind != SegmentKind.STATIC:
        raise ValidationError(
            "Only a static segment takes members one by one",
            code=MarketingErrorCode.INVALID,
            field="segment",
        )
    _member, created = SegmentMember.objects.get_or_create(segment=segment, customer_id=customer_id)
    if created:
        Segment.objects.filter(pk=segment.pk).update(size=F("size") + 1, updated_at=timezone.now())
    return created
