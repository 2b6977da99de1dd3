from __future__ import annotations

from decimal import Decimal

import factory

from dangol.catalog.models import Category, Product


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("path",)

    parent = None
    name = factory.Sequence(lambda n: f"Category {n}")
    path = factory.LazyAttribute(lambda c: f"{c.parent.path} > {c.name}" if c.parent else c.name)
    depth = factory.LazyAttribute(lambda c: c.parent.depth + 1 if c.parent else 0)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    unit_price = Decimal("1000.00")
    unit_cost = Decimal("600.00")
