"""API tokens: shown once, stored hashed, revocable, and managed over the API and CLI."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from dangol.accounts.models import ApiToken
from dangol.accounts.services import api_token_create, api_token_revoke
from dangol.core.tests.api_support import PROBLEM, clean_throttle, token_client

__all__ = ["clean_throttle"]

CUSTOMERS = "/api/v1/customers/"


def bearer(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.mark.django_db
class TestTokenStorage:
    def test_only_the_sha256_of_the_token_is_stored(self, sales):
        token, plaintext = api_token_create(user=sales, name="ERP sync")

        assert len(plaintext) == 43  # 32 random bytes, URL-safe base64
        assert token.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert token.prefix == plaintext[:8]
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM accounts_apitoken")
            stored = [str(value) for row in cursor.fetchall() for value in row]
        assert not any(plaintext in value for value in stored)

    def test_a_token_authenticates_as_its_user_and_records_its_use(self, sales):
        token, plaintext = api_token_create(user=sales, name="ERP sync")

        response = bearer(plaintext).get(CUSTOMERS)

        assert response.status_code == 200
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_a_revoked_token_is_401_at_once(self, sales):
        token, plaintext = api_token_create(user=sales, name="ERP sync")
        client = bearer(plaintext)
        assert client.get(CUSTOMERS).status_code == 200

        api_token_revoke(token=token)
        response = client.get(CUSTOMERS)

        assert response.status_code == 401
        assert response["Content-Type"] == PROBLEM
        assert response.json()["code"] == "authentication_failed"

    @pytest.mark.parametrize(
        "header",
        ["Bearer", "Bearer a b", "Bearer not-a-real-token", "Bearer " + "x" * 5000],
    )
    def test_malformed_or_unknown_tokens_are_401(self, sales, header):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)

        response = client.get(CUSTOMERS)

        assert response.status_code == 401
        assert response["Content-Type"] == PROBLEM

    def test_a_deactivated_users_token_is_401(self, sales):
        _token, plaintext = api_token_create(user=sales, name="ERP sync")
        sales.is_active = False
        sales.save()

        assert bearer(plaintext).get(CUSTOMERS).status_code == 401

    def test_an_empty_name_is_refused(self, sales):
        from dangol.accounts.errors import ValidationError

        with pytest.raises(ValidationError) as caught:
            api_token_create(user=sales, name="  ")

        assert caught.value.field == "name"


@pytest.mark.django_db
class TestTokenApi:
    def test_create_shows_the_secret_once_and_it_works(self, marketing):
        client = token_client(marketing)

        created = client.post("/api/v1/tokens/", {"name": "Newsletter tool"})
        listed = client.get("/api/v1/tokens/").json()

        assert created.status_code == 201
        body = created.json()
        assert body["name"] == "Newsletter tool"
        assert body["prefix"] == body["token"][:8]
        assert all("token" not in item for item in listed)
        assert [item["name"] for item in listed] == ["Newsletter tool", "test"]
        assert bearer(body["token"]).get(CUSTOMERS).status_code == 200

    def test_revoke_own_token_over_the_api(self, marketing):
        client = token_client(marketing)
        token, plaintext = api_token_create(user=marketing, name="old")

        response = client.delete(f"/api/v1/tokens/{token.pk}/")

        assert response.status_code == 204
        assert bearer(plaintext).get(CUSTOMERS).status_code == 401
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_someone_elses_token_does_not_exist_for_you(self, marketing, analyst):
        theirs, plaintext = api_token_create(user=analyst, name="theirs")

        response = token_client(marketing).delete(f"/api/v1/tokens/{theirs.pk}/")

        assert response.status_code == 404
        assert bearer(plaintext).get(CUSTOMERS).status_code == 200


@pytest.mark.django_db
class TestApiTokenCommand:
    def test_create_list_and_revoke(self, sales):
        out = StringIO()
        call_command("apitoken", "create", "sales", "--name", "ERP", stdout=out)
        plaintext = out.getvalue().strip().splitlines()[-1]
        token = ApiToken.objects.get(user=sales)
        assert bearer(plaintext).get(CUSTOMERS).status_code == 200

        listing = StringIO()
        call_command("apitoken", "list", "sales", stdout=listing)
        call_command("apitoken", "revoke", str(token.pk), stdout=StringIO())

        assert listing.getvalue().split("\t")[:4] == [
            str(token.pk),
            "sales",
            f"{token.prefix}…",
            "ERP",
        ]
        assert bearer(plaintext).get(CUSTOMERS).status_code == 401

    def test_unknown_user_or_token_fails_cleanly(self, db):
        with pytest.raises(CommandError, match="No user 'ghost'"):
            call_command("apitoken", "create", "ghost", "--name", "x")
        with pytest.raises(CommandError, match="No such API token"):
            call_command("apitoken", "revoke", "999999")
