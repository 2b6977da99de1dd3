"""The voice-of-the-customer report: what customers raise, about what, and how fast we answer.

Aggregates in the database (one grouped query per table), never a loop over tickets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dangol.service.choices import TicketKind
from dangol.service.models import SatisfactionSurvey, Ticket


@dataclass(frozen=True)
class VocReport:
    since: dt.date
    by_month: list[dict]  # month, kind, tickets
    by_category: list[dict]  # category, tickets, complaints
    top_complaint_products: list[dict]  # product, complaints
    by_team: list[dict]  # team, tickets, avg first response h, avg resolution h, met %
    satisfaction: dict  # answered, average


def _hours(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 3600, 1)
    return round(float(value) / 3_600_000_000, 1)  # microseconds on some backends


def voc_report(*, months: int = 12, now: dt.datetime | None = None) -> VocReport:
    """Return the report over the last ``months`` months."""
    now = now or timezone.now()
    since = (now - dt.timedelta(days=31 * months)).date().replace(day=1)
    tickets = Ticket.objects.filter(opened_at__date__gte=since)
    by_month = list(
        tickets.annotate(month=TruncMonth("opened_at"))
        .values("month", "kind")
        .annotate(tickets=Count("id"))
        .order_by("month", "kind")
    )
    by_category = list(
        tickets.values("category__code", "category__name")
        .annotate(tickets=Count("id"), complaints=Count("id", filter=Q(kind=TicketKind.COMPLAINT)))
        .order_by("-tickets", "category__code")
    )
    top_products = list(
        tickets.filter(kind=TicketKind.COMPLAINT, product__isnull=False)
        .values("product__sku", "product__name")
        .annotate(complaints=Count("id"))
        .order_by("-complaints", "product__sku")[:10]
    )
    first = ExpressionWrapper(
        F("first_responded_at") - F("opened_at"), output_field=DurationField()
    )
    resolve = ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())
    teams = (
        tickets.values("assignee__team__name")
        .annotate(
            tickets=Count("id"),
            avg_first=Avg(first),
            avg_resolution=Avg(resolve),
            responded=Count("id", filter=Q(first_responded_at__isnull=False)),
            responded_in_time=Count(
                "id", filter=Q(first_responded_at__lte=F("first_response_due"))
            ),
        )
        .order_by("assignee__team__name")
    )
    by_team = [
        {
            "team": row["assignee__team__name"] or "",
            "tickets": row["tickets"],
            "avg_first_response_hours": _hours(row["avg_first"]),
            "avg_resolution_hours": _hours(row["avg_resolution"]),
            "first_response_met_percent": (
                round(100 * row["responded_in_time"] / row["responded"], 1)
                if row["responded"]
                else None
            ),
        }
        for row in teams
    ]
    surveys = SatisfactionSurvey.objects.filter(
        answered_at__isnull=False, ticket__opened_at__date__gte=since
    ).aggregate(answered=Count("id"), average=Avg("score"))
    return VocReport(
        since=since,
        by_month=by_month,
        by_category=by_category,
        top_complaint_products=top_products,
        by_team=by_team,
        satisfaction=surveys,
    )
