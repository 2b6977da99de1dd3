"""The uplift view: which customer groups a treatment moved most.

Within each group of a grouping column (recency band, channel, ...), the treated arm's
response rate minus the control's in the same group, with the Wald interval and pooled
z-test of ``review.proportions_compare``. Because the arms were randomised, each group's
difference estimates the treatment's effect on that group. Many groups means many tests:
read a small p-value among dozens of groups as a lead, not a finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from dangol.marketing.errors import MarketingErrorCode, ReviewInputError
from dangol.marketing.results import GroupTotals, Source, results_group_totals
from dangol.marketing.review import proportions_compare


@dataclass(frozen=True)
class GroupUplift:
    """One treated arm against the control within one customer group."""

    by: str
    group: str | None
    arm: str
    n: int
    responders: int
    response_rate: float
    control_n: int
    control_responders: int
    control_rate: float
    uplift: float
    uplift_rel: float | None
    ci_low: float
    ci_high: float
    p_value: float

    def as_dict(self) -> dict[str, Any]:
        """Return the row in the CLI's JSON shape."""
        return {
            "by": self.by,
            "group": self.group,
            "arm": self.arm,
            "n": self.n,
            "responders": self.responders,
            "response_rate": self.response_rate,
            "control_n": self.control_n,
            "control_responders": self.control_responders,
            "control_rate": self.control_rate,
            "uplift": self.uplift,
            "uplift_rel": self.uplift_rel,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
        }


def uplift_from_totals(
    *, totals: Sequence[GroupTotals], control: str, pool: bool = False, level: float = 0.95
) -> list[GroupUplift]:
    """Return the uplift of every treated arm in every group, largest uplift first.

    :param totals: contacts and responders per (grouping column, group, arm).
    :param control: the control arm's name.
    :param pool: compare all treated arms together as one arm, named by joining their names
        with `` + ``.
    :param level: the confidence level of the intervals.
    :raises ReviewInputError: the control is absent or is the only arm.

    Groups where the control or the treated arm has no customer are left out (no
    comparison is possible there). Ties are ordered by column, group and arm.
    """
    arms = sorted({t.arm for t in totals})
    if control not in arms:
        raise ReviewInputError(
            _("The control arm “%(control)s” is not in the results; the arms are: %(arms)s.")
            % {"control": control, "arms": ", ".join(arms)},
            code=MarketingErrorCode.CONTROL_NOT_FOUND,
            field="control",
        )
    treated_arms = [a for a in arms if a != control]
    if not treated_arms:
        raise ReviewInputError(
            _("The results hold only the control arm “%(control)s”; nothing to compare.")
            % {"control": control},
            code=MarketingErrorCode.NO_TREATMENT,
            field="arm",
        )
    pooled_name = " + ".join(treated_arms)
    cells: dict[tuple[str, str | None], dict[str, list[int]]] = defaultdict(dict)
    for t in totals:
        arm = pooled_name if pool and t.arm != control else t.arm
        n_x = cells[(t.by, t.group)].setdefault(arm, [0, 0])
        n_x[0] += t.n
        n_x[1] += t.responders
    pairs = []
    for (by, group), by_arm in cells.items():
        if control not in by_arm:
            continue
        for arm, (n, x) in by_arm.items():
            if arm != control:
                pairs.append((by, group, arm, n, x, *by_arm[control]))
    if not pairs:
        return []
    stats = proportions_compare(
        n=[p[3] for p in pairs],
        responders=[p[4] for p in pairs],
        control_n=[p[5] for p in pairs],
        control_responders=[p[6] for p in pairs],
        level=level,
    )
    rows = []
    for i, (by, group, arm, n, x, n0, x0) in enumerate(pairs):
        rel = float(stats["lift_rel"][i])
        rows.append(
            GroupUplift(
                by=by,
                group=group,
                arm=arm,
                n=n,
                responders=x,
                response_rate=float(stats["response_rate"][i]),
                control_n=n0,
                control_responders=x0,
                control_rate=float(stats["control_rate"][i]),
                uplift=float(stats["lift_abs"][i]),
                uplift_rel=None if rel != rel else rel,  # NaN where the control rate is 0
                ci_low=float(stats["ci_low"][i]),
                ci_high=float(stats["ci_high"][i]),
                p_value=float(stats["p_value"][i]),
            )
        )
    rows.sort(key=lambda r: (-r.uplift, r.by, r.group or "", r.arm))
    return rows


def uplift_by_group(
    *,
    source: Source,
    arm_col: str,
    control: str,
    response_col: str,
    by: Sequence[str],
    bands: dict[str, Sequence[float]] | None = None,
    pool: bool = False,
    level: float = 0.95,
) -> list[GroupUplift]:
    """Return the uplift per customer group of a test's results file, largest first.

    :param source: a CSV path with a header row, a pandas DataFrame or a pyarrow Table, one
        row per customer.
    :param arm_col: the column naming each customer's arm.
    :param control: the control arm's value in ``arm_col``.
    :param response_col: the 0/1 response column.
    :param by: the grouping columns; each is a view of its own.
    :param bands: numeric grouping columns to cut into bands, with their ascending edges.
    :param pool: compare all treated arms together as one.
    :param level: the confidence level of the intervals.
    :raises ReviewInputError: see ``results_group_totals`` and ``uplift_from_totals``.
    """
    totals = results_group_totals(
        source=source, arm_col=arm_col, response_col=response_col, by=by, bands=bands
    )
    return uplift_from_totals(totals=totals, control=control, pool=pool, level=level)
