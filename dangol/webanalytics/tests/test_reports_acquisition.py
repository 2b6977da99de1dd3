"""Exact figures of channels, search, site search, technology and visitors (store.py)."""

from __future__ import annotations

from dangol.webanalytics.tests.test_reports_pages import rows


def test_channels(web_store):
    got = rows("channels")
    assert [(r["channel"], r["visits"], r["conversions"], r["goal_value"]) for r in got] == [
        ("direct", 3, 1, 50000.0),  # visits 1, 6, 7
        ("search", 2, 0, 0.0),
        ("campaign", 1, 1, 30000.0),
        ("social", 1, 0, 0.0),
    ]
    direct = got[0]
    assert (direct["visits_prev"], direct["visits_change"]) == (1, 2.0)
    assert (direct["bounce_rate"], direct["conversion_rate"]) == (0.333333, 0.333333)


def test_referrers_and_campaigns(web_store):
    referrers = rows("channels", by="referrer")
    assert [(r["channel"], r["referrer"], r["visits"]) for r in referrers] == [
        ("direct", "", 3),
        ("campaign", "newsletter", 1),
        ("search", "Google", 1),
        ("search", "Naver", 1),
        ("social", "Facebook", 1),
    ]
    campaigns = rows("channels", by="campaign")
    assert [(r["campaign"], r["source"], r["medium"], r["visits"]) for r in campaigns] == [
        ("spring_sale", "newsletter", "email", 1)
    ]


def test_search_engines_and_keywords(web_store):
    engines = rows("search", by="engine")
    assert [(r["engine"], r["visits"], r["visits_prev"]) for r in engines] == [
        ("Google", 1, 0),
        ("Naver", 1, 1),
    ]
    keywords = rows("search", by="keyword")
    assert [(r["keyword"], r["visits"], r["visits_prev"]) for r in keywords] == [
        ("", 1, 0),  # not provided
        ("운동화", 1, 1),
    ]


def test_site_search_terms_are_trimmed_and_lowercased(web_store):
    assert [(r["term"], r["searches"], r["visits"]) for r in rows("site-search")] == [
        ("shoes", 2, 2)
    ]


def test_technology(web_store):
    browsers = rows("technology", dimension="browser")
    assert [(r["value"], r["visits"], r["share"], r["share_prev"]) for r in browsers] == [
        ("Chrome", 6, 0.857143, 1.0),
        ("Safari", 1, 0.142857, 0.0),
    ]
    devices = rows("technology", dimension="device")
    assert [(r["value"], r["visits"]) for r in devices] == [("desktop", 6), ("mobile", 1)]
    screens = rows("technology", dimension="screen")
    assert [r["value"] for r in screens] == ["1920x1080", "390x844"]
    systems = rows("technology", dimension="os")
    assert [r["value"] for r in systems] == ["Windows", "iOS"]


def test_known_customers_come_first(web_store):
    got = rows("visitors")
    assert [
        (r["customer_id"], r["visitor_id"], r["visits"], r["visits_prev"], r["pageviews"])
        for r in got
    ] == [
        (101, None, 2, 0, 7),
        (202, None, 1, 0, 2),
        (None, "vc", 2, 0, 3),  # more visits than customer 202, still after the customers
        (None, "vb", 1, 1, 1),
        (None, "vd", 1, 1, 1),
    ]
    assert got[0]["conversions"] == 2
    assert str(got[0]["last_visit"]) == "2026-10-05 10:00:00"  # the start of its last visit
