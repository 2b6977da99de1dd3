from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dangol.catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("catalog:product_list")


@pytest.fixture(autouse=True)
def _english_and_fast_passwords(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def products():
    dairy = CategoryFactory(name="Dairy")
    snacks = CategoryFactory(name="Snacks")
    return {
        "milk": ProductFactory(
            sku="MLK-1", name="Whole Milk", category=dairy, unit_price=Decimal("2990")
        ),
        "chips": ProductFactory(sku="SNK-1", name="Potato Chips", category=snacks),
        "dairy": dairy,
    }


def _skus(response) -> list[str]:
    return [p.sku for p in response.context["page"].items]


def test_anonymous_is_redirected_to_login(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={LIST_URL}"


def test_product_list_search_and_category(client, analyst, products):
    client.force_login(analyst)

    everything = client.get(LIST_URL)
    assert everything.status_code == 200
    assert _skus(everything) == ["SNK-1", "MLK-1"]
    assert "2,990 KRW" in everything.content.decode()
    assert _skus(client.get(LIST_URL, {"q": "milk"})) == ["MLK-1"]
    assert _skus(client.get(LIST_URL, {"q": "snk"})) == ["SNK-1"]
    assert _skus(client.get(LIST_URL, {"category": products["dairy"].pk})) == ["MLK-1"]


def test_product_list_htmx_partial(client, analyst, products):
    client.force_login(analyst)

    response = client.get(LIST_URL, {"q": "chips"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert "<html" not in body
    assert "Potato Chips" in body and "Whole Milk" not in body


def test_product_list_keyset_pages(client, analyst, settings):
    settings.DANGOL_PAGE_SIZE = 2
    for i in range(3):
        ProductFactory(sku=f"P{i}")
    client.force_login(analyst)

    first = client.get(LIST_URL, {"q": "p"})
    second = client.get(LIST_URL, {"q": "p", "after": first.context["page"].next_cursor})

    assert (_skus(first), _skus(second)) == (["P2", "P1"], ["P0"])


@pytest.mark.parametrize(
    "params",
    [{"category": "abc"}, {"category": "99999"}, {"after": "-1"}, {"q": "%" * 300}],
)
def test_product_list_bad_query_params_never_fail(client, analyst, products, params):
    client.force_login(analyst)

    assert client.get(LIST_URL, params).status_code == 200
