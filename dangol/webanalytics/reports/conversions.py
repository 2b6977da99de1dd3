"""Funnels and goals, attributed to channels and campaigns.

A funnel is an ordered list of 1 to 10 page paths (a trailing ``*`` matches every path
under it). A visit reaches step k when it viewed step k's page after reaching step k-1
(strictly later); it counts in the period its visit started in. Drop-off at step k is the
visits that reached step k-1 but not k; conversion is visits at step k / visits at step 1.

Goals read the ``web_goal_day`` rollup of the ``goal`` events: conversions (events),
converted visits (unique per day, summed), value; the conversion rate is converted
visits / all visits of the period. Both are attributed to
the visit's channel (``referrer_kind``, ``referrer_name``) and campaign (``utm_campaign``,
``campaign_id``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from dangol.webanalytics.reports._base import (
    Column,
    PathMatch,
    Period,
    Report,
    Sources,
    Table,
    add_changes,
    change,
    compare_columns,
    fetch,
    points,
    ratio,
    round_floats,
)


def _match(k: int) -> str:
    return f"(path = $p{k} OR ($x{k} AND starts_with(path, $p{k})))"


def _funnel_sql(steps: int) -> str:
    """Return the funnel query for ``steps`` steps: its shape depends on the count only."""
    any_step = " OR ".join(_match(k) for k in range(1, steps + 1))
    ctes = [
        f"""e AS (
    SELECT visit_id, ts, path FROM web_event
    WHERE ts >= $prev AND ts < $end AND kind = 'pageview' AND ({any_step})
)""",
        f"s1 AS (SELECT visit_id, min(ts) AS t FROM e WHERE {_match(1)} GROUP BY visit_id)",
    ]
    for k in range(2, steps + 1):
        ctes.append(
            f"s{k} AS (SELECT e.visit_id, min(e.ts) AS t FROM e JOIN s{k - 1} p "
            f"ON e.visit_id = p.visit_id AND e.ts > p.t WHERE {_match(k)} GROUP BY e.visit_id)"
        )
    reached = " + ".join(
        ["1"] + [f"(s{k}.visit_id IS NOT NULL)::INTEGER" for k in range(2, steps + 1)]
    )
    joins = " ".join(f"LEFT JOIN s{k} USING (visit_id)" for k in range(2, steps + 1))
    ctes.append(f"r AS (SELECT s1.visit_id, {reached} AS reached FROM s1 {joins})")
    ctes.append(
        """rv AS (
    SELECT r.reached, v.started_at >= $cur AS current, v.referrer_kind, v.referrer_name,
           v.utm_campaign, v.campaign_id
    FROM r JOIN web_visit v USING (visit_id)
    WHERE v.started_at >= $prev AND v.started_at < $end
)"""
    )
    return (
        "WITH "
        + ",\n".join(ctes)
        + """
SELECT
    grouping(current, reached) = 0 AS by_step,
    grouping(referrer_kind, referrer_name) = 0 AS by_channel,
    current, reached, referrer_kind, referrer_name, utm_campaign, campaign_id,
    count(*) AS visits,
    count(*) FILTER (WHERE current) AS entered,
    count(*) FILTER (WHERE NOT current) AS entered_prev,
    count(*) FILTER (WHERE current AND reached = $steps) AS completed,
    count(*) FILTER (WHERE NOT current AND reached = $steps) AS completed_prev
FROM rv
GROUP BY GROUPING SETS ((current, reached), (referrer_kind, referrer_name),
                        (utm_campaign, campaign_id))
