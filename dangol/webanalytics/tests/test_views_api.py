"""Report pages, CSV export and API: access by role, bad parameters, schema, content."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.urls import reverse

from dangol.webanalytics.reports import REPORTS
from dangol.webanalytics.tests.store import PERIOD

PAGE = reverse("webanalytics:report", args=["entry-pages"])
CSV = reverse("webanalytics:report_export", args=["entry-pages"])
API = "/api/v1/webanalytics/reports/entry-pages/"


@pytest.mark.parametrize(
    ("role_user", "status"),
    [("admin_user", 200), ("manager", 200), ("marketing", 200), ("analyst", 200),
     ("sales", 403), ("service", 403)],
)  # fmt: skip
def test_who_may_read_reports(request, client, web_store, role_user, status):
    client.force_login(request.getfixturevalue(role_user))
    assert client.get(PAGE, PERIOD).status_code == status
    assert client.get(CSV, PERIOD).status_code == status
    assert client.get(API, PERIOD).status_code == status


def test_anonymous_is_sent_to_login_or_gets_401(client, web_store):
    response = client.get(PAGE, PERIOD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert client.get(CSV, PERIOD).status_code == 302
    assert client.get(API, PERIOD).status_code == 401


def test_page_shows_the_table_and_the_menu(client, analyst, web_store):
    client.force_login(analyst)
    response = client.get(PAGE, PERIOD)
    html = response.content.decode()
    assert "<code>/blog/1</code>" in html
    assert "50.0%" in html  # bounce rate of /
    for slug in REPORTS:
        assert reverse("webanalytics:report", args=[slug]) in html
    partial = client.get(PAGE, PERIOD, headers={"HX-Request": "true"})
    assert "wa-menu" not in partial.content.decode()
    assert "<code>/blog/1</code>" in partial.content.decode()


@pytest.mark.parametrize("slug", list(REPORTS))
def test_every_report_page_renders(client, analyst, web_store, slug):
    client.force_login(analyst)
    query = {**PERIOD, "steps": "/cart,/checkout"} if slug == "funnel" else PERIOD
    response = client.get(reverse("webanalytics:report", args=[slug]), query)
    assert response.status_code == 200
    assert 'id="report-empty"' not in response.content.decode()


def test_empty_state_without_data(client, analyst, data_dir):
    client.force_login(analyst)
    response = client.get(PAGE, PERIOD)
    assert response.status_code == 200
    assert "No web analytics data for these dates yet." in response.content.decode()
    funnel = client.get(reverse("webanalytics:report", args=["funnel"]), PERIOD)
    assert "Enter the pages of the funnel" in funnel.content.decode()


def test_traffic_page_embeds_the_chart_data(client, analyst, web_store):
    client.force_login(analyst)
    html = client.get(reverse("webanalytics:report", args=["traffic"]), PERIOD).content.decode()
    assert 'id="report-chart-data"' in html
    assert "chart.umd.min.js" in html


def test_csv_is_exactly_the_table(client, analyst, web_store):
    client.force_login(analyst)
    response = client.get(CSV, PERIOD)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "webanalytics-entry-pages-2026-10-01-2026-10-10.csv" in response["Content-Disposition"]
    got = list(csv.reader(io.StringIO(response.content.decode())))
    assert got[0] == [
        "path", "visits", "visits_prev", "visits_change",
        "bounce_rate", "bounce_rate_prev", "bounce_rate_change",
    ]  # fmt: skip
    assert got[1:] == [
        ["/", "4", "2", "1.0", "0.5", "0.5", "0.0"],
        ["/blog/1", "1", "0", "", "0.0", "", ""],
        ["/cart", "1", "0", "", "0.0", "", ""],
        ["/products/1", "1", "0", "", "1.0", "", ""],
    ]


def test_csv_of_a_second_table_and_of_visitors(client, analyst, web_store):
    client.force_login(analyst)
    url = reverse("webanalytics:report_export", args=["funnel"])
    response = client.get(url, {**PERIOD, "steps": "/cart,/checkout", "table": "campaigns"})
    got = list(csv.reader(io.StringIO(response.content.decode())))
    assert got[0][:3] == ["utm_campaign", "campaign_id", "entered"]
    assert [row[:4] for row in got[1:]] == [["", "", "2", "1"], ["spring_sale", "7", "1", "1"]]
    assert client.get(url, {**PERIOD, "steps": "/cart", "table": "nope"}).status_code == 400
    visitors = client.get(reverse("webanalytics:report_export", args=["visitors"]), PERIOD)
    rows = list(csv.reader(io.StringIO(visitors.content.decode())))
    assert rows[0][:3] == ["customer_id", "customer_name", "visitor_id"]
    assert [r[0] for r in rows[1:]] == ["101", "202", "", "", ""]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "1' OR '1'='1"}, "date_from"),
        ({"date_to": "20261010"}, "date_to"),
        ({"date_from": "2026-10-10", "date_to": "2026-10-01"}, "date_from"),
        ({"date_from": "1999-12-31", "date_to": "2000-01-01"}, "date_from"),
        ({"date_from": "2020-01-01", "date_to": "2026-01-01"}, "date_from"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "1e3"}, "limit"),
    ],
)
def test_hostile_parameters_are_400_naming_the_parameter(client, analyst, web_store, query, field):
    client.force_login(analyst)
    response = client.get(API, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert list(body["errors"]) == [field]
    page = client.get(PAGE, query)
    assert page.status_code == 400
    assert f"{field}:" in page.content.decode()
    assert client.get(CSV, query).status_code == 400


@pytest.mark.parametrize(
    ("slug", "query", "field"),
    [
        ("technology", {"dimension": "browser; DROP TABLE web_event"}, "dimension"),
        ("traffic", {"grain": "hour"}, "grain"),
        ("channels", {"by": "utm_source"}, "by"),
        ("pages", {"order": "random"}, "order"),
        ("funnel", {"steps": "cart"}, "steps[0]"),
        ("funnel", {"steps": "/cart,/a b"}, "steps[1]"),
        ("funnel", {"steps": "/cart?x=1"}, "steps[0]"),
        ("funnel", {"steps": "/x*y"}, "steps[0]"),
        ("funnel", {"steps": ",".join(f"/p{i}" for i in range(11))}, "steps"),
        ("funnel", {"steps": "/" + "a" * 600}, "steps[0]"),
        ("goals", {"goal": "x" * 101}, "goal"),
    ],
)
def test_hostile_report_choices_are_400(client, analyst, web_store, slug, query, field):
    client.force_login(analyst)
    response = client.get(f"/api/v1/webanalytics/reports/{slug}/", {**PERIOD, **query})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_funnel_api_without_steps_is_400(client, analyst, web_store):
    client.force_login(analyst)
    response = client.get("/api/v1/webanalytics/reports/funnel/", PERIOD)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["steps"]


def test_api_body(client, analyst, web_store):
    client.force_login(analyst)
    body = client.get("/api/v1/webanalytics/reports/traffic/", {**PERIOD, "grain": "week"}).json()
    assert (body["date_from"], body["previous_from"], body["previous_to"]) == (
        "2026-10-01",
        "2026-09-21",
        "2026-09-30",
    )
    assert body["totals"]["visits"]["value"] == 7
    assert body["tables"][0]["columns"][0] == {"key": "period", "label": "Period", "kind": "date"}
    assert body["tables"][0]["rows"][0]["period"] == "2026-09-28"  # the week of 10-01
    funnel = client.get(
        "/api/v1/webanalytics/reports/funnel/", {**PERIOD, "steps": ["/cart", "/checkout"]}
    ).json()
    assert [r["visits"] for r in funnel["tables"][0]["rows"]] == [3, 2]


def test_api_without_store_says_so(client, analyst, data_dir):
    client.force_login(analyst)
    body = client.get(API, PERIOD).json()
    assert (body["has_data"], body["tables"]) == (False, [])


def test_schema_lists_every_report(client, analyst):
    client.force_login(analyst)
    schema = client.get("/api/v1/openapi.json").json()
    for slug in REPORTS:
        operation = schema["paths"][f"/api/v1/webanalytics/reports/{slug}/"]["get"]
        assert operation["operationId"] == f"webanalytics_report_{slug.replace('-', '_')}"
        assert {"date_from", "date_to"} <= {p["name"] for p in operation["parameters"]}
    assert "WebReport" in schema["components"]["schemas"]
