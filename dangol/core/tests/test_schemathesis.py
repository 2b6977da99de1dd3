"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis).

Every operation gets generated requests, valid and invalid, sent as an administrator
(who may do everything, so the deepest code paths run). No response may be a 5xx, and
each must match the schema: documented status, content type and body.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dangol.accounts.services import api_token_create
from dangol.catalog.tests.factories import ProductFactory
from dangol.config.wsgi import application
from dangol.core.tests.api_support import clean_throttle
from dangol.customers.tests.factories import CustomerFactory
from dangol.sales.tests.factories import OrderLineFactory
from dangol.touchpoints.tests.factories import InteractionFactory

__all__ = ["clean_throttle"]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Keep the WSGI handler from closing the connection (and the test's transaction).

    Django's own test client unhooks the same signal around each request.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(admin_user):
    # Some records, so that small generated ids hit real customers, products and orders.
    customer = CustomerFactory(owner=admin_user)
    OrderLineFactory(order__customer=customer, product=ProductFactory())
    InteractionFactory(customer=customer)
    _token, plaintext = api_token_create(user=admin_user, name="schemathesis")
    return {"Authorization": f"Bearer {plaintext}"}


# Raw emails for the mail gateway endpoint: well-formed ones and arbitrary bytes.
_EMAILS = st.builds(
    lambda n, body: (
        f"From: Kim <kim{n}@example.test>\r\nSubject: Hello\r\n"
        f"Message-ID: <m{n}@example.test>\r\n\r\n{body}\r\n"
    ).encode(),
    st.integers(0, 10**6),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
)
schemathesis.openapi.media_type("message/rfc822", st.one_of(_EMAILS, st.binary(max_size=300)))

# Loaded from the WSGI app as a deployment serves it (generating it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema_and_never_errors(db, case, admin_headers):
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
