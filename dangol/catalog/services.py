"""Writes to the product catalogue. Every caller (UI, admin, API, imports) goes through here.

Only administrators and managers change products and categories; everyone else reads them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from dangol.accounts.roles import Role, user_role
from dangol.catalog.errors import CatalogErrorCode, PermissionDeniedError, ValidationError
from dangol.catalog.models import CATEGORY_PATH_SEPARATOR, Category, Product
from dangol.core.customfields.validation import custom_fields_clean
from dangol.core.money import amount_parse

ROLES_WRITING_CATALOG = frozenset({Role.ADMIN, Role.MANAGER})
PRODUCT_FIELDS = frozenset(
    {"sku", "name", "category", "unit_price", "unit_cost", "active", "custom_fields"}
)
# Field sizes of the models, checked here so the error names the field instead of
# surfacing as a database error (PostgreSQL) or being stored whole (SQLite).
SKU_MAX = Product._meta.get_field("sku").max_length
PRODUCT_NAME_MAX = Product._meta.get_field("name").max_length
CATEGORY_NAME_MAX = Category._meta.get_field("name").max_length
CATEGORY_PATH_MAX = Category._meta.get_field("path").max_length


def can_write_catalog(user) -> bool:
    """Return whether ``user`` may create or change products and categories."""
    return user_role(user) in ROLES_WRITING_CATALOG


def _require_writer(actor) -> None:
    if not can_write_catalog(actor):
        raise PermissionDeniedError(
            "Only administrators and managers may change the catalogue",
            code=CatalogErrorCode.PERMISSION_DENIED,
        )


def _text(value: Any, *, field: str, max_length: int, label: str) -> str:
    """Return ``value`` stripped, or raise if it is empty or longer than ``max_length``."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValidationError(f"{label} is required", code=CatalogErrorCode.REQUIRED, field=field)
    if len(text) > max_length:
        raise ValidationError(
            f"{label} is {len(text)} characters long; the limit is {max_length}",
            code=CatalogErrorCode.TOO_LONG,
            field=field,
        )
    return text


def parse_amount(value: Any, *, field: str) -> Decimal:
    """Return ``value`` as a product amount (see ``dangol.core.money.amount_parse``)."""
    return amount_parse(
        value,
        field=field,
        invalid_code=CatalogErrorCode.INVALID_AMOUNT,
        negative_code=CatalogErrorCode.NEGATIVE_AMOUNT,
    )


def _split_path(path: str) -> list[str]:
    """Return the segment names of a category path ("Dairy > Milk" -> ["Dairy", "Milk"])."""
    if not isinstance(path, str) or not path.strip():
        raise ValidationError(
            "A category path is required", code=CatalogErrorCode.REQUIRED, field="category"
        )
    names = [segment.strip() for segment in path.split(">")]
    if any(not name for name in names):
        raise ValidationError(
            f"The category path {path!r} has an empty segment; write it like "
            f"'Dairy > Milk > Organic'",
            code=CatalogErrorCode.EMPTY_CATEGORY_SEGMENT,
            field="category",
        )
    for name in names:
        _text(name, field="category", max_length=CATEGORY_NAME_MAX, label="A category name")
    if len(CATEGORY_PATH_SEPARATOR.join(names)) > CATEGORY_PATH_MAX:
        raise ValidationError(
            f"The category path is longer than {CATEGORY_PATH_MAX} characters",
            code=CatalogErrorCode.TOO_LONG,
            field="category",
        )
    return names


def _child_get_or_create(*, parent: Category | None, name: str) -> Category:
    """Return the child ``name`` of ``parent`` (a root when ``None``), creating it if missing."""
    path = name if parent is None else f"{parent.path}{CATEGORY_PATH_SEPARATOR}{name}"
    existing = Category.objects.filter(path=path).first()
    if existing is not None:
        return existing
    try:
        # A savepoint, so that losing a race to a concurrent writer leaves the outer
        # transaction usable and we can read the winner's row.
        with transaction.atomic():
            return Category.objects.create(
                parent=parent, name=name, path=path, depth=0 if parent is None else parent.depth + 1
            )
    except IntegrityError:
        return Category.objects.get(path=path)


@transaction.atomic
def category_get_or_create_path(*, path: str) -> Category:
    """Return the leaf of ``path`` ("Dairy > Milk > Organic"), creating missing nodes.

    Segments are separated by ``>`` and stripped, so "Dairy>Milk" and "Dairy > Milk" name
    the same node. The caller checks permissions (imports and ``product_create`` do).

    :raises ValidationError: the path is empty, has an empty segment or is too long.
    """
    node: Category | None = None
    for name in _split_path(path):
        node = _child_get_or_create(parent=node, name=name)
    assert node is not None  # _split_path returns at least one name
    return node


@transaction.atomic
def category_create(*, actor, name: str, parent: Category | None = None) -> Category:
    """Create the category ``name`` under ``parent`` (a root when ``None``) and return it.

    :raises PermissionDeniedError: the actor is neither an administrator nor a manager.
    :raises ValidationError: the name is empty, contains ``>``, or already exists there.
    """
    _require_writer(actor)
    name = _text(name, field="name", max_length=CATEGORY_NAME_MAX, label="A category name")
    if ">" in name:
        raise ValidationError(
            "A category name may not contain '>' (it separates the levels of a path)",
            code=CatalogErrorCode.INVALID,
            field="name",
        )
    if parent is not None and parent.pk is None:
        raise ValidationError(
            "The parent category is not saved", code=CatalogErrorCode.INVALID, field="parent"
        )
    path = name if parent is None else f"{parent.path}{CATEGORY_PATH_SEPARATOR}{name}"
    if len(path) > CATEGORY_PATH_MAX:
        raise ValidationError(
            f"The category path is longer than {CATEGORY_PATH_MAX} characters",
            code=CatalogErrorCode.TOO_LONG,
            field="name",
        )
    if Category.objects.filter(path=path).exists():
        raise ValidationError(
            f"The category {path!r} already exists",
            code=CatalogErrorCode.DUPLICATE_CATEGORY,
            field="name",
        )
    return Category.objects.create(
        parent=parent, name=name, path=path, depth=0 if parent is None else parent.depth + 1
    )


