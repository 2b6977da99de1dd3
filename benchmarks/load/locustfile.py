"""Locust users for the load test (issue 9 §4); run through ``run_load.py``.

``run_load.py`` writes a JSON file (path in ``DANGOL_LOAD_DATA``) with session cookies of
signed-in staff, an API token, customer ids each of them may see and search prefixes
taken from the data. Two user classes:

- ``StaffUser``: what people and API clients do all day: the customer 360 page, the
  customer search (list with ``q=``: a name, e-mail or phone prefix) and API reads.
- ``StaticUser``: the same load against a small static file served by WhiteNoise, the
  same-run baseline (the cost of the server, the network stack and Locust itself).

Every user waits ``DANGOL_LOAD_WAIT`` seconds ("min,max", default "1,2") between requests, as
a person reading a page would; a response that is not 200 with the expected body counts as an
error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

DATA = json.loads(Path(os.environ["DANGOL_LOAD_DATA"]).read_text())
_low, _high = (float(x) for x in os.environ.get("DANGOL_LOAD_WAIT", "1,2").split(","))
_sessions = itertools.cycle(DATA["sessions"])


class StaffUser(FastHttpUser):
    """A signed-in staff member (or an API client) reading customers."""

    wait_time = between(_low, _high)

    def on_start(self) -> None:
        session = next(_sessions)
        self.ids = session["ids"]
        self.cookie_header = {"Cookie": f"{DATA['cookie_name']}={session['cookie']}"}
        self.api_header = {"Authorization": f"Bearer {DATA['token']}"}
        self.rng = random.Random()

    def _get(self, url: str, *, name: str, headers: dict, expect: str) -> None:
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif expect not in (response.text or ""):
                response.failure(f"{expect!r} missing from the body")

    @task(4)
    def customer_360(self) -> None:
        pk = self.rng.choice(self.ids)
        self._get(
            f"/customers/{pk}/",
            name="360 /customers/[id]/",
            headers=self.cookie_header,
            expect="</html>",
        )

    @task(3)
    def customer_search(self) -> None:
        kind = self.rng.choice(("name", "email", "phone"))
        prefix = self.rng.choice(DATA["prefixes"][kind])
        self._get(
            f"/customers/?q={_quote(prefix)}",
            name=f"search /customers/?q=[{kind}]",
            headers=self.cookie_header,
            expect="</html>",
        )

    @task(2)
    def api_list(self) -> None:
        if self.rng.random() < 0.5:
            kind = self.rng.choice(("name", "email", "phone"))
            url = f"/api/v1/customers/?q={_quote(self.rng.choice(DATA['prefixes'][kind]))}"
            name = "api /api/v1/customers/?q=[...]"
        else:
            url = f"/api/v1/customers/?region={self.rng.choice(DATA['regions'])}&size=50"
            name = "api /api/v1/customers/?region=[...]"
        self._get(url, name=name, headers=self.api_header, expect='"results"')

    @task(2)
    def api_detail(self) -> None:
        pk = self.rng.choice(DATA["api_ids"])
        self._get(
            f"/api/v1/customers/{pk}/",
            name="api /api/v1/customers/[id]/",
            headers=self.api_header,
            expect='"id"',
        )


class StaticUser(FastHttpUser):
    """The baseline: the same users and waits fetching one small static file."""

    wait_time = between(_low, _high)

    @task
    def static_file(self) -> None:
        url = DATA["static_url"]
        with self.client.get(url, name="baseline static file", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
