from __future__ import annotations

import datetime as dt

import pytest

from dangol.customers import services
from dangol.customers.errors import ConflictError, CustomerErrorCode, ValidationError
from dangol.customers.models import ConsentEvent, Customer
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_customer_create_normalises_contact_details(admin_user):
    customer = services.customer_create(
        actor=admin_user,
        name=" 김민준 ",
        email=" MinJun.Kim@Example.COM ",
        phone="+82 10-1234-5678",
    )
    assert (customer.name, customer.email, customer.phone_digits) == (
        "김민준",
        "minjun.kim@example.com",
        "01012345678",
    )


def test_customer_create_requires_a_name(admin_user):
    with pytest.raises(ValidationError) as err:
        services.customer_create(actor=admin_user, name="  ")
    assert err.value.field == "name"
    assert Customer.objects.count() == 0


def test_customer_create_rejects_bad_choice_and_writes_nothing(admin_user):
    with pytest.raises(ValidationError) as err:
        services.customer_create(actor=admin_user, name="X", gender="dragon")
    assert err.value.field == "gender"
    assert Customer.objects.count() == 0


def test_customer_create_rejects_duplicate_external_id(admin_user):
    CustomerFactory(external_id="ERP-1")
    with pytest.raises(ValidationError) as err:
        services.customer_create(actor=admin_user, name="Y", external_id="ERP-1")
    assert err.value.code == CustomerErrorCode.DUPLICATE_EXTERNAL_ID


def test_contact_must_belong_to_a_company(admin_user):
    person = CustomerFactory(kind="person")
    with pytest.raises(ValidationError) as err:
        services.customer_create(actor=admin_user, name="Z", company=person)
    assert err.value.code == CustomerErrorCode.INVALID_COMPANY
    company = CustomerFactory(kind="company", name="Acme")
    contact = services.customer_create(actor=admin_user, name="Z", company=company)
    assert list(company.contacts.all()) == [contact]


def test_second_writer_is_told_instead_of_losing_an_update(admin_user):
    customer = CustomerFactory()
    stale = Customer.objects.get(pk=customer.pk)
    services.customer_update(actor=admin_user, customer=customer, city="Jongno-gu")
    with pytest.raises(ConflictError):
        services.customer_update(
            actor=admin_user, customer=stale, expected_version=stale.version, city="Mapo-gu"
        )
    assert Customer.objects.get(pk=customer.pk).city == "Jongno-gu"
    assert Customer.objects.get(pk=customer.pk).version == 2


def test_consent_keeps_time_and_source_of_each_change(admin_user):
    customer = CustomerFactory()
    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    services.customer_consent_set(
        actor=admin_user,
        customer=customer,
        channel="sms",
        granted=True,
        source="store form",
        occurred_at=when,
    )
    services.customer_consent_set(
        actor=admin_user, customer=customer, channel="sms", granted=False, source="call"
    )
    assert customer.consent_sms is False
    events = list(ConsentEvent.objects.filter(customer=customer).order_by("occurred_at"))
    assert [(e.granted, e.source) for e in events] == [(True, "store form"), (False, "call")]
    assert events[0].occurred_at == when


def test_consent_rejects_unknown_channel(admin_user):
    customer = CustomerFactory()
    with pytest.raises(ValidationError) as err:
        services.customer_consent_set(
            actor=admin_user, customer=customer, channel="pigeon", granted=True, source="x"
        )
    assert err.value.field == "channel"
    assert ConsentEvent.objects.count() == 0
