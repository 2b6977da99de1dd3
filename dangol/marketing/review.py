"""Review a campaign test: treated arms against a control, vectorised over arms or groups.

Pure functions of counts (numpy/scipy, no I/O, no database). For a treated arm with ``n``
contacts and ``x`` responders against a control with ``n0`` and ``x0``
(``p = x / n``, ``p0 = x0 / n0``):

- lift_abs = p - p0; lift_rel = (p - p0) / p0 (undefined when p0 = 0)
- Wald interval for p - p0: (p - p0) ± z · sqrt(p(1 - p)/n + p0(1 - p0)/n0), z = Φ⁻¹(0.975)
- pooled two-proportion z-test: P = (x + x0) / (n + n0),
  z = (p - p0) / sqrt(P(1 - P)(1/n + 1/n0)), two-sided p-value = 2 · (1 - Φ(|z|));
  when P is 0 or 1 both rates are equal and the p-value is 1
- value per customer = value / n; incremental value = (value/n - value0/n0) · n
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from scipy.stats import norm

from dangol.marketing.errors import MarketingErrorCode, ReviewInputError

Counts = Sequence[float] | np.ndarray | float


@dataclass(frozen=True)
class ArmTotals:
    """What one arm of a test did: contacts, responders and (optionally) total value."""

    arm: str
    n: int
    responders: int
    value: float | None = None


@dataclass(frozen=True)
class ArmReview:
    """One treated arm compared with the control (the CLI's JSON record)."""

    arm: str
    n: int
    responders: int
    response_rate: float
    control_rate: float
    lift_abs: float
    lift_rel: float | None
    ci_low: float
    ci_high: float
    p_value: float
    value_per_customer: float | None
    control_value_per_customer: float | None
    incremental_value: float | None

    def as_dict(self) -> dict[str, Any]:
        """Return the review in the CLI's JSON shape (keys in the documented order)."""
        return {
            "arm": self.arm,
            "n": self.n,
            "responders": self.responders,
            "response_rate": self.response_rate,
            "control_rate": self.control_rate,
            "lift_abs": self.lift_abs,
            "lift_rel": self.lift_rel,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "value_per_customer": self.value_per_customer,
            "control_value_per_customer": self.control_value_per_customer,
            "incremental_value": self.incremental_value,
        }


def z_critical(*, level: float = 0.95) -> float:
    """Return the two-sided normal critical value for a confidence ``level`` (1.96 at 95%)."""
    if not 0 < level < 1:
        raise ReviewInputError(
            _("The confidence level must be between 0 and 1, got %(value)s.") % {"value": level},
            code=MarketingErrorCode.INVALID_PARAMETER,
            field="level",
        )
    return float(norm.ppf(0.5 + level / 2))


def proportions_compare(
    *,
    n: Counts,
    responders: Counts,
    control_n: Counts,
    control_responders: Counts,
    level: float = 0.95,
) -> dict[str, np.ndarray]:
    """Compare treated and control response rates element-wise; return arrays by measure.

    Keys: ``response_rate``, ``control_rate``, ``lift_abs``, ``lift_rel`` (NaN where the
    control rate is 0), ``ci_low``, ``ci_high`` (Wald), ``z`` and ``p_value`` (pooled test).
    """
    n1 = np.asarray(n, dtype=float)
    x1 = np.asarray(responders, dtype=float)
    n0 = np.asarray(control_n, dtype=float)
    x0 = np.asarray(control_responders, dtype=float)
    if np.any(n1 <= 0) or np.any(n0 <= 0):
        raise ReviewInputError(
            _("Every arm compared needs at least one contact."),
            code=MarketingErrorCode.EMPTY_INPUT,
            field="n",
        )
    if np.any(x1 < 0) or np.any(x0 < 0) or np.any(x1 > n1) or np.any(x0 > n0):
        raise ReviewInputError(
            _("Responders must be between 0 and the number of contacts."),
            code=MarketingErrorCode.INVALID_RESPONSE,
            field="responders",
        )
    z_crit = z_critical(level=level)
    p1, p0 = x1 / n1, x0 / n0
    diff = p1 - p0
    half = z_crit * np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    pooled = (x1 + x0) / (n1 + n0)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    with np.errstate(divide="ignore", invalid="ignore"):
        lift_rel = np.where(p0 > 0, diff / p0, np.nan)
        z = np.where(se0 > 0, diff / se0, 0.0)
    return {
        "response_rate": p1,
        "control_rate": p0,
        "lift_abs": diff,
        "lift_rel": lift_rel,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "z": z,
        "p_value": 2 * norm.sf(np.abs(z)),
    }


def _number(value: float) -> float | None:
    """Return ``value`` as a plain float, or ``None`` where it is undefined (NaN)."""
    value = float(value)
    return None if math.isnan(value) else value


def arms_review(*, arms: Sequence[ArmTotals], control: str, level: float = 0.95) -> list[ArmReview]:
    """Return each arm other than ``control`` compared with it, in the order of ``arms``.

    :param arms: the totals of every arm, the control among them.
    :param control: the name of the control arm.
    :param level: the confidence level of the interval for the difference in rates.
    :raises ReviewInputError: the control is not among ``arms``, there is no other arm, or an
        arm has no contacts.
    """
    names = [a.arm for a in arms]
    if control not in names:
        raise ReviewInputError(
            _("The control arm “%(control)s” is not in the results; the arms are: %(arms)s.")
            % {"control": control, "arms": ", ".join(names)},
            code=MarketingErrorCode.CONTROL_NOT_FOUND,
            field="control",
        )
    base = arms[names.index(control)]
    treated = [a for a in arms if a.arm != control]
    if not treated:
        raise ReviewInputError(
            _("The results hold only the control arm “%(control)s”; nothing to compare.")
            % {"control": control},
            code=MarketingErrorCode.NO_TREATMENT,
            field="arm",
        )
    stats = proportions_compare(
        n=[a.n for a in treated],
        responders=[a.responders for a in treated],
        control_n=[base.n] * len(treated),
        control_responders=[base.responders] * len(treated),
        level=level,
    )
    has_value = base.value is not None and all(a.value is not None for a in treated)
    control_vpc = base.value / base.n if has_value else None
    reviews = []
    for index, arm in enumerate(treated):
        vpc = arm.value / arm.n if has_value else None
        reviews.append(
            ArmReview(
                arm=arm.arm,
                n=int(arm.n),
                responders=int(arm.responders),
                response_rate=float(stats["response_rate"][index]),
                control_rate=float(stats["control_rate"][index]),
                lift_abs=float(stats["lift_abs"][index]),
                lift_rel=_number(stats["lift_rel"][index]),
                ci_low=float(stats["ci_low"][index]),
                ci_high=float(stats["ci_high"][index]),
                p_value=float(stats["p_value"][index]),
                value_per_customer=vpc,
                control_value_per_customer=control_vpc,
                incremental_value=(vpc - control_vpc) * arm.n if has_value else None,
            )
        )
    return reviews


def campaign_roi(*, margin: float, cost: float) -> float | None:
    """Return the return on investment ``(margin - cost) / cost``, ``None`` when cost is 0."""
    return (margin - cost) / cost if cost else None
