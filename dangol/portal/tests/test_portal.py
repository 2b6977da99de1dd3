"""Portals: what a customer and a partner can do, and that they reach nothing else."""

import pytest
from django.urls import reverse

from dangol.accounts.tests.factories import TEST_PASSWORD
from dangol.customers.models import ConsentEvent
from dangol.customers.tests.factories import CustomerFactory
from dangol.portal.services import (
    partner_create,
    partner_customer_assign,
    portal_account_create,
)
from dangol.sales.models import Lead
from dangol.sales.tests.factories import OrderFactory
from dangol.service.models import Ticket
from dangol.service.services import ticket_note_add, ticket_open, ticket_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(admin_user, service):
    alice = CustomerFactory(name="Alice", email="alice@x.test", consent_email=True)
    bob = CustomerFactory(name="Bob", email="bob@x.test")
    OrderFactory(customer=alice, number="A-1")
    OrderFactory(customer=bob, number="B-1")
    bobs_ticket = ticket_open(
        actor=service, customer=bob, subject="Bob's secret", body="x", channel="phone"
    )
    north = partner_create(actor=admin_user, code="north", name="North Dealer")
    south = partner_create(actor=admin_user, code="south", name="South Dealer")
    partner_customer_assign(actor=admin_user, partner=north, customer=alice)
    partner_customer_assign(actor=admin_user, partner=south, customer=bob)
    accounts = {
        "alice": portal_account_create(
            actor=admin_user, email="alice@x.test", password=TEST_PASSWORD, customer=alice
        ),
        "bob": portal_account_create(
            actor=admin_user, email="bob@x.test", password=TEST_PASSWORD, customer=bob
        ),
        "north": portal_account_create(
            actor=admin_user, email="dealer@north.test", password=TEST_PASSWORD, partner=north
        ),
    }
    return {"alice": alice, "bob": bob, "bobs_ticket": bobs_ticket, "accounts": accounts}


def login(client, account):
    client.force_login(account.user)


def test_login_lands_on_my_page_with_my_orders_only(client, world):
    response = client.post(
        reverse("portal:login"), {"username": "alice@x.test", "password": TEST_PASSWORD}
    )
    assert response.url == reverse("portal:home")
    page = client.get(reverse("portal:customer_home"))
    assert [o.number for o in page.context["orders"]] == ["A-1"]
    assert b"B-1" not in page.content and b"Bob's secret" not in page.content


@pytest.mark.parametrize(
    "path",
    ["/customers/", "/orders/", "/service/", "/pipeline/", "/admin/", "/analytics/pivot/"],
)
def test_a_portal_login_never_reaches_staff_pages(client, world, path):
    login(client, world["accounts"]["alice"])
    response = client.get(path)
    assert (response.status_code, response.url) == (302, "/portal/")


def test_a_portal_login_gets_403_from_the_staff_api(client, world):
    login(client, world["accounts"]["alice"])
    for path in ("/api/v1/customers/", f"/api/v1/tickets/{world['bobs_ticket'].pk}/"):
        response = client.get(path)
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"


