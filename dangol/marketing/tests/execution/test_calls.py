"""Call lists: round-robin assignment, an agent's next call, outcomes and the timeline."""

from __future__ import annotations

import datetime as dt

import pytest

from dangol.accounts.roles import Role
from dangol.accounts.tests.factories import UserFactory
from dangol.core.errors import NotFoundError, PermissionDeniedError
from dangol.customers.models import ConsentEvent
from dangol.marketing.choices import CampaignChannel, MemberStatus, ResponseKind
from dangol.marketing.execution import calls
from dangol.marketing.models import CampaignMember, CampaignResponse
from dangol.marketing.tests.execution.conftest import customer, launched_campaign, member_of
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def agents():
    return [UserFactory(username=f"agent{i}", role=Role.SALES) for i in range(3)]


def _call_campaign(n=7, **kwargs):
    people = [customer(name=f"Caller {i}", phone=f"010-4000-{i:04d}") for i in range(n)]
    return launched_campaign(channel=CampaignChannel.CALL, treated=people, **kwargs), people


def test_members_are_dealt_round_robin_and_suppression_runs_first(marketing, agents):
    campaign, people = _call_campaign()
    no_phone_consent = customer(name="Quiet", phone="010-4999-0000", consent_phone=False)
    held_out = customer(name="Held out", phone="010-4999-0001")
    CampaignMember.objects.create(campaign=campaign, customer=no_phone_consent, arm="treatment")
    CampaignMember.objects.create(campaign=campaign, customer=held_out, arm="control")

    counts = calls.campaign_call_list_assign(campaign=campaign, agents=agents, actor=marketing)

    assert counts == {agents[0].pk: 3, agents[1].pk: 2, agents[2].pk: 2}
    ordered = CampaignMember.objects.filter(campaign=campaign, customer__in=people).order_by("pk")
    assert [m.assigned_to_id for m in ordered] == [agents[i % 3].pk for i in range(7)]
    assert member_of(campaign, no_phone_consent).status == MemberStatus.SUPPRESSED
    assert member_of(campaign, no_phone_consent).assigned_to_id is None
    assert member_of(campaign, held_out).assigned_to_id is None
    # Dealing again hands out nobody twice.
    assert calls.campaign_call_list_assign(
        campaign=campaign, agents=agents[:1], actor=marketing
    ) == {agents[0].pk: 0}


def test_only_marketers_assign_and_only_call_campaigns_have_lists(agents):
    campaign, _ = _call_campaign(n=1)
    with pytest.raises(PermissionDeniedError):
        calls.campaign_call_list_assign(campaign=campaign, agents=agents, actor=agents[0])
    email = launched_campaign(treated=[customer()])
    manager = UserFactory(username="boss", role=Role.MANAGER)
    with pytest.raises(calls.ValidationError):
        calls.campaign_call_list_assign(campaign=email, agents=agents, actor=manager)


def test_the_agent_list_puts_due_callbacks_first_and_outcomes_move_members(marketing, agents):
    campaign, people = _call_campaign(n=4, offer="Ask about the winter coat offer")
    agent = agents[0]
    calls.campaign_call_list_assign(campaign=campaign, agents=[agent], actor=marketing)
    first, second, third, fourth = (member_of(campaign, p) for p in people)

    entries = calls.call_list_for_agent(user=agent, now=NOW)
    assert [e.member_id for e in entries] == [first.pk, second.pk, third.pk, fourth.pk]
    assert entries[0].script == "Ask about the winter coat offer"
    assert entries[0].phone == "010-4000-0000"

    # The first asks to be called back in an hour; the second does not answer.
    calls.call_outcome_record(
        member=first,
        actor=agent,
        outcome=calls.CallOutcome.CALLBACK,
        callback_at=NOW + dt.timedelta(hours=1),
        now=NOW,
    )
    calls.call_outcome_record(member=second, actor=agent, outcome="no_answer", now=NOW)
    calls.call_outcome_record(member=third, actor=agent, outcome="interested", now=NOW)

    later = calls.call_list_for_agent(user=agent, now=NOW)
    assert [e.member_id for e in later] == [second.pk, fourth.pk, first.pk]
    due = calls.call_list_for_agent(user=agent, now=NOW + dt.timedelta(hours=2))
    assert [e.member_id for e in due] == [first.pk, second.pk, fourth.pk]

    third.refresh_from_db()
    assert (third.status, third.sent_at, third.call_outcome) == (
        MemberStatus.SENT, NOW, "interested",
    )  # fmt: skip
    second.refresh_from_db()
    assert (second.status, second.attempts, second.call_outcome) == ("pending", 1, "no_answer")
    timeline = Interaction.objects.filter(channel="phone").order_by("pk")
    assert [(i.customer_id, i.direction, i.outcome) for i in timeline] == [
        (people[0].pk, "outbound", "callback"),
        (people[1].pk, "outbound", "no_answer"),
        (people[2].pk, "outbound", "interested"),
    ]
    assert CampaignResponse.objects.filter(kind=ResponseKind.CALL_OUTCOME).count() == 3


