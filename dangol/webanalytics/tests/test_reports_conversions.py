"""Exact funnel and goal figures over the hand-made store (store.py)."""

from __future__ import annotations

from dangol.webanalytics.tests.test_reports_pages import run


def test_funnel_steps_drop_off_and_conversion(web_store):
    report = run("funnel", steps="/cart,/checkout,/checkout/done")
    steps = report.table("steps").rows
    assert [(r["path"], r["visits"], r["drop_off"], r["conversion"]) for r in steps] == [
        ("/cart", 3, 0, 1.0),  # visits 1, 3, 4
        ("/checkout", 2, 1, 0.666667),  # 1 and 4
        ("/checkout/done", 1, 1, 0.333333),  # 4
    ]
    assert [r["visits_prev"] for r in steps] == [0, 0, 0]


def test_funnel_attributed_to_channels_and_campaigns(web_store):
    report = run("funnel", steps="/cart,/checkout,/checkout/done")
    channels = report.table("channels").rows
    assert [
        (r["referrer_kind"], r["referrer_name"], r["entered"], r["completed"], r["conversion"])
        for r in channels
    ] == [
        ("campaign", "newsletter", 1, 1, 1.0),
        ("direct", "", 1, 0, 0.0),
        ("search", "Google", 1, 0, 0.0),
    ]
    campaigns = report.table("campaigns").rows
    assert [
        (r["utm_campaign"], r["campaign_id"], r["entered"], r["completed"]) for r in campaigns
    ] == [
        ("spring_sale", 7, 1, 1),
        ("", None, 2, 0),
    ]


def test_funnel_order_matters_and_prefix_steps(web_store):
    backwards = run("funnel", steps="/checkout,/cart").table("steps").rows
    assert [r["visits"] for r in backwards] == [2, 0]  # nobody went back to the cart
    prefixed = run("funnel", steps="/products/*,/cart").table("steps").rows
    assert [(r["path"], r["visits"], r["visits_prev"]) for r in prefixed] == [
        ("/products/*", 2, 1),  # visits 1 and 2; 11 before
        ("/cart", 1, 0),
    ]


def test_goals_with_value_and_attribution(web_store):
    report = run("goals")
    assert report.table("goals").rows == [
        {
            "goal": "purchase",
            "conversions": 2,
            "conversions_prev": 0,
            "conversions_change": None,
            "converted_visits": 2,
            "conversion_rate": 0.285714,  # 2 of 7 visits
            "conversion_rate_prev": 0.0,  # none of the 2 visits before
            "conversion_rate_change": 0.285714,
            "value": 80000.0,
            "value_prev": 0.0,
            "value_change": None,
        }
    ]
    channels = report.table("channels").rows
    assert [(r["referrer_kind"], r["conversions"], r["value"]) for r in channels] == [
        ("direct", 1, 50000.0),
        ("campaign", 1, 30000.0),
    ]
    campaigns = report.table("campaigns").rows
    assert [(r["utm_campaign"], r["campaign_id"], r["value"]) for r in campaigns] == [
        ("", None, 50000.0),
        ("spring_sale", 7, 30000.0),
    ]
    assert run("goals", goal="signup").table("goals").rows == []
