from __future__ import annotations

import datetime as dt
import json

import pytest

from dangol.accounts.tests.factories import TEST_PASSWORD
from dangol.marketing.execution import sending
from dangol.marketing.execution.tokens import click_token
from dangol.marketing.tests.execution.conftest import (  # noqa: F401 - fixtures
    _public_url,
    customer,
    launched_campaign,
    member_of,
    smtp_server,
)
from dangol.marketing.tests.execution.test_tracking import _paths
from dangol.portal.services import portal_account_create
from dangol.touchpoints.models import Interaction
from dangol.webanalytics.ingest import webanalytics_ingest
from dangol.webanalytics.models import VisitInteraction
from dangol.webanalytics.store import web_store_read
from dangol.webanalytics.tests.conftest import CHROME_UA, T0, pageview, send

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example.com"


def linked():
    with web_store_read() as con:
        return {
            "events": con.execute(
                "SELECT path, customer_id, campaign_id FROM web_event ORDER BY event_id"
            ).fetchall(),
            "visits": con.execute(
                "SELECT visit_id, customer_id, campaign_id, pageviews FROM web_visit"
            ).fetchall(),
        }


def at(seconds):
    return T0 + dt.timedelta(seconds=seconds)


def test_a_portal_login_links_the_visit_through_the_session(client, site, admin_user):
    ann = customer(email="ann@example.test", name="Ann Lee")
    account = portal_account_create(
        actor=admin_user, email="ann@example.test", password=TEST_PASSWORD, customer=ann
    )

    def collect(path):
        body = json.dumps({"site": "shop", "kind": "pageview", "url": SHOP + path})
        response = client.generic(
            "POST", "/collect", body, content_type="text/plain", HTTP_USER_AGENT=CHROME_UA
        )
        assert response.status_code == 202

    collect("/a")
    collect("/login")
    webanalytics_ingest()
    assert linked()["events"] == [("/a", None, None), ("/login", None, None)]
    client.force_login(account.user)
    collect("/portal/")
    webanalytics_ingest()
    assert linked() == {
        "events": [("/a", ann.pk, None), ("/login", ann.pk, None), ("/portal/", ann.pk, None)],
        "visits": [(1, ann.pk, None, 3)],
    }


def test_portal_login_links_all_events_of_the_visit(site, admin_user):
    ann = customer(email="ann@example.test", name="Ann Lee")
    send([pageview("/a")], now=at(0))
    send([pageview("/login")], now=at(10))
    webanalytics_ingest(now=at(11))
    send([pageview("/portal/")], now=at(20), customer_id=ann.pk)
    send([pageview("/portal/orders/")], now=at(50))
    webanalytics_ingest(now=at(51))
    assert linked() == {
        "events": [
            ("/a", ann.pk, None),
            ("/login", ann.pk, None),
            ("/portal/", ann.pk, None),
            ("/portal/orders/", ann.pk, None),
        ],
        "visits": [(1, ann.pk, None, 4)],
    }
    # Not on the timeline while the visit goes on; once, after it has ended.
    assert Interaction.objects.filter(customer=ann).count() == 0
    webanalytics_ingest(now=at(50 + 31 * 60))
    webanalytics_ingest(now=at(50 + 62 * 60))
    (entry,) = Interaction.objects.filter(customer=ann)
    assert (entry.channel, entry.direction, entry.subject, entry.user_id) == (
        "web",
        "inbound",
        "Visited 4 pages: /a → /login → /portal/ → /portal/orders/",
        None,
    )
    assert entry.occurred_at == at(0)
    assert VisitInteraction.objects.get().visit_id == 1


@pytest.mark.usefixtures("smtp_server")
def test_a_campaign_link_links_the_visit_to_customer_and_campaign(client, site):
    ann = customer(email="ann@example.test", name="Ann Lee")
    campaign = launched_campaign(treated=[ann])
    member = member_of(campaign, ann)
    token = click_token(member.pk, SHOP + "/coats?utm_source=newsletter&utm_campaign=autumn")
    landing = SHOP + f"/coats?utm_source=newsletter&utm_campaign=autumn&dg_t={token}"
    send([pageview("/x", host=SHOP)], now=at(0), ip="192.0.2.5")  # someone else
    send([{"kind": "pageview", "url": landing}], now=at(0))
    send([pageview("/coats/42", referrer=landing)], now=at(30))
    webanalytics_ingest(now=at(31))
    state = linked()
    assert state["events"] == [
        ("/x", None, None),
        ("/coats", ann.pk, campaign.pk),
        ("/coats/42", ann.pk, campaign.pk),
    ]
    with web_store_read() as con:
        assert con.execute(
            "SELECT referrer_kind, referrer_name, utm_campaign, customer_id, campaign_id"
            " FROM web_visit WHERE customer_id IS NOT NULL"
        ).fetchall() == [("campaign", "newsletter", "autumn", ann.pk, campaign.pk)]
    webanalytics_ingest(now=at(31 * 60 + 30))
    assert list(Interaction.objects.filter(customer=ann, channel="web").values_list("subject")) == [
        ("Visited 2 pages: /coats → /coats/42",)
    ]


def test_a_forged_campaign_token_links_nothing(site):
    landing = SHOP + "/coats?dg_t=forged:abc"
    send([{"kind": "pageview", "url": landing}], now=at(0))
    webanalytics_ingest(now=at(1))
    assert linked()["events"] == [("/coats", None, None)]


def test_the_click_endpoint_carries_the_token_only_to_tracked_sites(client, site, smtp_server):  # noqa: F811
    ann = customer(email="ann@example.test", name="Ann Lee")
    campaign = launched_campaign(treated=[ann])
    sending.campaign_email_send_run(campaign=campaign)
    (received,) = smtp_server.recorder.received
    paths = _paths(received)
    # The message links to shop.dangol.test, not a tracked site: the URL is unchanged.
    assert client.get(paths["click"])["Location"] == "https://shop.dangol.test/coats?src=mail"
    from dangol.webanalytics import services

    services.site_create(key="mail-shop", allowed_origins="https://shop.dangol.test")
    location = client.get(paths["click"])["Location"]
    assert location.startswith("https://shop.dangol.test/coats?src=mail&dg_t=")
