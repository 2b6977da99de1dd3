"""Hostile input in customer data: script tags, SQL fragments, huge fields, broken UTF-8.

Each is stored literally (or refused whole), shown escaped on every page, and searchable.
"""

from __future__ import annotations

import pytest
from django.test import Client

from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client
from dangol.customers.models import Customer

__all__ = ["clean_throttle"]

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "Robert'); DROP TABLE customers_customer;-- OR 1=1"


@pytest.mark.parametrize("name", [SCRIPT, SQL, "' OR ''='"])
def test_hostile_names_are_stored_literally_and_shown_escaped(sales, name):
    api = token_client(sales)
    created = api.post("/api/v1/customers/", {"name": name, "email": "h@x.test"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert Customer.objects.get(pk=pk).name == name  # literally, nothing stripped
    assert api.get(f"/api/v1/customers/{pk}/").json()["name"] == name
    page = Client()
    page.force_login(sales)
    for url in (f"/customers/{pk}/", "/customers/", f"/customers/?q={name[:12]}"):
        html = page.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
    html = page.get(f"/customers/{pk}/").content.decode()
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&quot;").replace("'", "&#x27;")
    assert escaped in html
    # Search still finds it, through the page and the API.
    found = page.get("/customers/", {"q": name[:12]}).content.decode()
    assert f"/customers/{pk}/" in found
    listed = api.get("/api/v1/customers/", {"q": name[:12]}).json()
    assert pk in [row["id"] for row in listed["results"]]
    # The table is still there and holds exactly this row.
    assert Customer.objects.count() == 1


def test_a_name_over_its_limit_is_refused_naming_the_field(sales):
    api = token_client(sales)
    response = api.post("/api/v1/customers/", {"name": "x" * 1_000_000})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["detail"] == "Invalid input: name"
    assert list(body["errors"]) == ["name"]
    assert Customer.objects.count() == 0


def test_a_ten_megabyte_body_is_refused_with_413_and_nothing_stored(sales):
    api = token_client(sales)
    response = api.post("/api/v1/customers/", {"name": "x" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "payload_too_large"
    assert "larger than 2621440 bytes" in body["detail"]
    assert Customer.objects.count() == 0


def test_a_ten_megabyte_field_in_a_patch_changes_nothing(sales):
    api = token_client(sales)
    pk = api.post("/api/v1/customers/", {"name": "Kim"}).json()["id"]
    response = api.patch(f"/api/v1/customers/{pk}/", {"notes": "y" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    customer = Customer.objects.get(pk=pk)
    assert (customer.name, customer.version) == ("Kim", 1)


def test_invalid_utf8_in_the_api_body_is_a_clear_400(sales):
    api = token_client(sales)
    response = api.generic(
        "POST",
        "/api/v1/customers/",
        b'{"name": "bad \xff\xfe byte"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "parse_error"
    assert "can't decode byte 0xff in position 14" in body["detail"]
    assert Customer.objects.count() == 0


def test_nul_and_control_characters_do_not_break_storage(sales):
    api = token_client(sales)
    response = api.post("/api/v1/customers/", {"name": "Kim\u0000Lee"})
    # Django's CharField refuses NUL (PostgreSQL cannot store it): a 400 on both databases.
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]
    response = api.post("/api/v1/customers/", {"name": "Kim \u202eeL \u200b"})
    assert response.status_code == 201
    assert Customer.objects.get(pk=response.json()["id"]).name.startswith("Kim \u202e")
