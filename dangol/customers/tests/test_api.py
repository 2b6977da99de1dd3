"""The customers endpoints: the UI's rules through HTTP, problem+json, cursors, locking."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client
from dangol.customers.models import ConsentEvent, Customer
from dangol.customers.tests.factories import CustomerFactory, CustomerGroupFactory
from dangol.sales.models import Order

__all__ = ["clean_throttle"]

LIST = "/api/v1/customers/"


def detail(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/"


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    return token_client(admin_user)


@pytest.mark.django_db
class TestCustomerList:
    def test_walks_every_customer_with_opaque_cursors_and_back(self, admin_api):
        customers = CustomerFactory.create_batch(5)
        ids = sorted((c.pk for c in customers), reverse=True)

        first = admin_api.get(LIST, {"page_size": 2}).json()
        second = admin_api.get(first["next"]).json()
        third = admin_api.get(second["next"]).json()
        back = admin_api.get(LIST, {"page_size": 2, "cursor": third["previous_cursor"]}).json()

        assert [c["id"] for c in first["results"]] == ids[:2]
        assert [c["id"] for c in second["results"]] == ids[2:4]
        assert [c["id"] for c in third["results"]] == ids[4:]
        assert third["next"] is None and third["next_cursor"] is None
        assert [c["id"] for c in back["results"]] == ids[2:4]
        assert first["previous"] is None
        assert "page_size=2" in first["next"]

    def test_filters_and_search_narrow_the_list(self, admin_api):
        wholesale = CustomerGroupFactory(code="wholesale", name="Wholesale")
        kim = CustomerFactory(name="김민준", region="busan", customer_group=wholesale)
        CustomerFactory(name="Lee", region="seoul")

        by_region = admin_api.get(LIST, {"region": "busan"}).json()
        by_group = admin_api.get(LIST, {"customer_group": "wholesale"}).json()
        by_name = admin_api.get(LIST, {"q": "김민"}).json()
        by_email = admin_api.get(LIST, {"q": kim.email}).json()

        assert [c["id"] for c in by_region["results"]] == [kim.pk]
        assert [c["id"] for c in by_group["results"]] == [kim.pk]
        assert [c["id"] for c in by_name["results"]] == [kim.pk]
        assert [c["id"] for c in by_email["results"]] == [kim.pk]
        assert by_region["results"][0]["customer_group"] == "wholesale"

    def test_sales_sees_only_their_own_customers(self, sales, other_sales):
        mine = CustomerFactory(owner=sales)
        CustomerFactory(owner=other_sales)

        body = token_client(sales).get(LIST).json()

        assert [c["id"] for c in body["results"]] == [mine.pk]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"cursor": "not-a-cursor"}, "cursor"),
            ({"page_size": "0"}, "page_size"),
            ({"page_size": "many"}, "page_size"),
            ({"region": "mars"}, "region"),
            ({"owner": "-1"}, "owner"),
            ({"q": "x" * 201}, "q"),
            ({"q": "a\x00b"}, "q"),
        ],
    )
    def test_bad_query_parameters_are_400_problems_naming_the_field(self, admin_api, params, field):
        response = admin_api.get(LIST, params)

        assert response.status_code == 400
        assert response["Content-Type"] == PROBLEM
        body = response.json()
        assert body["status"] == 400
        assert body["title"] == "Bad Request"
        assert list(body["errors"]) == [field]


@pytest.mark.django_db
class TestCustomerWrite:
    def test_create_goes_through_the_service_and_answers_201(self, sales):
        CustomerGroupFactory(code="retail")
        response = token_client(sales).post(
            LIST,
            {"name": "  박서연 ", "email": "SEO@Example.TEST", "customer_group": "retail"},
        )

        assert response.status_code == 201
        body = response.json()
        customer = Customer.objects.get(pk=body["id"])
        assert customer.name == "박서연"
        assert customer.email == "seo@example.test"
        assert customer.owner_id == sales.pk  # the service's rule: sales own what they create
        assert body["owner"] == sales.pk
        assert body["version"] == 1
        assert response["ETag"] == '"1"'

    def test_create_without_name_names_the_field_in_the_asked_language(self, admin_user):
        client = token_client(admin_user)
        korean = client.post(LIST, {"email": "a@b.test"}, HTTP_ACCEPT_LANGUAGE="ko")
        english = client.post(LIST, {"email": "a@b.test"}, HTTP_ACCEPT_LANGUAGE="en")

        assert korean.status_code == english.status_code == 400
        assert korean.json()["errors"] == {"name": ["이 필드는 필수 항목입니다."]}
        assert english.json()["errors"] == {"name": ["This field is required."]}

    def test_service_validation_errors_keep_their_field(self, admin_user):
        CustomerFactory(external_id="DUP-1")

        response = token_client(admin_user).post(LIST, {"name": "X", "external_id": "DUP-1"})

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "duplicate_external_id"
        assert list(body["errors"]) == ["external_id"]

    @pytest.mark.parametrize(
        "payload",
        [
            {"name": "x" * 201},
            {"name": "a\x00b"},
            {"name": "ok", "custom_fields": {"k": "a\x00b"}},
            {"name": "ok", "custom_fields": "not an object"},
            {"name": "ok", "birth_date": "yesterday"},
            {"name": ["a list"]},
            {"name": "ok", "owner": 10**30},
            {"name": "ok", "company": 10**30},
        ],
    )
    def test_hostile_input_is_a_400_not_a_500(self, admin_user, payload):
        response = token_client(admin_user).post(LIST, payload)

        assert response.status_code == 400
        assert response["Content-Type"] == PROBLEM

    def test_lone_surrogate_in_raw_json_is_a_400(self, admin_user):
        response = token_client(admin_user).post(
            LIST, data='{"name": "\\ud800"}', content_type="application/json"
        )

        assert response.status_code == 400

    def test_malformed_json_and_other_media_types_are_problems(self, admin_user):
        client = token_client(admin_user)
        broken = client.post(LIST, data="{", content_type="application/json")
        form = client.post(LIST, data="name=x", content_type="application/x-www-form-urlencoded")

        assert (broken.status_code, broken["Content-Type"]) == (400, PROBLEM)
        assert (form.status_code, form["Content-Type"]) == (415, PROBLEM)

    def test_patch_changes_only_the_given_fields(self, admin_user):
        customer = CustomerFactory(city="Seoul")

        response = token_client(admin_user).patch(
            detail(customer), {"city": "Busan"}, HTTP_IF_MATCH='"1"'
        )

        assert response.status_code == 200
        customer.refresh_from_db()
        assert (customer.city, customer.version) == ("Busan", 2)
        assert response["ETag"] == '"2"'

    def test_patch_without_if_match_or_version_is_428_and_writes_nothing(self, admin_user):
        customer = CustomerFactory(city="Seoul")

        response = token_client(admin_user).patch(detail(customer), {"city": "Busan"})

        assert (response.status_code, response["Content-Type"]) == (428, PROBLEM)
        body = response.json()
        assert body["code"] == "precondition_required"
        assert "If-Match" in body["detail"]
        customer.refresh_from_db()
        assert (customer.city, customer.version) == ("Seoul", 1)

    def test_if_match_star_writes_over_the_current_version_on_purpose(self, admin_user):
        customer = CustomerFactory(city="Seoul", version=4)

        response = token_client(admin_user).patch(
            detail(customer), {"city": "Busan"}, HTTP_IF_MATCH="*"
        )

        assert response.status_code == 200
        customer.refresh_from_db()
        assert (customer.city, customer.version) == ("Busan", 5)

    def test_a_field_the_role_may_not_change_is_403_naming_it(self, marketing):
        customer = CustomerFactory()

        response = token_client(marketing).patch(detail(customer), {"city": "Busan", "version": 1})

        assert response.status_code == 403
        body = response.json()
        assert body["code"] == "field_not_editable"
        assert list(body["errors"]) == ["city"]

    def test_stale_if_match_is_412_and_writes_nothing(self, admin_user):
        customer = CustomerFactory(city="Seoul")
        client = token_client(admin_user)
        etag = client.get(detail(customer))["ETag"]
        client.patch(detail(customer), {"city": "Daegu"}, HTTP_IF_MATCH=etag)

        response = client.patch(detail(customer), {"city": "Busan"}, HTTP_IF_MATCH=etag)

        assert (response.status_code, response["Content-Type"]) == (412, PROBLEM)
        body = response.json()
        assert (body["code"], body["current_version"]) == ("precondition_failed", 2)
        assert "version 2" in body["detail"]
        assert response["ETag"] == '"2"'
        customer.refresh_from_db()
        assert customer.city == "Daegu"

    def test_stale_version_in_the_body_is_409(self, admin_user):
        customer = CustomerFactory(city="Seoul")
        client = token_client(admin_user)
        client.patch(detail(customer), {"city": "Daegu", "version": 1})

        response = client.patch(detail(customer), {"city": "Busan", "version": 1})

        assert response.status_code == 409
        assert response.json()["code"] == "version_conflict"
        customer.refresh_from_db()
        assert customer.city == "Daegu"

    def test_malformed_if_match_is_400(self, admin_user):
        customer = CustomerFactory()

        response = token_client(admin_user).patch(
            detail(customer), {"city": "Busan"}, HTTP_IF_MATCH="yesterday"
        )

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["If-Match"]

    def test_delete_moves_the_customer_to_the_trash(self, manager):
        customer = CustomerFactory(owner=manager)

        client = token_client(manager)
        assert client.delete(detail(customer)).status_code == 428
        assert client.delete(detail(customer), HTTP_IF_MATCH='"7"').json()["current_version"] == 1
        customer.refresh_from_db()
        assert customer.deleted_at is None

        response = client.delete(detail(customer), HTTP_IF_MATCH='"1"')

        assert response.status_code == 204
        customer.refresh_from_db()
        assert customer.deleted_at is not None
        listed = token_client(manager).get("/api/v1/customers/").json()["results"]
        assert [row["id"] for row in listed] == []

    def test_purging_a_customer_with_orders_is_409(self, admin_user):
        customer = CustomerFactory()
        Order.objects.create(number="O-1", customer=customer, channel="store")

        trash = token_client(admin_user).delete(detail(customer), HTTP_IF_MATCH='"1"')
        assert trash.status_code == 204
        response = token_client(admin_user).delete(f"/api/v1/trash/customers/{customer.pk}/")

        assert response.status_code == 409
        assert response.json()["code"] == "has_protected_records"
        assert Customer.objects.filter(pk=customer.pk).exists()

    def test_a_customer_you_cannot_see_is_404(self, sales, other_sales):
        theirs = CustomerFactory(owner=other_sales)

        response = token_client(sales).get(detail(theirs))

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.django_db
class TestCustomerConsent:
    def test_post_records_the_event_and_sets_the_current_consent(self, service):
        customer = CustomerFactory()
        client = token_client(service)

        response = client.post(
            f"{detail(customer)}consents/",
            {"channel": "sms", "granted": True, "source": "call"},
        )
        history = client.get(f"{detail(customer)}consents/").json()

        assert response.status_code == 201
        event = ConsentEvent.objects.get(pk=response.json()["id"])
        assert (event.channel, event.granted, event.actor_id) == ("sms", True, service.pk)
        customer.refresh_from_db()
        assert customer.consent_sms is True
        assert [e["id"] for e in history] == [event.pk]

    def test_unknown_channel_is_400(self, service):
        customer = CustomerFactory()

        response = token_client(service).post(
            f"{detail(customer)}consents/", {"channel": "fax", "granted": True, "source": "x"}
        )

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["channel"]