def _resolve_category(category: Category | str | None) -> Category | None:
    """Return the category named by an instance, a path or ``None``."""
    if category is None or category == "":
        return None
    if isinstance(category, Category):
        if category.pk is None:
            raise ValidationError(
                "The category is not saved", code=CatalogErrorCode.INVALID, field="category"
            )
        return category
    if isinstance(category, str):
        return category_get_or_create_path(path=category)
    raise ValidationError(
        f"category must be a Category, a path or None, got {type(category).__name__}",
        code=CatalogErrorCode.INVALID,
        field="category",
    )


def _clean_product_fields(fields: dict[str, Any], *, product: Product | None) -> dict[str, Any]:
    """Return ``fields`` validated and normalised; raise on the first bad one.

    The category is returned unresolved so that no category is created before every
    other field has passed.
    """
    unknown = sorted(set(fields) - PRODUCT_FIELDS)
    if unknown:
        raise ValidationError(
            f"Unknown product field {unknown[0]!r}", code=CatalogErrorCode.INVALID, field=unknown[0]
        )
    clean: dict[str, Any] = dict(fields)
    if "sku" in fields:
        clean["sku"] = _text(fields["sku"], field="sku", max_length=SKU_MAX, label="The SKU")
        taken = Product.objects.filter(sku=clean["sku"])
        if product is not None:
            taken = taken.exclude(pk=product.pk)
        if taken.exists():
            raise ValidationError(
                f"The SKU {clean['sku']!r} is already used by another product",
                code=CatalogErrorCode.DUPLICATE_SKU,
                field="sku",
            )
    if "name" in fields:
        clean["name"] = _text(
            fields["name"], field="name", max_length=PRODUCT_NAME_MAX, label="The name"
        )
    for field in ("unit_price", "unit_cost"):
        # The cost may exceed the price (a loss leader); both must be amounts >= 0.
        if field in fields:
            clean[field] = parse_amount(fields[field], field=field)
    if "active" in fields and not isinstance(fields["active"], bool):
        raise ValidationError(
            "active must be true or false", code=CatalogErrorCode.INVALID, field="active"
        )
    if "custom_fields" in fields and not isinstance(fields["custom_fields"], dict):
        raise ValidationError(
            "custom_fields must be a mapping", code=CatalogErrorCode.INVALID, field="custom_fields"
        )
    if "custom_fields" in fields:
        clean["custom_fields"] = custom_fields_clean(
            entity="product",
            values=fields["custom_fields"],
            partial=product is not None,
            existing=product.custom_fields if product is not None else None,
        )
    if "category" in fields and isinstance(fields["category"], str) and fields["category"]:
        _split_path(fields["category"])
    return clean


def _save(product: Product, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            product.save(**kwargs)
    except IntegrityError as exc:
        # A concurrent writer took the SKU between our check and the insert.
        raise ValidationError(
            f"The product could not be saved: {exc}", code=CatalogErrorCode.INVALID
        ) from exc


@transaction.atomic
def product_create(
    *,
    actor,
    sku: str,
    name: str,
    unit_price: Decimal | int | str,
    unit_cost: Decimal | int | str,
    category: Category | str | None = None,
    active: bool = True,
    custom_fields: dict[str, Any] | None = None,
) -> Product:
    """Create a product on behalf of ``actor`` and return it.

    :param category: a ``Category``, a path such as "Dairy > Milk" (missing levels are
        created), or ``None``.
    :param unit_price: the list price, an amount >= 0 (Decimal, int or numeric string).
    :param unit_cost: what one unit costs the business, >= 0; it may exceed the price.
    :raises PermissionDeniedError: the actor is neither an administrator nor a manager.
    :raises ValidationError: a field is missing or malformed; nothing is written.
    """
    _require_writer(actor)
    clean = _clean_product_fields(
        {
            "sku": sku,
            "name": name,
            "category": category,
            "unit_price": unit_price,
            "unit_cost": unit_cost,
            "active": active,
            "custom_fields": custom_fields if custom_fields is not None else {},
        },
        product=None,
    )
    clean["category"] = _resolve_category(clean["category"])
    product = Product(**clean)
    _save(product)
    return product


@transaction.atomic
def product_update(*, actor, product: Product, **changes: Any) -> Product:
    """Change fields of ``product`` on behalf of ``actor`` and return it.

    :param changes: any of sku, name, category (instance, path or ``None``), unit_price,
        unit_cost, active, custom_fields.
    :raises PermissionDeniedError: the actor is neither an administrator nor a manager.
    :raises ValidationError: a value is malformed; nothing is written.
    """
    _require_writer(actor)
    clean = _clean_product_fields(changes, product=product)
    if not clean:
        return product
    if "category" in clean:
        clean["category"] = _resolve_category(clean["category"])
    for field, value in clean.items():
        setattr(product, field, value)
    _save(product, update_fields=[*clean, "updated_at"])
    return product
