"""A customer in the trash is out of every marketing selection, and back once restored.

Segment counts and members (dynamic and static), the builder's count, campaign
audiences, the suppression right before a send, and the partner portal.
"""

from __future__ import annotations

import pytest

from dangol.core.audit.services import record_restore, record_trash
from dangol.core.errors import NotFoundError
from dangol.core.tests.api_support import clean_throttle, token_client
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing import selectors, services
from dangol.marketing.choices import SegmentKind
from dangol.marketing.models import CampaignMember
from dangol.marketing.tests.factories import CampaignFactory, SegmentFactory
from dangol.portal.selectors import partner_customer_get, partner_customers
from dangol.portal.services import partner_create, partner_customer_assign

__all__ = ["clean_throttle"]

pytestmark = pytest.mark.django_db

RULE = {"field": "region", "op": "eq", "value": "daegu"}


@pytest.fixture
def people():
    """Three customers the rule selects, with consent, and one it does not."""
    kept = [
        CustomerFactory(
            name=f"Daegu {i}", region="daegu", email=f"j{i}@example.test", consent_email=True
        )
        for i in range(3)
    ]
    CustomerFactory(name="Elsewhere", region="busan")
    return kept


def test_rule_and_segment_counts_drop_a_trashed_customer_and_restore_brings_it_back(
    people, admin_user
):
    segment = SegmentFactory(rule=RULE)
    binned = people[0]
    assert selectors.rule_count(rule=RULE) == 3

    record_trash(instance=binned, actor=admin_user)

    assert selectors.rule_count(rule=RULE) == 2
    assert services.segment_size_refresh(segment=segment) == 2
    assert not selectors.segment_contains(segment=segment, customer_id=binned.pk)
    assert set(selectors.segment_customers(segment=segment).values_list("pk", flat=True)) == {
        people[1].pk,
        people[2].pk,
    }

    record_restore(instance=binned, actor=admin_user)

    assert selectors.rule_count(rule=RULE) == 3
    assert services.segment_size_refresh(segment=segment) == 3
    assert selectors.segment_contains(segment=segment, customer_id=binned.pk)


def test_a_static_segment_hides_a_member_trashed_after_its_snapshot(people, admin_user):
    segment = services.segment_create(
        actor=admin_user, name="Jeonju static", rule=RULE, kind=SegmentKind.STATIC
    )
    assert segment.size == 3
    record_trash(instance=people[1], actor=admin_user)

    assert selectors.segment_customers(segment=segment).count() == 2
    # The snapshot still holds the three; the count leaves the trashed one out.
    assert segment.members.count() == 3
    assert selectors.segment_count(segment=segment) == 2
    assert services.segment_size_refresh(segment=segment) == 2
    assert services.segment_snapshot(actor=admin_user, segment=segment) == 2

    record_restore(instance=people[1], actor=admin_user)
    assert services.segment_snapshot(actor=admin_user, segment=segment) == 3


def test_the_builder_count_api_leaves_the_trash_out(people, admin_user):
    record_trash(instance=people[2], actor=admin_user)

    response = token_client(admin_user).post(
        "/api/v1/segments/count", {"rule": RULE}, format="json"
    )

    assert response.json() == {"count": 2}


def test_a_campaign_audience_leaves_the_trash_out(people, admin_user):
    record_trash(instance=people[0], actor=admin_user)
    first = CampaignFactory(segment=SegmentFactory(rule=RULE), control_percent=0)

    assert services.campaign_members_build(campaign=first) == 2
    assert people[0].pk not in set(
        CampaignMember.objects.filter(campaign=first).values_list("customer_id", flat=True)
    )

    record_restore(instance=people[0], actor=admin_user)
    second = CampaignFactory(segment=first.segment, control_percent=0)
    assert services.campaign_members_build(campaign=second) == 3


def test_a_member_trashed_after_the_launch_is_suppressed_before_the_send(people, admin_user):
    campaign = CampaignFactory(segment=SegmentFactory(rule=RULE), control_percent=0)
    services.campaign_members_build(campaign=campaign)
    record_trash(instance=people[1], actor=admin_user)

    services.campaign_members_suppress(campaign=campaign)

    member = CampaignMember.objects.get(campaign=campaign, customer=people[1])
    assert (member.status, member.suppression_reason) == ("suppressed", "trashed")
    assert CampaignMember.objects.filter(campaign=campaign, status="pending").count() == 2


def test_the_partner_portal_does_not_show_a_trashed_customer(people, admin_user):
    partner = partner_create(actor=admin_user, code="north", name="North Dealer")
    for person in people[:2]:
        partner_customer_assign(actor=admin_user, partner=partner, customer=person)
    record_trash(instance=people[0], actor=admin_user)

    assert [c.pk for c in partner_customers(partner=partner)] == [people[1].pk]
    with pytest.raises(NotFoundError):
        partner_customer_get(partner=partner, pk=people[0].pk)

    record_restore(instance=people[0], actor=admin_user)
    assert partner_customer_get(partner=partner, pk=people[0].pk) == people[0]
