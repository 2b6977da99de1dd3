from __future__ import annotations

import pytest

from dangol.catalog import selectors
from dangol.catalog.tests.factories import CategoryFactory, ProductFactory
from dangol.core.errors import NotFoundError

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    dairy = CategoryFactory(name="Dairy")
    milk = CategoryFactory(name="Milk", parent=dairy)
    dairy_free = CategoryFactory(name="Dairy-free")  # shares the prefix "Dairy"
    return dairy, milk, dairy_free


def _skus(page):
    return [p.sku for p in page.items]


def test_product_list_searches_name_anywhere_and_sku_prefix(tree):
    dairy, milk, _ = tree
    ProductFactory(sku="MLK-001", name="Organic Whole Milk", category=milk)
    ProductFactory(sku="CHS-001", name="Cheddar", category=dairy)
    ProductFactory(sku="XMLK-9", name="Soap", category=dairy)

    assert _skus(selectors.product_list(query="milk")) == ["MLK-001"]
    assert _skus(selectors.product_list(query="chs")) == ["CHS-001"]
    assert _skus(selectors.product_list(query="  WHOLE ")) == ["MLK-001"]
    assert _skus(selectors.product_list(query="nothing")) == []


def test_product_list_category_includes_subcategories_only(tree):
    dairy, milk, dairy_free = tree
    ProductFactory(sku="P1", category=dairy)
    ProductFactory(sku="P2", category=milk)
    ProductFactory(sku="P3", category=dairy_free)

    assert _skus(selectors.product_list(category_id=dairy.pk)) == ["P2", "P1"]
    assert _skus(selectors.product_list(category_id=milk.pk)) == ["P2"]
    assert _skus(selectors.product_list(category_id=999999)) == []


def test_product_list_keyset_pages(tree):
    for i in range(5):
        ProductFactory(sku=f"K{i}", category=tree[0])

    first = selectors.product_list(size=2)
    second = selectors.product_list(size=2, after=first.next_cursor)
    last = selectors.product_list(size=2, after=second.next_cursor)

    assert (_skus(first), _skus(second), _skus(last)) == (["K4", "K3"], ["K2", "K1"], ["K0"])
    assert last.has_next is False
    assert _skus(selectors.product_list(size=2, before=second.prev_cursor)) == ["K4", "K3"]


def test_product_list_active_only(tree):
    ProductFactory(sku="ON", category=tree[0])
    ProductFactory(sku="OFF", category=tree[0], active=False)

    assert _skus(selectors.product_list(active_only=True)) == ["ON"]


def test_product_get_and_category_list(tree):
    product = ProductFactory(sku="G1", category=tree[1])

    assert selectors.product_get(pk=product.pk).category.path == "Dairy > Milk"
    with pytest.raises(NotFoundError):
        selectors.product_get(pk=product.pk + 1)
    assert [c.path for c in selectors.category_list()] == ["Dairy", "Dairy > Milk", "Dairy-free"]
