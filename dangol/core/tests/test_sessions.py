"""The session engine reads live sessions as Django's ``db`` engine does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from dangol.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_project_uses_it():
    assert settings.SESSION_ENGINE == "dangol.core.sessions"


def test_a_session_round_trips_and_an_expired_one_is_empty():
    store = SessionStore()
    store["x"] = 1
    store.save()
    for _ in range(3):  # the first read prepares, the next ones reuse
        assert SessionStore(store.session_key).load() == {"x": 1}
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    again = SessionStore(store.session_key)
    assert again.load() == {}
    assert again.session_key is None
    assert SessionStore("no-such-session-key").load() == {}


def test_signed_in_pages_work_and_logout_ends_the_session(client, sales):
    client.force_login(sales)
    home = reverse("customers:list")
    assert client.get(home).status_code == 200
    assert client.get(home).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(home).status_code == 302
