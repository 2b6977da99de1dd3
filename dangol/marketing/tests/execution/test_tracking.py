"""Opens, clicks and unsubscribes through the links of a message really received."""

from __future__ import annotations

import re

import pytest

from dangol.customers.models import ConsentEvent
from dangol.marketing.choices import MemberStatus, ResponseKind
from dangol.marketing.execution import sending, tokens
from dangol.marketing.models import CampaignResponse, Unsubscribe
from dangol.marketing.tests.execution.conftest import customer, launched_campaign, member_of
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db
PUBLIC = "https://crm.dangol.test"


def _paths(received) -> dict[str, str]:
    html = received.part("html")
    found = {
        "pixel": re.search(r'<img src="https://crm\.dangol\.test(/marketing/t/o/[^"]+)"', html),
        "click": re.search(r'href="https://crm\.dangol\.test(/marketing/t/c/[^"]+)"', html),
    }
    paths = {key: match.group(1) for key, match in found.items()}
    paths["unsubscribe"] = (
        str(received.message["List-Unsubscribe"]).strip().strip("<>")[len(PUBLIC) :]
    )
    return paths


@pytest.fixture
def sent(smtp_server):
    ann = customer(email="ann@example.test", name="Ann Lee")
    campaign = launched_campaign(treated=[ann])
    sending.campaign_email_send_run(campaign=campaign)
    (received,) = smtp_server.recorder.received
    return campaign, ann, _paths(received)


def _responses(member) -> list[tuple[str, str]]:
    return list(
        CampaignResponse.objects.filter(member=member).order_by("pk").values_list("kind", "url")
    )


def test_the_open_pixel_records_one_open_however_often_it_loads(client, sent):
    campaign, ann, paths = sent
    for _ in range(3):
        response = client.get(paths["pixel"])
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
        assert response.content.startswith(b"GIF89a") and len(response.content) == 42
    member = member_of(campaign, ann)
    assert member.opened_at is not None
    assert _responses(member) == [(ResponseKind.OPEN, "")]
    timeline = Interaction.objects.filter(customer=ann, direction="inbound")
    assert list(timeline.values_list("channel", "subject")) == [
        ("email", "Opened the campaign “Autumn offer”")
    ]


def test_a_click_redirects_to_the_linked_url_and_records_once(client, sent):
    campaign, ann, paths = sent
    first = client.get(paths["click"])
    second = client.get(paths["click"])
    assert first.status_code == second.status_code == 302
    assert first["Location"] == "https://shop.dangol.test/coats?src=mail"
    member = member_of(campaign, ann)
    clicked_at = member.clicked_at
    assert clicked_at is not None and member.opened_at == clicked_at
    # A click counts as an open (images blocked), once each.
    assert _responses(member) == [
        (ResponseKind.OPEN, ""),
        (ResponseKind.CLICK, "https://shop.dangol.test/coats?src=mail"),
    ]
    assert Interaction.objects.filter(customer=ann, direction="inbound").count() == 2


def test_forged_tokens_and_foreign_urls_are_refused_and_record_nothing(client, sent):
    campaign, ann, paths = sent
    member = member_of(campaign, ann)
    token = paths["click"].split("/")[-2]
    # Change one character of the signed token: the signature no longer matches.
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    # A token for another URL, signed with a key that is not ours.
    from django.core import signing

    foreign = signing.dumps([member.pk, "https://evil.example/"], salt=tokens.SALT_CLICK, key="x")
    # Our own signature, but made for the pixel: wrong purpose.
    pixel_token = tokens.open_token(member.pk)
    for bad in (forged, foreign, pixel_token, "not-a-token"):
        assert client.get(f"/marketing/t/c/{bad}/").status_code == 404
    assert client.get(f"/marketing/t/o/{forged}.gif").status_code == 404
    assert client.get(f"/marketing/unsubscribe/{pixel_token}/").status_code == 404
    # A correctly signed click token for a member who was never sent anything.
    other = launched_campaign(treated=[customer()])
    unsent = other.members.get()
    assert (
        client.get(f"/marketing/t/c/{tokens.click_token(unsent.pk, 'https://a.b/')}/").status_code
        == 404
    )
    assert _responses(member) == []
    assert not CampaignResponse.objects.filter(member=unsent).exists()


def test_unsubscribe_asks_then_withdraws_consent_with_proof_and_a_later_campaign_skips(
    client, sent, smtp_server
):
    campaign, ann, paths = sent
    page = client.get(paths["unsubscribe"])
    assert page.status_code == 200
    assert b"Unsubscribe from marketing messages" in page.content
    ann.refresh_from_db()
    assert ann.consent_email is True  # a GET (a link scanner) changes nothing

    done = client.post(paths["unsubscribe"])
    assert done.status_code == 200
    assert b"You are unsubscribed" in done.content
    client.post(paths["unsubscribe"])  # a second click changes nothing more

    ann.refresh_from_db()
    assert (ann.consent_email, ann.consent_sms, ann.consent_phone, ann.consent_post) == (
        False, False, False, False,
    )  # fmt: skip
    proof = ConsentEvent.objects.filter(customer=ann).order_by("channel")
    assert [(e.channel, e.granted, e.source) for e in proof] == [
        (channel, False, f"unsubscribe link, campaign {campaign.pk}")
        for channel in ("email", "phone", "post", "sms")
    ]
    assert Unsubscribe.objects.get(customer=ann).campaign_id == campaign.pk
    member = member_of(campaign, ann)
    assert _responses(member) == [(ResponseKind.UNSUBSCRIBE, "")]
    assert (
        Interaction.objects.filter(
            customer=ann, subject="Unsubscribed from marketing (campaign “Autumn offer”)"
        ).count()
        == 1
    )

    # A later campaign does not reach her, even after she grants e-mail consent again.
    from dangol.customers.services import customer_consent_set

    customer_consent_set(
        actor=None, customer=ann, channel="email", granted=True, source="shop counter"
    )
    bob = customer(email="bob@example.test")
    later = launched_campaign(treated=[ann, bob])
    sending.campaign_email_send_run(campaign=later)
    assert smtp_server.recorder.recipients() == ["ann@example.test", "bob@example.test"]
    assert member_of(later, ann).status == MemberStatus.SUPPRESSED


def test_one_click_unsubscribe_post_works_without_a_csrf_token(sent):
    from django.test import Client

    _campaign, ann, paths = sent
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(paths["unsubscribe"], {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    ann.refresh_from_db()
    assert ann.consent_email is False