"""
    )


def _attribution_rows(rows: list[dict], keys: tuple[str, ...], limit: int) -> list[dict]:
    out = []
    for row in rows:
        if row["entered"] == 0 and row["completed_prev"] == 0:
            continue
        item = {k: row[k] for k in keys}
        for m in ("entered", "entered_prev", "completed", "completed_prev"):
            item[m] = int(row[m])
        item["conversion"] = ratio(item["completed"], item["entered"])
        item["conversion_prev"] = ratio(item["completed_prev"], item["entered_prev"])
        out.append(item)
    add_changes(out, {"completed": "int", "conversion": "rate"})
    out.sort(key=lambda r: (-r["completed"], -r["entered"], tuple(str(r[k]) for k in keys)))
    return out[:limit]


def _attribution_columns(keys: list[Column]) -> list[Column]:
    return [
        *keys,
        Column("entered", _("Visits entering"), "int"),
        *compare_columns("completed", _("Visits completing"), "int"),
        *compare_columns("conversion", _("Conversion"), "rate"),
    ]


def _channel_keys() -> list[Column]:
    return [
        Column("referrer_kind", _("Channel"), "channel"),
        Column("referrer_name", _("Referrer")),
    ]


def _campaign_keys() -> list[Column]:
    return [
        Column("utm_campaign", _("Campaign (utm_campaign)")),
        Column("campaign_id", _("Campaign id"), "campaign"),
    ]


def funnel_report(
    *, con, src: Sources, period: Period, limit: int, steps: list[PathMatch]
) -> Report:
    """Return visits reaching each step, drop-off and conversion, attributed."""
    params: dict = {**period.sql_params(), "steps": len(steps)}
    for k, step in enumerate(steps, start=1):
        params[f"p{k}"], params[f"x{k}"] = step.path, step.prefix
    rows = fetch(con, _funnel_sql(len(steps)), params)
    reached = {True: [0] * (len(steps) + 2), False: [0] * (len(steps) + 2)}
    for row in rows:
        if row["by_step"]:
            reached[row["current"]][row["reached"]] += int(row["visits"])
    # Visits reaching step k = visits whose furthest step is k or more.
    at = {
        cur: [
            sum(reached[cur][j] for j in range(k, len(steps) + 1)) for k in range(1, len(steps) + 1)
        ]
        for cur in (True, False)
    }
    step_rows = []
    for i, step in enumerate(steps):
        now, before = at[True][i], at[False][i]
        row = {
            "step": i + 1,
            "path": str(step),
            "visits": now,
            "visits_prev": before,
            "visits_change": change(now, before),
            "drop_off": (at[True][i - 1] - now) if i else 0,
            "conversion": ratio(now, at[True][0]),
            "conversion_prev": ratio(before, at[False][0]),
        }
        row["conversion_change"] = points(row["conversion"], row["conversion_prev"])
        step_rows.append(row)
    step_columns = [
        Column("step", _("Step"), "int"),
        Column("path", _("Page"), "path"),
        *compare_columns("visits", _("Visits reaching the step"), "int"),
        Column("drop_off", _("Drop-off from the step before"), "int"),
        *compare_columns("conversion", _("Conversion from step 1"), "rate"),
    ]
    channel_rows = [r for r in rows if r["by_channel"]]
    campaign_rows = [r for r in rows if not r["by_step"] and not r["by_channel"]]
    tables = [
        Table("steps", _("Funnel steps"), step_columns, step_rows),
        Table(
            "channels",
            _("By channel"),
            _attribution_columns(_channel_keys()),
            _attribution_rows(channel_rows, ("referrer_kind", "referrer_name"), limit),
        ),
        Table(
            "campaigns",
            _("By campaign"),
            _attribution_columns(_campaign_keys()),
            _attribution_rows(campaign_rows, ("utm_campaign", "campaign_id"), limit),
        ),
    ]
    chart = {
        "labels": [r["path"] for r in step_rows],
        "series": [
            {"key": "visits", "label": str(_("Visits")), "data": [r["visits"] for r in step_rows]},
            {
                "key": "visits_prev",
                "label": str(_("Visits, previous")),
                "data": [r["visits_prev"] for r in step_rows],
                "previous": True,
            },
        ],
    }
    return Report(
        "funnel", period, tables=tables, chart=chart, has_data=bool(at[True][0] or at[False][0])
    )


GOALS_SQL = """
WITH visits AS (
    SELECT coalesce(sum(visits) FILTER (WHERE day >= $cur_d), 0) AS visits,
           coalesce(sum(visits) FILTER (WHERE day < $cur_d), 0) AS visits_prev
    FROM {web_traffic_day} WHERE day >= $prev_d AND day < $end_d
)
SELECT
    goal,
    sum(conversions) FILTER (WHERE day >= $cur_d) AS conversions,
    coalesce(sum(conversions) FILTER (WHERE day < $cur_d), 0) AS conversions_prev,
    sum(g.visits) FILTER (WHERE day >= $cur_d) AS converted_visits,
    coalesce(sum(g.visits) FILTER (WHERE day < $cur_d), 0) AS converted_visits_prev,
    sum(value) FILTER (WHERE day >= $cur_d) AS value,
    coalesce(sum(value) FILTER (WHERE day < $cur_d), 0) AS value_prev,
    any_value(visits.visits) AS all_visits,
    any_value(visits.visits_prev) AS all_visits_prev
