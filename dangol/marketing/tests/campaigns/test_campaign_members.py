"""Members, the reproducible control split, and suppression at send time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from dangol.core.errors import ConflictError, PermissionDeniedError, ValidationError
from dangol.customers.models import Customer, CustomerScore
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing import services
from dangol.marketing.campaigns.split import control_size, split_hash
from dangol.marketing.models import CampaignMember, Unsubscribe
from dangol.marketing.tests.factories import CampaignFactory, SegmentFactory

pytestmark = pytest.mark.django_db


def make_customers(n: int, **fields) -> list[int]:
    Customer.objects.bulk_create(
        [
            Customer(name=f"P{i}", email=f"p{i}@example.test", phone="010-1111-2222",
                     phone_digits="01011112222", city="Seoul", status="customer",
                     consent_email=True, consent_sms=True, consent_phone=True,
                     consent_post=True, **fields)
            for i in range(n)
        ]
    )  # fmt: skip
    return list(Customer.objects.order_by("pk").values_list("pk", flat=True))


def arms(campaign) -> dict[int, str]:
    return dict(CampaignMember.objects.filter(campaign=campaign).values_list("customer_id", "arm"))


@pytest.mark.parametrize(("n", "percent"), [(1000, 10), (997, 15), (7, 50), (3, 0), (1, 10)])
def test_control_split_has_the_right_size(marketing, n, percent):
    make_customers(n)
    campaign = CampaignFactory(control_percent=percent, seed=777)
    services.campaign_launch(actor=marketing, campaign=campaign)
    got = arms(campaign)
    assert len(got) == n
    control = sum(1 for a in got.values() if a == "control")
    assert control == control_size(members=n, control_percent=percent)
    assert abs(control - n * percent / 100) <= 1  # rounding only


def test_control_split_is_reproducible_and_matches_the_python_hash(marketing):
    ids = make_customers(500)
    first = CampaignFactory(control_percent=20, seed=424242)
    again = CampaignFactory(control_percent=20, seed=424242, segment=first.segment)
    other = CampaignFactory(control_percent=20, seed=99, segment=first.segment)
    for c in (first, again, other):
        services.campaign_members_build(campaign=c)
    assert arms(first) == arms(again)
    assert arms(first) != arms(other)
    # The database computed the same hash as Python: the 100 lowest ranks are the control.
    ranked = sorted(ids, key=lambda pk: (split_hash(seed=424242, customer_id=pk), pk))
    assert {pk for pk, arm in arms(first).items() if arm == "control"} == set(ranked[:100])
    # Building again keeps the members (idempotent).
    assert services.campaign_members_build(campaign=first) == 500
    assert arms(first) == arms(again)


def test_split_hash_spreads_consecutive_ids():
    # Not a lattice: consecutive ids are not ranked in runs.
    keys = [split_hash(seed=1, customer_id=i) for i in range(1, 10_001)]
    low = sum(1 for k in keys if k < 2**31 // 10)
    assert 900 < low < 1100
    assert len(set(keys)) > 9_990


def test_control_is_never_contacted_by_the_database():
    campaign = CampaignFactory()
    customer = CustomerFactory()
    member = CampaignMember.objects.create(campaign=campaign, customer=customer, arm="control")
    for status in ("sending", "sent", "failed", "skipped_unknown"):
        with pytest.raises(IntegrityError), transaction.atomic():
            CampaignMember.objects.filter(pk=member.pk).update(status=status)
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignMember.objects.filter(pk=member.pk).update(status="suppressed")  # no reason


def test_suppression_reasons_are_exact(marketing):
    now = timezone.now()
    segment = SegmentFactory(rule={"field": "status", "op": "eq", "value": "customer"})
    campaign = CampaignFactory(
        segment=segment, channel="email", control_percent=0, skip_bottom_tier=True,
        frequency_cap=2, frequency_days=30,
    )  # fmt: skip
    ok = CustomerFactory(consent_email=True)
    no_consent = CustomerFactory(consent_email=False)
    unsubscribed = CustomerFactory(consent_email=True)  # both: unsubscribe wins
    Unsubscribe.objects.create(customer=unsubscribed, source="link")
    no_address = CustomerFactory(consent_email=True, email="")
    bottom = CustomerFactory(consent_email=True)
    CustomerScore.objects.create(customer=bottom, value_tier="bottom")
    middle = CustomerFactory(consent_email=True)
    CustomerScore.objects.create(customer=middle, value_tier="middle")
    capped = CustomerFactory(consent_email=True)
    under_cap = CustomerFactory(consent_email=True)
    old_contacts = CustomerFactory(consent_email=True)
    for i, (who, days_ago) in enumerate(
        [(capped, 1), (capped, 20), (under_cap, 2), (under_cap, 40), (old_contacts, 31),
         (old_contacts, 45)]
    ):  # fmt: skip
        past = CampaignFactory(segment=segment, name=f"past {i}")
        CampaignMember.objects.create(
            campaign=past, customer=who, arm="treatment", status="sent",
            sent_at=now - dt.timedelta(days=days_ago),
        )  # fmt: skip
    services.campaign_launch(actor=marketing, campaign=campaign, now=now)
    marked = services.campaign_members_suppress(campaign=campaign, now=now)
    got = dict(
        CampaignMember.objects.filter(campaign=campaign).values_list(
            "customer_id", "suppression_reason"
        )
    )
    assert got == {
        ok.pk: "",
        no_consent.pk: "no_consent",
        unsubscribed.pk: "unsubscribed",
        no_address.pk: "no_address",
        bottom.pk: "bottom_tier",
        middle.pk: "",
        capped.pk: "frequency_cap",
        under_cap.pk: "",
        old_contacts.pk: "",
    }
    assert marked == 5
    statuses = dict(
        CampaignMember.objects.filter(campaign=campaign).values_list("customer_id", "status")
    )
    assert {pk for pk, s in statuses.items() if s == "pending"} == {
        ok.pk, middle.pk, under_cap.pk, old_contacts.pk
    }  # fmt: skip
    # A second pass marks nothing more; a member already sent is never touched.
    CampaignMember.objects.filter(campaign=campaign, customer=ok).update(status="sent", sent_at=now)
    ok.consent_email = False
    ok.save()
    assert services.campaign_members_suppress(campaign=campaign, now=now) == 0
    assert CampaignMember.objects.get(campaign=campaign, customer=ok).status == "sent"


@pytest.mark.parametrize(
    ("channel", "consent", "address"),
    [("sms", "consent_sms", "phone_digits"), ("call", "consent_phone", "phone_digits"),
     ("mail", "consent_post", "city")],
)  # fmt: skip
def test_each_channel_needs_its_own_consent_and_address(marketing, channel, consent, address):
    campaign = CampaignFactory(channel=channel, control_percent=0)
    base = {"consent_email": True, "consent_sms": True, "consent_phone": True,
            "consent_post": True}  # fmt: skip
    with_all = CustomerFactory(**base)
    without_consent = CustomerFactory(**(base | {consent: False}))
    without_address = CustomerFactory(**(base | {address: ""}))
    services.campaign_launch(actor=marketing, campaign=campaign)
    services.campaign_members_suppress(campaign=campaign)
    got = dict(
        CampaignMember.objects.filter(campaign=campaign).values_list(
            "customer_id", "suppression_reason"
        )
    )
    assert got == {with_all.pk: "", without_consent.pk: "no_consent",
                   without_address.pk: "no_address"}  # fmt: skip


def test_control_members_are_marked_but_stay_uncontacted(marketing):
    make_customers(40)
    Customer.objects.filter(pk__in=Customer.objects.order_by("pk").values("pk")[:10]).update(
        consent_email=False
    )
    campaign = CampaignFactory(control_percent=50, seed=5)
    services.campaign_launch(actor=marketing, campaign=campaign)
    services.campaign_members_suppress(campaign=campaign)
    control = CampaignMember.objects.filter(campaign=campaign, arm="control")
    assert set(control.values_list("status", flat=True)) <= {"pending", "suppressed"}
    assert control.filter(sent_at__isnull=False).count() == 0
    assert CampaignMember.objects.filter(campaign=campaign, status="suppressed").count() == 10


def test_static_segment_is_a_snapshot_dynamic_follows_the_rule(marketing):
    CustomerFactory(region="busan")
    rule = {"field": "region", "op": "eq", "value": "busan"}
    static = services.segment_create(actor=marketing, name="S", rule=rule, kind="static")
    dynamic = services.segment_create(actor=marketing, name="D", rule=rule, kind="dynamic")
    assert static.size == 1 and static.snapshot_at is not None
    CustomerFactory(region="busan")
    from dangol.marketing.selectors import segment_customers

    assert segment_customers(segment=static).count() == 1
    assert segment_customers(segment=dynamic).count() == 2
    assert services.segment_snapshot(actor=marketing, segment=static) == 2
    assert segment_customers(segment=static).count() == 2
    services.segment_update(actor=marketing, segment=static, kind="dynamic")
    assert static.snapshot_at is None
    assert static.members.count() == 0


def test_campaign_rules(marketing, analyst):
    with pytest.raises(PermissionDeniedError):
        services.campaign_create(actor=analyst, name="x", goal="retention", channel="email")
    with pytest.raises(ValidationError) as info:
        services.campaign_create(
            actor=marketing, name="x", goal="retention", channel="email", control_percent=51
        )
    assert info.value.field == "control_percent"
    with pytest.raises(ValidationError) as info:
        services.campaign_create(actor=marketing, name="x", goal="fun", channel="email")
    assert info.value.field == "goal"
    with pytest.raises(ValidationError) as info:
        services.campaign_create(
            actor=marketing, name="x", goal="retention", channel="email", body_en="{% if %}"
        )
    assert info.value.field == "body_en"
    draft = services.campaign_create(actor=marketing, name="x", goal="win_back", channel="sms")
    assert 0 <= draft.seed < 2**31 and draft.status == "draft"
    with pytest.raises(ValidationError) as info:
        services.campaign_launch(actor=marketing, campaign=draft)
    assert info.value.field == "segment"
    segment = SegmentFactory()
    services.campaign_update(actor=marketing, campaign=draft, segment=segment.pk)
    services.campaign_launch(actor=marketing, campaign=draft)
    with pytest.raises(ValidationError) as info:
        services.campaign_update(actor=marketing, campaign=draft, control_percent=20)
    assert info.value.field == "control_percent"
    services.campaign_update(actor=marketing, campaign=draft, offer="10% off")
    services.campaign_status_set(actor=marketing, campaign=draft, status="completed")
    with pytest.raises(ConflictError):
        services.campaign_status_set(actor=marketing, campaign=draft, status="running")


def test_scheduled_campaigns_launch_when_due(marketing):
    CustomerFactory()
    now = timezone.now()
    due = CampaignFactory(status="scheduled", scheduled_at=now - dt.timedelta(minutes=1))
    later = CampaignFactory(status="scheduled", scheduled_at=now + dt.timedelta(hours=1))
    assert services.campaign_launch_due(now=now) == [due.pk]
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, due.launched_at) == ("running", now)
    assert due.members.count() == 1
    assert later.status == "scheduled" and later.members.count() == 0
    assert services.campaign_launch_due(now=now) == []


def test_a_scheduled_email_campaign_starts_sending_when_it_launches(marketing):
    from dangol.core.models import Job

    CustomerFactory(consent_email=True)
    now = timezone.now()
    due = CampaignFactory(
        status="scheduled", scheduled_at=now - dt.timedelta(minutes=1), channel="email"
    )
    assert services.campaign_launch_due(now=now) == [due.pk]
    assert Job.objects.filter(kind__startswith="marketing.").count() == 1


def test_a_schedule_outside_this_century_is_refused(marketing):
    with pytest.raises(ValidationError) as info:
        services.campaign_create(
            actor=marketing,
            name="x",
            goal="retention",
            channel="email",
            scheduled_at=dt.datetime(796, 12, 28, 23, 36, tzinfo=dt.UTC),
        )
    assert info.value.field == "scheduled_at"