def test_another_customers_ticket_does_not_exist_for_me(client, world):
    login(client, world["accounts"]["alice"])
    url = reverse("portal:customer_ticket", args=[world["bobs_ticket"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "hijack"}).status_code == 404
    assert client.post(url, {"close": "1"}).status_code == 404
    world["bobs_ticket"].refresh_from_db()
    assert world["bobs_ticket"].status == "new"


def test_my_ticket_open_reply_and_close_with_staff_notes_hidden(client, world, service):
    login(client, world["accounts"]["alice"])
    response = client.post(
        reverse("portal:customer_ticket_new"), {"subject": "Refund", "body": "Please"}
    )
    ticket = Ticket.objects.get(subject="Refund")
    assert (ticket.customer, ticket.channel) == (world["alice"], "portal")
    ticket_note_add(actor=service, ticket=ticket, body="internal: VIP")
    ticket_reply(actor=service, ticket=ticket, body="Refunded")
    page = client.get(response.url)
    assert b"Refunded" in page.content and b"internal: VIP" not in page.content
    client.post(response.url, {"body": "Thanks"})
    ticket.refresh_from_db()
    assert ticket.status == "open"
    client.post(response.url, {"close": "1"})
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_profile_change_is_limited_to_my_contact_details(client, world):
    alice = world["alice"]
    login(client, world["accounts"]["alice"])
    client.post(
        reverse("portal:customer_profile"),
        {
            "email": "alice@new.test",
            "phone": "010-9999-0000",
            "city": "Busan",
            "version": alice.version,
        },
    )
    alice.refresh_from_db()
    assert (alice.email, alice.city) == ("alice@new.test", "Busan")
    stale = client.post(
        reverse("portal:customer_profile"),
        {"email": "x@x.test", "phone": "", "city": "", "version": 1},
    )
    assert stale.status_code == 400


def test_unsubscribe_from_everything_keeps_the_proof(client, world):
    login(client, world["accounts"]["alice"])
    client.post(reverse("portal:customer_consent"), {"unsubscribe_all": "1"})
    alice = world["alice"]
    alice.refresh_from_db()
    assert not alice.consent_email
    event = ConsentEvent.objects.get(customer=alice, channel="email")
    assert (event.granted, event.source, event.actor) == (False, "customer portal", None)


def test_a_partner_sees_only_its_customers_and_registers_leads(client, world):
    login(client, world["accounts"]["north"])
    home = client.get(reverse("portal:partner_home"))
    assert [c.name for c in home.context["customers"]] == ["Alice"]
    assert (
        client.get(reverse("portal:partner_customer", args=[world["alice"].pk])).status_code == 200
    )
    assert client.get(reverse("portal:partner_customer", args=[world["bob"].pk])).status_code == 404
    client.post(reverse("portal:partner_lead_new"), {"name": "Lee", "email": "lee@x.test"})
    lead = Lead.objects.get()
    assert lead.source == "partner"
    home = client.get(reverse("portal:partner_home"))
    assert [(lead.name, lead.status) for lead in home.context["leads"]] == [("Lee", "new")]


def test_customers_and_partners_stay_in_their_own_portal(client, world, sales):
    login(client, world["accounts"]["north"])
    assert client.get(reverse("portal:customer_home")).status_code == 404
    login(client, world["accounts"]["alice"])
    assert client.get(reverse("portal:partner_home")).status_code == 404
    client.force_login(sales)
    assert client.get(reverse("portal:customer_home")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_portal_login(client, world):
    response = client.get(reverse("portal:customer_home"))
    assert response.url.startswith(reverse("portal:login"))


def test_only_managers_create_portal_accounts_for_exactly_one_record(admin_user, sales):
    from dangol.core.errors import PermissionDeniedError, ValidationError

    customer = CustomerFactory()
    with pytest.raises(PermissionDeniedError):
        portal_account_create(actor=sales, email="c@x.test", customer=customer)
    with pytest.raises(ValidationError, match="one customer or one partner"):
        portal_account_create(actor=admin_user, email="c@x.test")
    account = portal_account_create(actor=admin_user, email="C@X.test", customer=customer)
    assert (account.user.username, account.user.has_usable_password()) == ("c@x.test", False)
    with pytest.raises(ValidationError, match="already a login"):
        portal_account_create(actor=admin_user, email="c@x.test", customer=customer)


def test_a_customer_in_the_trash_is_out_of_the_portal_until_restored(client, world, admin_user):
    from dangol.core.audit.services import record_restore, record_trash

    login(client, world["accounts"]["alice"])
    record_trash(instance=world["alice"], actor=admin_user)
    refused = client.get(reverse("portal:customer_home"))
    assert refused.status_code == 403
    assert b"not available" in refused.content
    record_restore(instance=world["alice"], actor=admin_user)
    assert client.get(reverse("portal:customer_home")).status_code == 200