FROM {web_goal_day} g, visits
WHERE day >= $prev_d AND day < $end_d AND ($goal = '' OR goal = $goal)
GROUP BY goal
HAVING sum(conversions) FILTER (WHERE day >= $cur_d) > 0
ORDER BY conversions DESC, goal
LIMIT $limit
"""

GOALS_ATTRIBUTED_SQL = """
SELECT
    grouping(referrer_kind, referrer_name) = 0 AS by_channel,
    referrer_kind, referrer_name, utm_campaign, campaign_id,
    coalesce(sum(conversions) FILTER (WHERE day >= $cur_d), 0) AS conversions,
    coalesce(sum(conversions) FILTER (WHERE day < $cur_d), 0) AS conversions_prev,
    coalesce(sum(value) FILTER (WHERE day >= $cur_d), 0) AS value,
    coalesce(sum(value) FILTER (WHERE day < $cur_d), 0) AS value_prev
FROM {web_goal_day}
WHERE day >= $prev_d AND day < $end_d AND ($goal = '' OR goal = $goal)
GROUP BY GROUPING SETS ((referrer_kind, referrer_name), (utm_campaign, campaign_id))
"""


def _goal_attribution(rows: list[dict], keys: tuple[str, ...], limit: int) -> list[dict]:
    out = [
        {**{k: r[k] for k in keys}, **{m: r[m] for m in ("conversions", "conversions_prev")},
         "value": r["value"], "value_prev": r["value_prev"]}
        for r in rows
        if r["conversions"] > 0
    ]  # fmt: skip
    round_floats(out, "value", "value_prev", places=2)
    add_changes(out, {"conversions": "int", "value": "money"})
    out.sort(key=lambda r: (-r["conversions"], -r["value"], tuple(str(r[k]) for k in keys)))
    return out[:limit]


def goals_report(*, con, src: Sources, period: Period, limit: int, goal: str) -> Report:
    """Return conversions and value per goal, and the same attributed to channels/campaigns."""
    params = {**period.sql_params(), "limit": limit, "goal": goal}
    rows = fetch(con, GOALS_SQL.format_map(src), params)
    for row in rows:
        row["conversion_rate"] = ratio(row["converted_visits"], row.pop("all_visits"))
        row["conversion_rate_prev"] = ratio(
            row["converted_visits_prev"], row.pop("all_visits_prev")
        )
        row.pop("converted_visits_prev")
    round_floats(rows, "value", "value_prev", places=2)
    add_changes(rows, {"conversions": "int", "value": "money", "conversion_rate": "rate"})
    goal_columns = [
        Column("goal", _("Goal")),
        *compare_columns("conversions", _("Conversions"), "int"),
        Column("converted_visits", _("Converted visits"), "int"),
        *compare_columns("conversion_rate", _("Conversion rate"), "rate"),
        *compare_columns("value", _("Value"), "money"),
    ]
    attributed = fetch(con, GOALS_ATTRIBUTED_SQL.format_map(src), params)

    def columns(keys: list[Column]) -> list[Column]:
        return [
            *keys,
            *compare_columns("conversions", _("Conversions"), "int"),
            *compare_columns("value", _("Value"), "money"),
        ]

    tables = [
        Table("goals", _("Goals"), goal_columns, rows),
        Table(
            "channels",
            _("By channel"),
            columns(_channel_keys()),
            _goal_attribution(
                [r for r in attributed if r["by_channel"]],
                ("referrer_kind", "referrer_name"),
                limit,
            ),
        ),
        Table(
            "campaigns",
            _("By campaign"),
            columns(_campaign_keys()),
            _goal_attribution(
                [r for r in attributed if not r["by_channel"]],
                ("utm_campaign", "campaign_id"),
                limit,
            ),
        ),
    ]
    return Report("goals", period, tables=tables)
