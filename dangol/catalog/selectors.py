"""Reads of the product catalogue: the product list with search, one product, categories."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from dangol.catalog.models import Category, Product
from dangol.core.customfields.filters import custom_filter_q
from dangol.core.errors import NotFoundError
from dangol.core.pagination import Page, keyset_page_by_id

MAX_QUERY_LENGTH = 100


def product_list(
    *,
    query: str = "",
    category_id: int | None = None,
    active_only: bool = False,
    active: bool | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    custom: dict | None = None,
    definitions: list | None = None,
    after: int | None = None,
    before: int | None = None,
    size: int = 25,
) -> Page:
    """Return a page of products, newest first.

    :param query: part of the name (any case) or the start of the SKU.
    :param category_id: keep products of this category and of its sub-categories.
    :param active: only active (True) or only inactive (False) products; None: both.
    :param price_min: unit price at least this; ``price_max``: at most this.
    :param custom: custom-field filters (``{"cf_<key>[_min|_max]": value}``, see
        ``core.customfields.filters``); ``definitions`` the product fields' definitions
        when the caller has read them.
    :param after: the last id of the page before (next page); ``before`` goes back.
    """
    queryset = Product.objects.all()
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(sku__istartswith=query))
    if category_id is not None:
        category = Category.objects.filter(pk=category_id).only("path").first()
        if category is None:
            queryset = queryset.none()
        else:
            # The path prefix takes the whole sub-tree in one indexed lookup.
            queryset = queryset.filter(
                Q(category_id=category_id) | Q(category__path__startswith=category.path + " > ")
            )
    if active_only:
        queryset = queryset.filter(active=True)
    if active is not None:
        queryset = queryset.filter(active=active)
    if price_min is not None:
        queryset = queryset.filter(unit_price__gte=price_min)
    if price_max is not None:
        queryset = queryset.filter(unit_price__lte=price_max)
    if custom:
        condition = custom_filter_q(entity="product", values=custom, definitions=definitions)
        if condition is not None:
            queryset = queryset.filter(condition)
    page = keyset_page_by_id(
        queryset.select_related("category"), size=size, after=after, before=before
    )
    return page


def product_get(*, pk: int) -> Product:
    """Return the product ``pk`` with its category, or raise ``NotFoundError``."""
    product = Product.objects.select_related("category").filter(pk=pk).first()
    if product is None:
        raise NotFoundError("No such product")
    return product


def category_list() -> list[Category]:
    """Return every category in tree order (by path)."""
    return list(Category.objects.order_by("path"))


def product_get_by_sku(*, sku: str) -> Product:
    """Return the product with ``sku`` (exact); raise ``NotFoundError`` if there is none."""
    product = Product.objects.filter(sku=(sku or "").strip()).first()
    if product is None:
        raise NotFoundError(f"No product with SKU {sku!r}", field="sku")
    return product
