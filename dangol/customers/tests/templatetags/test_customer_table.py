"""``{% customer_rows %}`` prints what the list's row template printed, escaped the same."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from dangol.accounts.tests.factories import UserFactory
from dangol.core.customfields.models import CustomFieldDefinition
from dangol.customers.choices import CustomerKind, LifecycleStatus, Region
from dangol.customers.models import Customer
from dangol.customers.templatetags.customer_table import customer_rows
from dangol.customers.tests.factories import CustomerFactory, CustomerGroupFactory

pytestmark = pytest.mark.django_db

# The row template the tag replaced, kept here as the reference it must agree with.
REFERENCE = Template(
    """{% load custom_fields %}{% for customer in customers %}
      <tr>
        <td><a class="strong" href="{% url 'customers:detail' customer.pk %}">{{ customer.name }}</a>{% if customer.external_id %}<div class="muted small">{{ customer.external_id }}</div>{% endif %}</td>
        <td>{{ customer.get_kind_display }}</td>
        <td>{% if customer.customer_group %}{% if LANGUAGE_CODE == "ko" and customer.customer_group.name_ko %}{{ customer.customer_group.name_ko }}{% else %}{{ customer.customer_group.name }}{% endif %}{% else %}<span class="muted">—</span>{% endif %}</td>
        <td>{{ customer.get_region_display|default:"—" }}{% if customer.city %} · {{ customer.city }}{% endif %}</td>
        <td><span class="badge status-{{ customer.status }}">{{ customer.get_status_display }}</span></td>
        <td>{{ customer.owner|default:"—" }}</td>
        <td>{{ customer.email|default:"—" }}</td>
        <td class="nowrap">{{ customer.phone|default:"—" }}</td>
        {% for d in custom_columns %}<td>{{ customer|custom_value:d|default:"—" }}</td>{% endfor %}
      </tr>{% endfor %}"""  # noqa: E501
)

HOSTILE = "<script>alert('x')</script> & \"Kim\" 김"


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def _customers() -> list[Customer]:
    owner = UserFactory(first_name="<b>Min</b>", last_name="")
    group = CustomerGroupFactory(code="vip", name="VIP <i>", name_ko="우수 <i>")
    plain = CustomerGroupFactory(code="plain", name="Plain", name_ko="")
    CustomerFactory(name=HOSTILE, external_id="", city="", owner=owner, customer_group=group)
    CustomerFactory(
        name="Lee",
        kind=CustomerKind.COMPANY,
        region=Region.BUSAN,
        status=LifecycleStatus.LEAD,
        email="",
        phone="",
        customer_group=None,
        custom_fields={"budget": 1500, "grade": "<A>", "wood": "oak"},
    )
    CustomerFactory(
        name="Park", external_id="X&1", region="", customer_group=plain, custom_fields={}
    )
    return list(Customer.objects.select_related("customer_group", "owner").order_by("-id"))


def _columns() -> list[CustomFieldDefinition]:
    made = [
        CustomFieldDefinition.objects.create(
            entity="customer", key=key, label=key, field_type=kind, show_in_list=True, **extra
        )
        for key, kind, extra in (
            ("budget", "number", {}),
            ("grade", "text", {}),
            ("wood", "choice", {"choices": [{"value": "oak", "label": "Oak & <ash>"}]}),
        )
    ]
    return made


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_rows_match_the_row_template(language):
    customers, columns = _customers(), _columns()
    with translation.override(language):
        expected = REFERENCE.render(
            Context({"customers": customers, "custom_columns": columns, "LANGUAGE_CODE": language})
        )
        rows = customer_rows(customers, columns)

    assert _squeeze(rows) == _squeeze(expected)
    assert "<script>" not in rows
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Kim&quot; 김" in rows
    assert rows.count("<tr>") == 3


def test_no_customers_no_rows():
    assert customer_rows([], []) == ""
