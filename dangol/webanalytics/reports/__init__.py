"""The web-analytics reports: one module per family, one registry here.

``REPORTS`` maps a report's slug (used in URLs, the API and CSV names) to its title, its
extra parameters and the function computing it. ``report_run`` validates the parameters
(raising ``ReportParameterError`` naming the bad one), opens the store read-only and runs
the report; with no store yet it returns an empty report (``has_data`` false).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from dangol.webanalytics.reports import (
    acquisition,
    conversions,
    pages,
    technology,
    traffic,
    visitors,
)
from dangol.webanalytics.reports._base import (
    MAX_STEPS,
    PathMatch,
    Report,
    Sources,
    _connect_read,
    parse_choice,
    parse_limit,
    parse_path,
    parse_period,
)
from dangol.webanalytics.reports.errors import ReportErrorCode, ReportParameterError
from dangol.webanalytics.rollups import rollups_present

__all__ = ["REPORTS", "Report", "ReportParameterError", "ReportSpec", "report_run"]


@dataclass(frozen=True)
class ReportSpec:
    """A report: URL slug, title, one-line description, its extra choice parameters."""

    slug: str
    title: Any
    description: Any
    run: Callable[..., Report]
    choices: dict[str, tuple[str, ...]]
    limit: bool = True


def _parse_steps(data: Mapping[str, Any]) -> list[PathMatch]:
    raw = data.get("steps")
    if isinstance(raw, str):
        values = [v for v in raw.replace("\n", ",").split(",") if v.strip()]
    elif isinstance(raw, list | tuple):
        values = [v for v in raw if str(v).strip()]
    else:
        values = []
    if not 1 <= len(values) <= MAX_STEPS:
        raise ReportParameterError(
            _("“steps” takes 1 to %(max)s page paths, in order, separated by commas.")
            % {"max": MAX_STEPS},
            field="steps",
        )
    return [parse_path(v, f"steps[{i}]") for i, v in enumerate(values)]


def _parse_goal(data: Mapping[str, Any]) -> str:
    goal = str(data.get("goal") or "").strip()
    if len(goal) > 100 or not goal.isprintable():
        raise ReportParameterError(
            _("“goal” must be a goal name of at most 100 printable characters."), field="goal"
        )
    return goal


REPORTS: dict[str, ReportSpec] = {
    spec.slug: spec
    for spec in (
        ReportSpec("traffic", _l("Visitors over time"),
                   _l("Visitors, visits and page views per day, week or month."),
                   traffic.traffic_report, {"grain": traffic.GRAINS}, limit=False),
        ReportSpec("entry-pages", _l("Entry pages"),
                   _l("Where visits start, with bounce rate."),
                   pages.entry_pages_report, {}),
        ReportSpec("exit-pages", _l("Exit pages"),
                   _l("Where visits end, with exit rate."),
                   pages.exit_pages_report, {}),
        ReportSpec("channels", _l("Channels and referrers"),
                   _l("Direct, search, social, campaign and website visits."),
                   acquisition.channels_report, {"by": acquisition.CHANNEL_BY}),
        ReportSpec("search", _l("Search engines and keywords"),
                   _l("Visits from Naver, Daum, Google, Bing and others."),
                   acquisition.search_report, {"by": acquisition.SEARCH_BY}),
        ReportSpec("site-search", _l("Site search"),
                   _l("What visitors search for on the site."),
                   acquisition.site_search_report, {}),
        ReportSpec("technology", _l("Browsers and devices"),
                   _l("Browsers, operating systems, devices, screen resolutions."),
                   technology.technology_report, {"dimension": technology.DIMENSIONS}),
        ReportSpec("pages", _l("Popular pages"),
                   _l("Most and least viewed pages, visitors, time on page."),
                   pages.popular_pages_report, {"order": ("most", "least")}),
        ReportSpec("errors", _l("Pages with errors"),
                   _l("404 and 500 answers and the pages linking to them."),
                   pages.error_pages_report, {}),
        ReportSpec("visitors", _l("Frequent visitors"),
                   _l("Who comes most: known customers first, then anonymous visitors."),
                   visitors.top_visitors_report, {}),
        ReportSpec("funnel", _l("Funnel"),
                   _l("Visits through an ordered list of pages, by channel and campaign."),
                   conversions.funnel_report, {}),
        ReportSpec("goals", _l("Goals"),
                   _l("Conversions and value, by channel and campaign."),
                   conversions.goals_report, {}),
    )
}  # fmt: skip


def report_spec(slug: str) -> ReportSpec:
    """Return the report named ``slug`` or raise ``ReportParameterError``."""
    spec = REPORTS.get(slug)
    if spec is None:
        raise ReportParameterError(
            _("Unknown report “%(slug)s”; known: %(known)s.")
            % {"slug": slug[:50], "known": ", ".join(REPORTS)},
            code=ReportErrorCode.UNKNOWN_REPORT,
            field="report",
        )
    return spec


def report_parse(*, slug: str, data: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """Return the validated keyword arguments of report ``slug`` from ``data``."""
    spec = report_spec(slug)
    kwargs: dict[str, Any] = {"period": parse_period(data, today=today)}
    if spec.limit:
        kwargs["limit"] = parse_limit(data)
    for name, choices in spec.choices.items():
        kwargs[name] = parse_choice(data, name, choices)
    if slug == "funnel":
        kwargs["steps"] = _parse_steps(data)
    if slug == "goals":
        kwargs["goal"] = _parse_goal(data)
    return kwargs


def report_run(*, slug: str, data: Mapping[str, Any], today: dt.date) -> Report:
    """Validate ``data`` for report ``slug`` and compute it over the store."""
    spec = report_spec(slug)
    kwargs = report_parse(slug=slug, data=data, today=today)
    with _connect_read() as con:
        if con is None:
            return Report(slug, kwargs["period"], has_data=False)
        src = Sources(present=rollups_present(con))
        report = spec.run(con=con, src=src, **kwargs)
    if report.has_data and not report.totals and all(not t.rows for t in report.tables):
        report.has_data = False
    return report
