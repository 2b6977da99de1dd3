"""Every URL of the project, visited as every role, a portal customer, a partner and nobody.

The URL patterns are walked from the root resolver, so a new URL that is not declared in
``url_matrix.py`` fails ``test_every_url_is_declared``. Each declared row is the expected
answer per identity (see ``url_matrix.IDENTITIES`` and the codes in its docstring). GET
is tried on every URL; POST on the URLs that only take POST, as each identity the row
refuses, and the database must be unchanged after those refused POSTs.

Set ``DANGOL_URL_MATRIX_DUMP=path`` to write the observed table (to review a change).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dangol.accounts.roles import Role
from dangol.accounts.services import api_token_create
from dangol.accounts.tests.factories import TEST_PASSWORD, UserFactory
from dangol.catalog.tests.factories import ProductFactory
from dangol.core.tests import url_matrix
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing.tests.factories import CampaignFactory, SegmentFactory
from dangol.sales.tests.factories import OrderFactory, OrderLineFactory

ADMIN_PREFIX = "admin/"
# Set by a developer reviewing a change: post as every identity where no row is declared.
GENERATE = os.environ.get("DANGOL_URL_MATRIX_GENERATE") == "1"
LOGIN_PATHS = ("/accounts/login/", "/admin/login/", "/portal/login/")
_CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            full = f"{namespace}:{name}" if namespace and name else name
            yield prefix + str(entry.pattern), full


def all_urls() -> list[tuple[str, str]]:
    """Return (route, name) of every URL pattern; the key is the name, or the route."""
    return list(_walk(get_resolver().url_patterns))


def _key(route: str, name: str) -> str:
    return name or route


def _classify(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith(LOGIN_PATHS):
            return "L"
        if location == "/portal/":
            return "P"
        return "R"
    return str(response.status_code)


def _fill(route: str, key: str, world: dict) -> str:
    args = url_matrix.ARGS.get(key, {})

    def value(match: re.Match) -> str:
        name = match.group("name")
        if route.startswith(ADMIN_PREFIX):
            return "1" if (match.group("conv") or "str") in ("int", "path", "str") else "x"
        if name not in args:
            raise AssertionError(f"{key}: declare a value for <{name}> in url_matrix.ARGS")
        wanted = args[name]
        return str(world[wanted]) if wanted in world else str(wanted)

    return "/" + _CONVERTER.sub(value, route)


@pytest.fixture
def world(db, users_by_role, team):
    """One of each object the URLs name, owned so that sales and the manager see them."""
    from dangol.analytics.models import ModelRun
    from dangol.automation.tests.factories import EmailTemplateFactory, RuleFactory
    from dangol.core.audit.services import record_trash
    from dangol.core.customfields.services import custom_field_create
    from dangol.core.models import Job
    from dangol.portal.models import Partner, PortalAccount
    from dangol.sales.pipeline_services import lead_capture, opportunity_create
    from dangol.service.models import SatisfactionSurvey
    from dangol.service.services import ticket_open
    from dangol.webanalytics.services import site_create

    sales = users_by_role[Role.SALES]
    admin = users_by_role[Role.ADMIN]
    customer = CustomerFactory(name="Matrix customer", owner=sales)
    product = ProductFactory()
    order = OrderFactory(customer=customer)
    OrderLineFactory(order=order, product=product, quantity=1, unit_price=Decimal("1000"))
    opportunity = opportunity_create(
        actor=sales,
        customer=customer,
        name="Matrix deal",
        amount=1000,
        expected_close=dt.date(2030, 1, 1),
        channel="field",
    )
    lead = lead_capture(actor=sales, source="web_form", name="Matrix lead", email="lead@x.test")
    ticket = ticket_open(
        actor=admin, customer=customer, subject="Matrix ticket", body="Hello", channel="email"
    )
    survey = SatisfactionSurvey.objects.create(ticket=ticket, token="matrix-survey-token")
    segment = (
        SegmentFactory(created_by=admin)
        if _has_field("marketing.Segment", "created_by")
        else SegmentFactory()
    )
    campaign = CampaignFactory(segment=segment)
    job = Job.objects.create(kind="import.customers", created_by=admin)
    model_run = ModelRun.objects.create(kind="clv", version=1)
    token, _plain = api_token_create(user=admin, name="matrix")
    portal_user = UserFactory(username="portal-customer@x.test")
    PortalAccount.objects.create(user=portal_user, customer=customer)
    partner = Partner.objects.create(code="P1", name="Matrix partner")
    partner_user = UserFactory(username="partner@x.test")
    PortalAccount.objects.create(user=partner_user, partner=partner)
    rule = RuleFactory()
    template = EmailTemplateFactory()
    custom_field = custom_field_create(
        actor=admin, entity="customer", key="matrix", label="Matrix", field_type="text"
    )
    site_create(key="matrix", name="Matrix site")
    # A customer in the trash, for the restore and purge URLs (the other customer stays live).
    trashed = record_trash(instance=CustomerFactory(name="Trashed", owner=sales), actor=admin)
    identities = {"anon": None, **{role.value: user for role, user in users_by_role.items()}}
    identities["customer"] = portal_user
    identities["partner"] = partner_user
    return {
        "identities": identities,
        "customer": customer.pk,
        "product": product.pk,
        "order": order.pk,
        "opportunity": opportunity.pk,
        "lead": lead.pk,
        "ticket": ticket.pk,
        "survey": survey.token,
        "segment": segment.pk,
        "campaign": campaign.pk,
        "job": job.pk,
        "model_run": model_run.pk,
        "token": token.pk,
        "rule": rule.pk,
        "email_template": template.pk,
        "custom_field": custom_field.pk,
        "trashed_customer": trashed.pk,
        # Literal path values that would otherwise collide with a key above.
        "kind:customer": "customer",
    }


def _has_field(label: str, field: str) -> bool:
    return any(f.name == field for f in apps.get_model(label)._meta.get_fields())


def _clients(world) -> dict[str, Client]:
    clients = {}
    for name, user in world["identities"].items():
        client = Client(raise_request_exception=False)
        if user is not None:
            if name in ("customer", "partner"):
                # Through the portal's own login form, as a portal account really logs in.
                client.post(
                    "/portal/login/", {"username": user.username, "password": TEST_PASSWORD}
                )
            else:
                client.force_login(user)
        clients[name] = client
    return clients


def _expected(key: str, route: str, method: str) -> str | None:
    if route.startswith(ADMIN_PREFIX):
        if method == "get":
            return url_matrix.ADMIN_EXCEPTIONS.get(key, url_matrix.ADMIN_ROW)
        return None
    row = url_matrix.MATRIX.get(key)
    if row is None:
        return None
    return row.get(method)


def test_every_url_is_declared():
    declared = set(url_matrix.MATRIX)
    found = {_key(route, name) for route, name in all_urls() if not route.startswith(ADMIN_PREFIX)}
    assert sorted(found - declared) == [], "declare these URLs in core/tests/url_matrix.py"
    assert sorted(declared - found) == [], "these declared URLs no longer exist"
    for key, row in url_matrix.MATRIX.items():
        for method, cells in row.items():
            assert len(cells.split()) == len(url_matrix.IDENTITIES), (key, method)
        # A URL that refuses GET with 405 takes POST: its POST answers must be declared.
        if "405" in row["get"].split():
            assert "post" in row, f"{key}: declare its POST row"


def _fingerprint() -> tuple:
    """Row counts and newest update of every table but sessions and login counters."""
    parts = []
    skip = {"django_session", "accounts_loginthrottle"}
    quote = connection.ops.quote_name
    for model in apps.get_models():
        table = model._meta.db_table
        if table in skip or not model._meta.managed:
            continue
        parts.append(f"(SELECT COUNT(*) FROM {quote(table)})")
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            parts.append(f"(SELECT MAX({quote('updated_at')}) FROM {quote(table)})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def test_every_url_answers_every_identity_as_declared(world, settings):
    settings.DANGOL_API_RATES = {}
    clients = _clients(world)
    names = url_matrix.IDENTITIES
    mismatches, observed = [], {}
    for route, name in all_urls():
        key = _key(route, name)
        path = _fill(route, key, world)
        got = []
        for identity in names:
            response = clients[identity].get(path)
            got.append(_classify(response))
        observed[key] = " ".join(got)
        anon, customer, partner = got[0], got[-2], got[-1]
        if key not in url_matrix.PUBLIC:
            if anon == "200":
                mismatches.append(f"GET {path} [{key}] answers 200 to nobody")
            if not key.startswith("portal:") and "200" in (customer, partner):
                mismatches.append(f"GET {path} [{key}] answers 200 to a portal account")
        expected = _expected(key, route, "get")
        if expected is not None and expected.split() != got:
            mismatches.append(
                f"GET {path} [{key}]\n  expected {expected}\n  got      {observed[key]}"
            )
    _dump(observed, "get")
    assert mismatches == [], "\n".join(mismatches)


def test_post_only_urls_refuse_and_change_nothing(world, settings):
    settings.DANGOL_API_RATES = {}
    clients = _clients(world)
    names = url_matrix.IDENTITIES
    mismatches, observed = [], {}
    before = _fingerprint()
    for route, name in all_urls():
        key = _key(route, name)
        expected = _expected(key, route, "post")
        if expected is None:
            if key.endswith("logout") or not (
                GENERATE and "405" in (_expected(key, route, "get") or "")
            ):
                continue
            expected = " ".join(["?"] * len(names))  # generating: post as everyone
        path = _fill(route, key, world)
        got = []
        for identity, want in zip(names, expected.split(), strict=True):
            if want == "*":  # allowed: not exercised here (its own tests post real data)
                got.append("*")
                continue
            body = url_matrix.POST_BODIES.get(key, {})
            got.append(_classify(clients[identity].post(path, body)))
        observed[key] = " ".join(got)
        if expected.split() != got:
            mismatches.append(
                f"POST {path} [{key}]\n  expected {expected}\n  got      {observed[key]}"
            )
    _dump(observed, "post")
    if GENERATE:
        return
    assert mismatches == [], "\n".join(mismatches)
    assert _fingerprint() == before, "a refused POST changed the database"


def _dump(observed: dict[str, str], method: str) -> None:
    target = os.environ.get("DANGOL_URL_MATRIX_DUMP")
    if target:
        with open(f"{target}.{method}", "w", encoding="utf-8") as out:
            for key, row in observed.items():
                out.write(f"{key}\t{row}\n")
