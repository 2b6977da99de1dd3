from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from dangol.webanalytics.ingest import webanalytics_ingest
from dangol.webanalytics.store import web_store_read
from dangol.webanalytics.tests.conftest import CHROME_UA

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example.com"


def post(client, payload, **headers):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers.setdefault("HTTP_USER_AGENT", CHROME_UA)
    return client.generic("POST", "/collect", body, content_type="text/plain", **headers)


def stored(sql="SELECT kind, path, title FROM web_event ORDER BY event_id"):
    webanalytics_ingest()
    with web_store_read() as con:
        return con.execute(sql).fetchall()


def test_a_valid_batch_is_accepted_and_stored(client, site):
    response = post(
        client,
        {
            "site": "shop",
            "events": [
                {
                    "kind": "pageview",
                    "url": SHOP + "/a?q=coat",
                    "title": "A",
                    "screen": "1920x1080",
                    "depth": 24,
                },
                {"kind": "search", "url": SHOP + "/a?q=coat", "search": "coat"},
                {"kind": "outlink", "url": SHOP + "/a", "href": "https://example.org/x"},
                {"kind": "error", "url": SHOP + "/gone", "code": 404},
                {"kind": "goal", "url": SHOP + "/a", "goal": "signup", "value": 10},
            ],
        },
    )
    assert response.status_code == 202
    assert response.json() == {"accepted": 5, "rejected": []}
    rows = stored(
        "SELECT kind, path, site_search, outlink_url, error_code, goal, goal_value, screen,"
        " color_depth, browser, os, device, ip_anon FROM web_event ORDER BY event_id"
    )
    common = ("Chrome", "Windows", "desktop", "127.0.0.0")
    assert rows == [
        ("pageview", "/a", "", "", None, "", None, "1920x1080", 24, *common),
        ("search", "/a", "coat", "", None, "", None, "", None, *common),
        ("outlink", "/a", "", "https://example.org/x", None, "", None, "", None, *common),
        ("error", "/gone", "", "", 404, "", None, "", None, *common),
        ("goal", "/a", "", "", None, "signup", 10.0, "", None, *common),
    ]


def test_a_single_event_without_a_list_is_accepted(client, site):
    response = post(client, {"site": "shop", "kind": "pageview", "url": SHOP + "/"})
    assert (response.status_code, response.json()) == (202, {"accepted": 1, "rejected": []})


def test_a_mixed_batch_keeps_the_valid_events_and_names_the_rejected(client, site):
    events = [
        {"kind": "pageview", "url": SHOP + "/ok-1"},
        {"kind": "nonsense", "url": SHOP + "/"},
        {"kind": "pageview", "url": "javascript:alert(1)"},
        {"kind": "pageview", "url": SHOP + "/" + "x" * 5000},
        {"kind": "pageview", "url": SHOP + "/", "title": 42},
        "not an object",
        {"kind": "pageview", "url": SHOP + "/", "title": "bad\u0000byte"},
        {"kind": "pageview", "url": SHOP + "/", "title": "\ud800"},
        {"kind": "goal", "url": SHOP + "/"},
        {"kind": "error", "url": SHOP + "/", "code": "404"},
        {"kind": "pageview", "url": SHOP + "/", "screen": "<svg/x>"},
        {"kind": "goal", "url": SHOP + "/", "goal": "buy", "value": 1e300},
        {"kind": "pageview", "url": SHOP + "/ok-2", "title": "<script>alert('x')</script>"},
    ]
    response = post(client, {"site": "shop", "events": events})
    assert response.status_code == 202
    assert response.json() == {
        "accepted": 2,
        "rejected": [
            {"index": 1, "reason": "kind: must be one of pageview, outlink, search, error, goal"},
            {"index": 2, "reason": "url: must be an http(s) URL with a host"},
            {"index": 3, "reason": "url: longer than 2048 characters"},
            {"index": 4, "reason": "title: must be a string"},
            {"index": 5, "reason": "event: must be an object"},
            {"index": 6, "reason": "title: contains control characters or invalid Unicode"},
            {"index": 7, "reason": "title: contains control characters or invalid Unicode"},
            {"index": 8, "reason": "goal: required"},
            {"index": 9, "reason": "code: must be a whole number from 400 to 599"},
            {"index": 10, "reason": "screen: must look like 1920x1080"},
            {"index": 11, "reason": "value: out of range"},
        ],
    }
    # The script tag is kept as text, byte for byte; showing it safely is the report's job.
    assert stored() == [
        ("pageview", "/ok-1", ""),
        ("pageview", "/ok-2", "<script>alert('x')</script>"),
    ]


def test_a_batch_without_a_valid_event_is_400(client, site):
    response = post(client, {"site": "shop", "events": [{"kind": "pageview"}]})
    assert response.status_code == 400
    assert response.json() == {
        "accepted": 0,
        "rejected": [{"index": 0, "reason": "url: required"}],
        "error": "no_valid_event",
    }


