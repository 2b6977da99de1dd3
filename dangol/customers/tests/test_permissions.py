"""Each role's access rule, one test per rule: removing the rule fails its test."""

from __future__ import annotations

import pytest

from dangol.customers import selectors, services
from dangol.customers.errors import NotFoundError, PermissionDeniedError
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(sales, other_sales, manager):
    """Customers owned by: the sales user, a colleague on another team, the manager, nobody."""
    return {
        "mine": CustomerFactory(name="Mine", owner=sales),
        "other_team": CustomerFactory(name="Other team", owner=other_sales),
        "managers": CustomerFactory(name="Manager's", owner=manager),
        "unowned": CustomerFactory(name="Unowned", owner=None),
    }


def visible_names(user) -> set[str]:
    return {c.name for c in selectors.customer_list(user=user, size=100).items}


ALL = {"Mine", "Other team", "Manager's", "Unowned"}


def test_sales_sees_only_own_customers(sales, book):
    assert visible_names(sales) == {"Mine"}
    with pytest.raises(NotFoundError):
        selectors.customer_get(user=sales, pk=book["other_team"].pk)


def test_manager_sees_their_teams_customers(manager, book):
    assert visible_names(manager) == {"Mine", "Manager's"}
    with pytest.raises(NotFoundError):
        selectors.customer_get(user=manager, pk=book["other_team"].pk)


@pytest.mark.parametrize("role_user", ["admin_user", "service", "marketing", "analyst"])
def test_broad_roles_see_every_customer(request, role_user, book):
    user = request.getfixturevalue(role_user)
    assert visible_names(user) == ALL


def test_user_without_role_sees_nothing(db, book):
    from dangol.accounts.tests.factories import UserFactory

    assert visible_names(UserFactory(username="nobody")) == set()


def test_sales_edits_own_customer_but_not_the_owner(sales, manager, book):
    services.customer_update(actor=sales, customer=book["mine"], city="Mapo-gu")
    assert book["mine"].city == "Mapo-gu"
    with pytest.raises(PermissionDeniedError):
        services.customer_update(actor=sales, customer=book["mine"], owner=manager)


def test_sales_cannot_edit_colleagues_customer(sales, book):
    with pytest.raises(PermissionDeniedError):
        services.customer_update(actor=sales, customer=book["other_team"], city="X")


def test_manager_reassigns_team_customer(manager, sales, book):
    services.customer_update(actor=manager, customer=book["mine"], owner=manager)
    assert book["mine"].owner_id == manager.pk


def test_service_edits_contact_details_only(service, book):
    services.customer_update(actor=service, customer=book["other_team"], phone="02-123-4567")
    assert book["other_team"].phone_digits == "021234567"
    with pytest.raises(PermissionDeniedError):
        services.customer_update(actor=service, customer=book["other_team"], status="churned")


def test_marketing_edits_consent_and_channel_only(marketing, book):
    services.customer_consent_set(
        actor=marketing, customer=book["unowned"], channel="email", granted=True, source="form"
    )
    assert book["unowned"].consent_email is True
    with pytest.raises(PermissionDeniedError):
        services.customer_update(actor=marketing, customer=book["unowned"], name="Renamed")


def test_analyst_edits_nothing(analyst, book):
    with pytest.raises(PermissionDeniedError):
        services.customer_update(actor=analyst, customer=book["unowned"], city="X")
    with pytest.raises(PermissionDeniedError):
        services.customer_consent_set(
            actor=analyst, customer=book["unowned"], channel="sms", granted=True, source="x"
        )
    with pytest.raises(PermissionDeniedError):
        services.customer_create(actor=analyst, name="New")


def test_sales_becomes_owner_of_what_they_create(sales):
    customer = services.customer_create(actor=sales, name="New lead")
    assert customer.owner_id == sales.pk
