"""Where visits come from: channels and referrers, search engines and keywords, and the
terms visitors search for on the site itself.

Channels and search read the ``web_source_day`` rollup (the referrer of a visit's first
event, on the day the visit started); site search reads ``web_site_search_day`` (search
terms trimmed and lower-cased; visits searching a term are unique per day, summed).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from dangol.webanalytics.reports._base import (
    Column,
    Period,
    Report,
    Sources,
    Table,
    add_changes,
    compare_columns,
    fetch,
    ratio,
    round_floats,
)

CHANNEL_BY = ("channel", "referrer", "campaign")

# The grouping columns per choice: fixed SQL, picked by a whitelisted key.
_CHANNEL_KEYS = {
    "channel": "referrer_kind AS channel",
    "referrer": "referrer_kind AS channel, referrer_name AS referrer",
    "campaign": "utm_campaign AS campaign, utm_source AS source, utm_medium AS medium",
}

_VISIT_MEASURES = """
    sum(visits) FILTER (WHERE day >= $cur_d) AS visits,
    coalesce(sum(visits) FILTER (WHERE day < $cur_d), 0) AS visits_prev,
    sum(pageviews) FILTER (WHERE day >= $cur_d) AS pageviews,
    sum(bounces) FILTER (WHERE day >= $cur_d) AS bounces,
    coalesce(sum(bounces) FILTER (WHERE day < $cur_d), 0) AS bounces_prev,
    sum(goals) FILTER (WHERE day >= $cur_d) AS conversions,
    coalesce(sum(goals) FILTER (WHERE day < $cur_d), 0) AS conversions_prev,
    sum(goal_value) FILTER (WHERE day >= $cur_d) AS goal_value
"""


def _channel_sql(by: str) -> str:
    where = " AND utm_campaign <> ''" if by == "campaign" else ""
    return f"""
SELECT {_CHANNEL_KEYS[by]}, {_VISIT_MEASURES}
FROM {{web_source_day}}
WHERE day >= $prev_d AND day < $end_d{where}
GROUP BY ALL
HAVING sum(visits) FILTER (WHERE day >= $cur_d) > 0
ORDER BY visits DESC, 1, 2
LIMIT $limit
"""


SEARCH_BY = ("engine", "keyword")
_SEARCH_KEYS = {
    "engine": "referrer_name AS engine",
    "keyword": "search_keyword AS keyword",
}

SITE_SEARCH_SQL = """
SELECT
    term,
    sum(searches) FILTER (WHERE day >= $cur_d) AS searches,
    coalesce(sum(searches) FILTER (WHERE day < $cur_d), 0) AS searches_prev,
    sum(visits) FILTER (WHERE day >= $cur_d) AS visits,
    coalesce(sum(visits) FILTER (WHERE day < $cur_d), 0) AS visits_prev
FROM {web_site_search_day}
WHERE day >= $prev_d AND day < $end_d
GROUP BY 1
HAVING sum(searches) FILTER (WHERE day >= $cur_d) > 0
ORDER BY searches DESC, term
LIMIT $limit
"""


def _search_sql(by: str) -> str:
    return f"""
SELECT {_SEARCH_KEYS[by]}, {_VISIT_MEASURES}
FROM {{web_source_day}}
WHERE day >= $prev_d AND day < $end_d AND referrer_kind = 'search'
GROUP BY ALL
HAVING sum(visits) FILTER (WHERE day >= $cur_d) > 0
ORDER BY visits DESC, 1
LIMIT $limit
"""


def _visit_rows(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["bounce_rate"] = ratio(row.pop("bounces"), row["visits"])
        row["bounce_rate_prev"] = ratio(row.pop("bounces_prev"), row["visits_prev"])
        row["conversion_rate"] = ratio(row["conversions"], row["visits"])
    round_floats(rows, "goal_value", places=2)
    return add_changes(
        rows,
        {"visits": "int", "bounce_rate": "rate", "conversions": "int"},
    )


def _visit_columns() -> list[Column]:
    return [
        *compare_columns("visits", _("Visits"), "int"),
        Column("pageviews", _("Page views"), "int"),
        *compare_columns("bounce_rate", _("Bounce rate"), "rate"),
        *compare_columns("conversions", _("Conversions"), "int"),
        Column("conversion_rate", _("Conversions per visit"), "rate"),
        Column("goal_value", _("Goal value"), "money"),
    ]


def channels_report(*, con, src: Sources, period: Period, limit: int, by: str) -> Report:
    """Return visits by channel (direct, search, social, campaign, website), referrer or
    campaign, with page views, bounce rate and goal conversions."""
    rows = _visit_rows(
        fetch(con, _channel_sql(by).format_map(src), {**period.sql_params(), "limit": limit})
    )
    keys = {
        "channel": [Column("channel", _("Channel"), "channel")],
        "referrer": [
            Column("channel", _("Channel"), "channel"),
            Column("referrer", _("Referrer"), "text"),
        ],
        "campaign": [
            Column("campaign", _("Campaign (utm_campaign)"), "text"),
            Column("source", _("Source"), "text"),
            Column("medium", _("Medium"), "text"),
        ],
    }[by]
    titles = {"channel": _("Channels"), "referrer": _("Referrers"), "campaign": _("Campaigns")}
    table = Table(by, titles[by], [*keys, *_visit_columns()], rows)
    return Report("channels", period, tables=[table])


def search_report(*, con, src: Sources, period: Period, limit: int, by: str) -> Report:
    """Return visits from search engines, by engine or by keyword ('' = not provided)."""
    rows = _visit_rows(
        fetch(con, _search_sql(by).format_map(src), {**period.sql_params(), "limit": limit})
    )
    key = (
        Column("engine", _("Search engine"), "text")
        if by == "engine"
        else Column("keyword", _("Keyword"), "keyword")
    )
    title = _("Search engines") if by == "engine" else _("Search keywords")
    return Report("search", period, tables=[Table(by, title, [key, *_visit_columns()], rows)])


def site_search_report(*, con, src: Sources, period: Period, limit: int) -> Report:
    """Return the terms searched on the site: searches and visits that searched."""
    rows = fetch(con, SITE_SEARCH_SQL.format_map(src), {**period.sql_params(), "limit": limit})
    add_changes(rows, {"searches": "int", "visits": "int"})
    columns = [
        Column("term", _("Search term"), "text"),
        *compare_columns("searches", _("Searches"), "int"),
        *compare_columns("visits", _("Visits"), "int"),
    ]
    return Report(
        "site-search", period, tables=[Table("terms", _("Site search terms"), columns, rows)]
    )
