"""Factories of segments and campaigns (shared by the marketing tests)."""

from __future__ import annotations

import factory

from dangol.marketing.choices import CampaignChannel, CampaignGoal, CampaignStatus, SegmentKind
from dangol.marketing.models import Campaign, Segment


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"Segment {n}")
    rule = factory.LazyFunction(lambda: {"field": "status", "op": "eq", "value": "customer"})
    kind = SegmentKind.DYNAMIC


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    goal = CampaignGoal.RETENTION
    channel = CampaignChannel.EMAIL
    status = CampaignStatus.DRAFT
    segment = factory.SubFactory(SegmentFactory)
    control_percent = 10
    seed = 12345