def test_do_not_call_withdraws_phone_consent_and_wrong_number_fails(marketing, agents):
    campaign, people = _call_campaign(n=2)
    agent = agents[0]
    calls.campaign_call_list_assign(campaign=campaign, agents=[agent], actor=marketing)
    calls.call_outcome_record(
        member=member_of(campaign, people[0]), actor=agent, outcome="do_not_call", now=NOW
    )
    calls.call_outcome_record(
        member=member_of(campaign, people[1]), actor=agent, outcome="wrong_number", now=NOW
    )
    people[0].refresh_from_db()
    assert people[0].consent_phone is False
    event = ConsentEvent.objects.get(customer=people[0])
    assert (event.channel, event.granted, event.source) == (
        "phone", False, f"call, campaign {campaign.pk}, agent agent0",
    )  # fmt: skip
    assert member_of(campaign, people[1]).status == MemberStatus.FAILED
    with pytest.raises(calls.ValidationError):  # no longer on the list
        calls.call_outcome_record(
            member=member_of(campaign, people[1]), actor=agent, outcome="busy", now=NOW
        )


def test_another_agent_cannot_record_and_a_callback_needs_a_future_time(marketing, agents):
    campaign, people = _call_campaign(n=1)
    calls.campaign_call_list_assign(campaign=campaign, agents=[agents[0]], actor=marketing)
    member = member_of(campaign, people[0])
    with pytest.raises(NotFoundError):
        calls.call_outcome_record(member=member, actor=agents[1], outcome="busy", now=NOW)
    with pytest.raises(calls.ValidationError):
        calls.call_outcome_record(
            member=member, actor=agents[0], outcome="callback", callback_at=NOW, now=NOW
        )


def test_my_call_list_page_shows_the_next_call_and_records_an_outcome(client, marketing, agents):
    campaign, people = _call_campaign(n=2, offer="Winter coats, 10% off")
    calls.campaign_call_list_assign(campaign=campaign, agents=[agents[0]], actor=marketing)
    client.force_login(agents[0])

    page = client.get("/marketing/calls/")
    assert page.status_code == 200
    assert page.context["next_call"].customer_name == "Caller 0"
    assert "Winter coats, 10% off" in page.content.decode()

    member = member_of(campaign, people[0])
    done = client.post("/marketing/calls/", {"member_id": member.pk, "outcome": "interested"})
    assert done.status_code == 302
    assert client.get("/marketing/calls/").context["next_call"].customer_name == "Caller 1"
    client.force_login(agents[1])
    assert (
        client.post("/marketing/calls/", {"member_id": member.pk, "outcome": "busy"}).status_code
        == 404
    )


def test_the_assign_page_deals_to_the_chosen_agents(client, marketing, agents):
    campaign, _ = _call_campaign(n=4)
    client.force_login(marketing)
    response = client.post(
        f"/marketing/campaigns/{campaign.pk}/calls/assign/",
        {"agents": [agents[0].pk, agents[2].pk]},
    )
    assert response.status_code == 200
    assert [(a.pk, n) for a, n in response.context["dealt"]] == [
        (agents[0].pk, 2), (agents[2].pk, 2),
    ]  # fmt: skip
    client.force_login(agents[0])
    assert client.get(f"/marketing/campaigns/{campaign.pk}/calls/assign/").status_code == 403
