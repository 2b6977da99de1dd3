"""API and pages: who may do what, the rule builder, the live count, the next best offer.

Decided rule: admin, manager and marketing read and write; the analyst reads; sales and
service get 403. The next best offer follows the customer visibility rules.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dangol.accounts.roles import Role
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing.models import Campaign, CampaignMember, Segment
from dangol.marketing.tests.factories import CampaignFactory, SegmentFactory

pytestmark = pytest.mark.django_db

RULE = {"and": [{"field": "region", "op": "eq", "value": "busan"}]}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.ADMIN, 200, 201),
        (Role.MANAGER, 200, 201),
        (Role.MARKETING, 200, 201),
        (Role.ANALYST, 200, 403),
        (Role.SALES, 403, 403),
        (Role.SERVICE, 403, 403),
    ],
)
def test_api_permissions_per_role(users_by_role, role, read, write):
    client = api(users_by_role[role])
    assert client.get("/api/v1/segments/").status_code == read
    assert client.get("/api/v1/campaigns/").status_code == read
    assert client.get("/api/v1/campaigns/review").status_code == read
    count = client.post("/api/v1/segments/count", {"rule": RULE}, format="json")
    assert count.status_code == read
    created = client.post(
        "/api/v1/segments/", {"name": "Busan", "rule": RULE, "kind": "static"}, format="json"
    )
    assert created.status_code == write
    campaign = client.post(
        "/api/v1/campaigns/",
        {"name": "Win back", "goal": "win_back", "channel": "email", "control_percent": 20},
        format="json",
    )
    assert campaign.status_code == write


def test_api_segment_and_campaign_lifecycle(marketing):
    CustomerFactory(region="busan", consent_email=True)
    CustomerFactory(region="busan", consent_email=False)
    CustomerFactory(region="seoul")
    client = api(marketing)
    assert client.post("/api/v1/segments/count", {"rule": RULE}, format="json").json() == {
        "count": 2
    }
    bad = client.post(
        "/api/v1/segments/count", {"rule": {"field": "planet", "op": "eq"}}, format="json"
    )
    assert bad.status_code == 400
    assert "planet" in json.dumps(bad.json())
    fields = client.get("/api/v1/segments/fields").json()
    assert {"visited_page", "value_tier", "purchased_category"} <= {f["name"] for f in fields}
    segment = client.post(
        "/api/v1/segments/", {"name": "Busan", "rule": RULE, "kind": "static"}, format="json"
    ).json()
    assert segment["size"] == 2
    campaign = client.post(
        "/api/v1/campaigns/",
        {"name": "C", "goal": "retention", "channel": "email", "segment": segment["id"],
         "control_percent": 50, "seed": 3, "cost_per_contact": "120.00"},
        format="json",
    ).json()  # fmt: skip
    assert campaign["seed"] == 3 and campaign["segment"] == segment["id"]
    launched = client.post(
        f"/api/v1/campaigns/{campaign['id']}/status", {"status": "running"}, format="json"
    )
    assert launched.status_code == 200 and launched.json()["status"] == "running"
    arms = sorted(
        CampaignMember.objects.filter(campaign_id=campaign["id"]).values_list("arm", flat=True)
    )
    assert arms == ["control", "treatment"]
    review = client.get(f"/api/v1/campaigns/{campaign['id']}/review").json()
    assert review["members"] == 2 and review["control_members"] == 1
    again = client.post(
        f"/api/v1/campaigns/{campaign['id']}/status", {"status": "draft"}, format="json"
    )
    assert again.status_code == 409
    patched = client.patch(
        f"/api/v1/campaigns/{campaign['id']}/", {"control_percent": 10}, format="json"
    )
    assert patched.status_code == 400
    assert client.delete(f"/api/v1/segments/{segment['id']}/").status_code == 409


def test_next_best_offer_api_follows_customer_visibility(sales, other_sales, marketing):
    mine = CustomerFactory(owner=sales, status="customer", consent_email=True)
    response = api(sales).get(f"/api/v1/customers/{mine.pk}/next-best-offer")
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == mine.pk and body["tier"] == "purchasing"
    assert body["channels"] == ["email"]
    assert api(other_sales).get(f"/api/v1/customers/{mine.pk}/next-best-offer").status_code == 404
    assert api(marketing).get("/api/v1/customers/999999/next-best-offer").status_code == 404


def test_pages_render_and_are_guarded(client, marketing, analyst, sales):
    segment = SegmentFactory(rule=RULE)
    campaign = CampaignFactory(segment=segment)
    customer = CustomerFactory(region="busan")
    client.force_login(marketing)
    for url in [
        reverse("marketing:dashboard"),
        reverse("marketing:segment_list"),
        reverse("marketing:segment_new"),
        reverse("marketing:segment_edit", args=[segment.pk]),
        reverse("marketing:campaign_list"),
        reverse("marketing:campaign_new"),
        reverse("marketing:campaign_detail", args=[campaign.pk]),
        reverse("marketing:campaign_edit", args=[campaign.pk]),
        reverse("marketing:next_best_offer", args=[customer.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    client.force_login(analyst)
    assert client.get(reverse("marketing:dashboard")).status_code == 200
    assert client.get(reverse("marketing:campaign_new")).status_code == 403
    client.force_login(sales)
    assert client.get(reverse("marketing:dashboard")).status_code == 403
    assert b"marketing/" not in client.get(reverse("customers:list")).content


def test_rule_builder_round_trip_and_live_count(client, marketing):
    CustomerFactory(region="busan", status="lead")
    CustomerFactory(region="busan", status="customer")
    client.force_login(marketing)
    form = {
        "r:type": "group", "r:op": "and",
        "r.0:type": "cond", "r.0:field": "region", "r.0:op": "in",
        "r.0:value": ["busan", "seoul"],
        "r.1:type": "group", "r.1:op": "or", "r.1:not": "1",
        "r.1.0:type": "cond", "r.1.0:field": "status", "r.1.0:op": "eq", "r.1.0:value": "lead",
    }  # fmt: skip
    count = client.post(reverse("marketing:segment_count"), form)
    assert b"1 customer matches" in count.content
    added = client.post(reverse("marketing:segment_builder"), form | {"action": "add:r.1"})
    assert added.status_code == 200
    assert b'name="r.1.1:field"' in added.content
    removed = client.post(reverse("marketing:segment_builder"), form | {"action": "remove:r.1"})
    assert b'name="r.1:type"' not in removed.content
    bad = client.post(reverse("marketing:segment_count"), {"rule": '{"field": "nope"}'})
    assert b"nope" in bad.content
    saved = client.post(
        reverse("marketing:segment_new"), form | {"name": "Busan customers", "kind": "dynamic"}
    )
    assert saved.status_code == 302
    segment = Segment.objects.get(name="Busan customers")
    assert segment.rule == {
        "and": [
            {"field": "region", "op": "in", "value": ["busan", "seoul"]},
            {"not": {"or": [{"field": "status", "op": "eq", "value": "lead"}]}},
        ]
    }
    page = client.get(reverse("marketing:segment_edit", args=[segment.pk]))
    assert b'name="r.1:not" value="1" checked' in page.content


def test_campaign_form_creates_and_launches(client, marketing):
    segment = SegmentFactory(rule=RULE)
    CustomerFactory(region="busan")
    client.force_login(marketing)
    response = client.post(
        reverse("marketing:campaign_new"),
        {"name": "Spring", "goal": "cross_sell", "segment": segment.pk, "channel": "sms",
         "cost_per_contact": "30", "control_percent": "10", "frequency_days": "30",
         "attribution_days": "14"},
    )  # fmt: skip
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Spring")
    client.post(reverse("marketing:campaign_status", args=[campaign.pk]), {"status": "running"})
    campaign.refresh_from_db()
    assert campaign.status == "running" and campaign.members.count() == 1