def test_a_ten_megabyte_body_is_413_and_not_read(client, site):
    body = json.dumps({"site": "shop", "events": [], "pad": "x" * 10_000_000}).encode()
    response = post(client, body)
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_too_many_events_is_413(client, site):
    events = [{"kind": "pageview", "url": SHOP + "/"}] * 101
    response = post(client, {"site": "shop", "events": events})
    assert (response.status_code, response.json()["error"]) == (413, "too_many_events")
    assert stored() == []


def test_invalid_utf8_is_400(client, site):
    response = post(client, b'{"site": "shop", "kind": "pageview", "url": "https://x.y/\xff\xfe"}')
    assert response.status_code == 400
    assert response.json()["error"] == "bad_encoding"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "bad_json"),
        (b"[1, 2]", "bad_json"),
        (b'{"site": "nope", "kind": "pageview", "url": "https://a.b/"}', "unknown_site"),
        (b'{"kind": "pageview", "url": "https://a.b/"}', "unknown_site"),
        (b'{"site": "shop", "events": {"kind": "pageview"}}', "bad_json"),
    ],
)
def test_malformed_bodies_are_400_with_the_reason(client, site, body, error):
    response = post(client, body)
    assert (response.status_code, response.json()["error"]) == (400, error)


def test_origins_are_checked_and_allowed_ones_get_cors(client, site):
    payload = {"site": "shop", "kind": "pageview", "url": SHOP + "/"}
    refused = post(client, payload, HTTP_ORIGIN="https://evil.example.net")
    assert (refused.status_code, refused.json()["error"]) == (403, "origin_not_allowed")
    allowed = post(client, payload, HTTP_ORIGIN=SHOP)
    assert allowed.status_code == 202
    assert allowed["Access-Control-Allow-Origin"] == SHOP
    preflight = client.options("/collect?site=shop", HTTP_ORIGIN=SHOP)
    assert (preflight.status_code, preflight["Access-Control-Allow-Origin"]) == (204, SHOP)


def test_do_not_track_and_bots_are_not_recorded(client, site):
    payload = {"site": "shop", "kind": "pageview", "url": SHOP + "/"}
    dnt = post(client, payload, HTTP_DNT="1")
    assert dnt.json() == {"accepted": 0, "rejected": [], "ignored": "do_not_track"}
    bot = post(client, payload, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1)")
    assert bot.json() == {"accepted": 0, "rejected": [], "ignored": "bot"}
    assert stored() == []


def test_get_is_405(client, site):
    assert client.get("/collect").status_code == 405


def test_the_campaign_token_is_taken_off_the_stored_url(client, site):
    post(client, {"site": "shop", "kind": "pageview", "url": SHOP + "/a?x=1&dg_t=abc"})
    assert stored("SELECT url FROM web_event") == [(SHOP + "/a?x=1",)]


def test_the_tracker_is_under_3_kb_gzipped():
    path = Path(__file__).parents[1] / "static" / "webanalytics" / "dangol.js"
    size = len(gzip.compress(path.read_bytes(), compresslevel=9))
    assert size < 3 * 1024, size
    assert "document.cookie" not in path.read_text()


def test_the_wsgi_fast_path_answers_like_the_view(site):
    """Anonymous tracker POSTs skip the middleware stack; the answer is the same."""
    import io

    from dangol.webanalytics.wsgi import CollectFastPath

    def django_app(environ, start_response):  # must not be reached
        raise AssertionError(environ["PATH_INFO"])

    app = CollectFastPath(django_app)
    body = json.dumps(
        {"site": "shop", "events": [{"kind": "pageview", "url": SHOP + "/"}, {"kind": "x"}]}
    ).encode()
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    environ = {
        "PATH_INFO": "/collect",
        "REQUEST_METHOD": "POST",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "REMOTE_ADDR": "203.0.113.5",
        "HTTP_USER_AGENT": CHROME_UA,
        "HTTP_ORIGIN": SHOP,
    }
    out = b"".join(app(environ, start_response))
    assert seen["status"] == "202 Accepted"
    assert seen["headers"]["Access-Control-Allow-Origin"] == SHOP
    assert json.loads(out) == {
        "accepted": 1,
        "rejected": [
            {"index": 1, "reason": "kind: must be one of pageview, outlink, search, error, goal"}
        ],
    }
    assert stored() == [("pageview", "/", "")]
    # With a session cookie (a portal customer) the request goes through Django.
    environ.update(HTTP_COOKIE="sessionid=abc", **{"wsgi.input": io.BytesIO(body)})
    with pytest.raises(AssertionError, match="/collect"):
        app(environ, start_response)
