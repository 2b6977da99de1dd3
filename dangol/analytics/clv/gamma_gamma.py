"""The Gamma-Gamma model of spend per transaction (Fader & Hardie 2013), fitted by ML.

A customer's transaction values are ``Gamma(p, nu)`` around a personal scale
``nu ~ Gamma(q, v)``. Given ``x`` repeat transactions with mean value ``m`` the
log-likelihood of one customer (the log density of the mean spend ``m``) is::

    lnG(p x + q) - lnG(p x) - lnG(q) + q ln v + (p x - 1) ln m + p x ln x - (p x + q) ln(v + x m)

Only repeat buyers (``x > 0``) carry information, so ``fit`` uses those rows and ignores
the rest; predictions work for everyone (``x = 0`` gives the population mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special
from threadpoolctl import threadpool_limits

from dangol.analytics.clv._rows import FloatArray, as_float_array
from dangol.analytics.clv.errors import ClvErrorCode, ClvFitError, ClvInputError, ClvNotFittedError

_LOG_BOUNDS = (-12.0, 12.0)


@dataclass(frozen=True)
class _FitData:
    """What the likelihood needs of the repeat buyers, computed once per fit.

    Every special function in the likelihood depends on ``x`` only, so it is evaluated per
    distinct ``x``; the per-customer work left is one log and one reciprocal of ``v + x m``.
    """

    n: int
    x_values: FloatArray  # distinct frequencies
    x_count: FloatArray  # customers per distinct frequency
    x: FloatArray  # per customer
    xm: FloatArray  # x * m per customer: total repeat spend
    sum_x_log_m: float
    sum_log_m: float
    sum_x_log_x: float


def _prepare(x: FloatArray, m: FloatArray) -> _FitData:
    codes, uniques = pd.factorize(x)
    x_values = np.asarray(uniques, dtype=np.float64)
    x_count = np.bincount(codes, minlength=len(x_values)).astype(np.float64)
    log_m = np.log(m)
    return _FitData(
        n=len(x),
        x_values=x_values,
        x_count=x_count,
        x=x,
        xm=x * m,
        sum_x_log_m=float(np.einsum("i,i->", x, log_m)),
        sum_log_m=float(log_m.sum()),
        sum_x_log_x=float(np.einsum("i,i->", x_count * x_values, np.log(x_values))),
    )


def _log_likelihood_and_gradient(
    log_params: FloatArray, data: _FitData
) -> tuple[float, FloatArray]:
    """Return the total log-likelihood and its gradient in the log-parameters."""
    p, q, v = np.exp(log_params)
    xv, count = data.x_values, data.x_count
    pxq = p * xv + q
    per_x = special.gammaln(pxq) - special.gammaln(p * xv) - special.gammaln(q)
    psi_pxq = special.digamma(pxq)
    # Per customer: log(v + x m) and 1 / (v + x m); everything else is a sum.
    log_vxm = np.log(v + data.xm)
    inv_vxm = 1.0 / (v + data.xm)
    sum_log = float(log_vxm.sum())
    sum_x_log = float(np.einsum("i,i->", data.x, log_vxm))
    ll = (
        float(count @ per_x)
        + data.n * q * np.log(v)
        + p * data.sum_x_log_m
        - data.sum_log_m
        + p * data.sum_x_log_x
        - p * sum_x_log
        - q * sum_log
    )
    g_p = (
        float((count * xv) @ (psi_pxq - special.digamma(p * xv)))
        + data.sum_x_log_m
        + data.sum_x_log_x
        - sum_x_log
    )
    g_q = float(count @ (psi_pxq - special.digamma(q))) + data.n * np.log(v) - sum_log
    g_v = data.n * q / v - p * float(np.einsum("i,i->", data.x, inv_vxm)) - q * float(inv_vxm.sum())
    return float(ll), np.array([g_p * p, g_q * q, g_v * v])


def _starting_point(x: FloatArray, m: FloatArray) -> FloatArray:
    """Return log-parameters from the moments of the customers' mean spends.

    Treat a mean spend as ``Gamma(p x, nu x)``: its squared coefficient of variation across
    customers is about ``1 / (p x)`` plus the spread of ``nu``; take ``q = 3`` (a finite
    variance) and choose ``v`` so the prior mean ``p v / (q - 1)`` matches the data.
    """
    mean = float(m.mean())
    cv2 = float(m.var() / mean**2) if len(m) > 1 and mean > 0 else 1.0
    p = max(1.0 / max(cv2 * float(np.mean(x)), 1e-3), 0.1)
    q = 3.0
    v = max(mean * (q - 1.0) / p, 1e-6)
    return np.log([p, q, v])


class GammaGamma:
    """Gamma-Gamma spend model: ``GammaGamma().fit(frequency, monetary)``.

    After ``fit`` the parameters are ``p_``, ``q_``, ``v_`` (Fader & Hardie's gamma), the
    maximised log-likelihood ``log_likelihood_`` and
    ``n_customers_``, the number of repeat buyers used.
    """

    def __init__(self, *, tol: float = 1e-12, max_iter: int = 1000) -> None:
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, frequency: object, monetary: object) -> GammaGamma:
        """Fit by maximum likelihood on the customers with ``frequency > 0``; return ``self``.

        :param frequency: repeat purchases per customer.
        :param monetary: mean value of those repeat purchases (ignored where frequency is 0).
        """
        x, m = _validate(frequency, monetary)
        repeat = x > 0
        x, m = x[repeat], m[repeat]
        if len(x) < 2:
            raise ClvInputError(
                "the Gamma-Gamma model needs at least two repeat buyers",
                code=ClvErrorCode.EMPTY_INPUT,
            )
        if np.any(m <= 0):
            raise ClvInputError("monetary must be > 0 for repeat buyers", field="monetary")
        data = _prepare(x, m)
        n = data.n

        def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
            ll, grad = _log_likelihood_and_gradient(log_params, data)
            return -ll / n, -grad / n

        # L-BFGS-B's few-parameter linear algebra goes through BLAS; a threaded BLAS only
        # adds wake-up latency to each of those tiny steps (9 ms a step on a busy 2-core box).
        with threadpool_limits(limits=1, user_api="blas"):
            result = optimize.minimize(
                objective,
                _starting_point(x, m),
                jac=True,
                method="L-BFGS-B",
                bounds=[_LOG_BOUNDS] * 3,
                options={"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-9},
            )
        if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
            raise ClvFitError("the Gamma-Gamma likelihood has no finite maximum on this data")
        self.p_, self.q_, self.v_ = (float(val) for val in np.exp(result.x))
        self.log_likelihood_ = float(-result.fun * n)
        self.n_customers_ = n
        self.n_iter_ = int(result.nit)
        self.converged_ = bool(result.success)
        return self

    @property
    def params_(self) -> dict[str, float]:
        self._check_fitted()
        return {"p": self.p_, "q": self.q_, "v": self.v_}

    def conditional_expected_average_profit(
        self, frequency: object, monetary: object
    ) -> FloatArray:
        """Return E[spend per transaction | x, m] for each customer.

        ``(p (v + x m)) / (p x + q - 1)``: a weighted mean of the population mean
        ``p v / (q - 1)`` and the customer's own mean ``m``, leaning on ``m`` as ``x`` grows.
        """
        self._check_fitted()
        x, m = _validate(frequency, monetary)
        if self.q_ <= 1.0:
            raise ClvFitError("q <= 1: the fitted spend distribution has no finite mean")
        return self.p_ * (self.v_ + x * m) / (self.p_ * x + self.q_ - 1.0)

    def _check_fitted(self) -> None:
        if not hasattr(self, "p_"):
            raise ClvNotFittedError("fit the Gamma-Gamma model before asking it for predictions")


def _validate(frequency: object, monetary: object) -> tuple[FloatArray, FloatArray]:
    x = as_float_array(frequency, name="frequency")
    m = as_float_array(monetary, name="monetary")
    if len(x) != len(m):
        raise ClvInputError("frequency and monetary must have the same length")
    if np.any(x < 0):
        raise ClvInputError("frequency must be >= 0", field="frequency")
    if np.any(m < 0):
        raise ClvInputError("monetary must be >= 0", field="monetary")
    return x, m
