"""The demo's front office: service tickets, leads and an open pipeline, made through the
same services as the pages (so SLA dues, history and timeline entries are real).

Small by design (hundreds, not thousands): these are what a person clicks through, and
the services write one record at a time.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from dangol.core.demo.spec import DemoSpec

TICKET_SUBJECTS = [
    ("배송이 늦어요", "complaint"),
    ("환불 요청", "request"),
    ("제품 사용 방법 문의", "question"),
    ("Damaged on arrival", "complaint"),
    ("Invoice copy please", "request"),
    ("포인트 적립이 안 됐어요", "complaint"),
    ("교환 가능한가요?", "question"),
]
OPPORTUNITY_NAMES = ["법인 납품", "연간 계약 갱신", "신규 매장 입점", "Fleet order", "정기 구매"]
LEAD_NAMES = ["김서준", "이하은", "박도윤", "최지우", "정시우", "Kim Ara", "Lee Joon"]


@dataclass(frozen=True)
class FrontOfficeCounts:
    tickets: int
    leads: int
    opportunities: int


def front_office_generate(*, spec: DemoSpec, user_ids: dict[str, int]) -> FrontOfficeCounts:
    """Open tickets, capture leads and open opportunities for a sample of customers."""
    from dangol.customers.models import Customer
    from dangol.sales.models import PipelineStage
    from dangol.sales.pipeline_services import (
        lead_capture,
        opportunity_create,
        opportunity_move,
        pipeline_stages_ensure,
    )
    from dangol.service.services import (
        survey_answer,
        ticket_open,
        ticket_reply,
        ticket_status_set,
    )

    users = get_user_model().objects.in_bulk(list(user_ids.values()))
    agent = users[user_ids["demo_service"]]
    admin = users[user_ids["demo_admin"]]
    rng = random.Random(spec.seed)
    n = max(1, spec.customers)
    sample_ids = sorted(rng.sample(range(1, n + 1), k=min(n, 400)))
    customers = list(
        Customer.objects.filter(pk__in=sample_ids).select_related("owner").order_by("id")
    )
    now = timezone.now()

    tickets = 0
    for customer in customers[:250]:
        subject, kind = rng.choice(TICKET_SUBJECTS)
        opened = now - dt.timedelta(hours=rng.randint(1, 24 * 45))
        ticket = ticket_open(
            actor=agent,
            customer=customer,
            subject=subject,
            body=subject,
            channel=rng.choice(["email", "phone", "web", "chat", "fax"]),
            kind=kind,
            priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
            opened_at=opened,
        )
        tickets += 1
        fate = rng.random()
        if fate < 0.6 and customer.email:
            ticket_reply(actor=agent, ticket=ticket, body="확인 후 안내드리겠습니다.")
        if fate < 0.35:
            ticket_status_set(actor=agent, ticket=ticket, status="resolved")
        if fate < 0.2:
            ticket_status_set(actor=agent, ticket=ticket, status="closed")
            if rng.random() < 0.6:
                survey_answer(token=ticket.survey.token, score=rng.choice([3, 4, 4, 5, 5]))

    leads = 0
    for i in range(60):
        name = rng.choice(LEAD_NAMES)
        lead_capture(
            actor=None,
            source=rng.choice(["web_form", "event", "referral", "phone"]),
            name=name,
            company_name=f"{name} 상사" if i % 3 == 0 else "",
            email=f"lead{i}@example.test",
        )
        leads += 1

    pipeline_stages_ensure()  # a database emptied by hand has lost the seeded stages
    stages = list(PipelineStage.objects.order_by("position"))
    opportunities = 0
    for customer in customers[250:400]:
        if customer.owner_id is None:
            continue
        opportunity = opportunity_create(
            actor=admin,
            customer=customer,
            name=rng.choice(OPPORTUNITY_NAMES),
            amount=rng.randrange(500_000, 50_000_000, 100_000),
            expected_close=spec.end_date + dt.timedelta(days=rng.randint(-20, 90)),
            channel=rng.choice(["field", "internet", "telesales"]),
            owner=customer.owner,
        )
        target = rng.choice(stages)
        if target.pk != opportunity.stage_id:
            opportunity_move(
                actor=admin,
                opportunity=opportunity,
                stage=target,
                loss_reason=rng.choice(["price", "competitor"]) if target.is_lost else "",
            )
        opportunities += 1
    return FrontOfficeCounts(tickets=tickets, leads=leads, opportunities=opportunities)
