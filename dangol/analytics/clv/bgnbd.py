"""The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

A customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)`` while alive and drops out
after each repeat purchase with probability ``p ~ Beta(a, b)``. Per customer the data are
``x`` (repeat purchases), ``t_x`` (time of the last one, from the first purchase) and ``T``
(time from the first purchase to the end of calibration). The log-likelihood of one
customer is::

    log L = lnG(r+x) - lnG(r) + r ln(alpha) + lnB(a, b+x) - lnB(a, b)
            + logaddexp(-(r+x) ln(alpha+T),
                        [x>0] (ln a - ln(b+x-1) - (r+x) ln(alpha+t_x)))

which stays finite for ``x = 0`` (the second term is ``-inf``) and for very large ``x``
(nothing is exponentiated outside ``logaddexp``). The fit maximises it over the
log-parameters with L-BFGS-B and the analytic gradient, on the distinct ``(x, t_x, T)``
rows weighted by how many customers share them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import optimize, special
from threadpoolctl import threadpool_limits

from dangol.analytics.clv._rows import FloatArray, codes, distinct_pairs, validate_summary
from dangol.analytics.clv.errors import ClvErrorCode, ClvFitError, ClvInputError, ClvNotFittedError

# Bounds on the log of every parameter: wide enough for any real data set, and they keep
# the optimiser away from overflow while it explores.
_LOG_BOUNDS = (-12.0, 12.0)


@dataclass(frozen=True)
class _FitData:
    """The data of a fit, reduced to what the likelihood needs, computed once per fit.

    Customers with ``x = 0`` contribute only through functions of ``x`` and of ``T``, so
    they are kept as weights per distinct ``x`` and per distinct ``T``. Repeat buyers also
    need per-row work; they are folded into distinct ``(x, t_x, T)`` rows with weights.
    """

    total_weight: float
    x_values: FloatArray  # distinct frequencies
    x_weight: FloatArray  # customers per distinct frequency
    T_values: FloatArray
    T_weight: FloatArray  # customers per distinct T
    T_weight_x: FloatArray  # sum of x per distinct T
    t_values: FloatArray  # distinct recencies of repeat buyers
    row_x_index: np.ndarray  # repeat-buyer rows: indexes into x_values, t_values, T_values
    row_t_index: np.ndarray
    row_T_index: np.ndarray
    row_weight: FloatArray
    row_x: FloatArray


def _prepare(x: FloatArray, t_x: FloatArray, big_t: FloatArray, w: FloatArray) -> _FitData:
    x_codes, x_values = codes(x)
    T_codes, T_values = pd.factorize(big_t)
    n_x, n_T = len(x_values), len(T_values)
    repeat = x > 0
    t_codes, t_values = pd.factorize(t_x[repeat])
    rx_codes, rT_codes, r_w = x_codes[repeat], T_codes[repeat], w[repeat]
    # Fold identical repeat-buyer rows: one hash pass over a combined integer key.
    key = (rx_codes.astype(np.int64) * len(t_values) + t_codes) * n_T + rT_codes
    row_codes, row_keys = pd.factorize(key)
    row_keys = np.asarray(row_keys, dtype=np.int64)
    row_x_index = row_keys // (len(t_values) * n_T)
    return _FitData(
        total_weight=float(w.sum()),
        x_values=x_values,
        x_weight=np.bincount(x_codes, weights=w, minlength=n_x),
        T_values=np.asarray(T_values, dtype=np.float64),
        T_weight=np.bincount(T_codes, weights=w, minlength=n_T),
        T_weight_x=np.bincount(T_codes, weights=w * x, minlength=n_T),
        t_values=np.asarray(t_values, dtype=np.float64),
        row_x_index=row_x_index,
        row_t_index=(row_keys // n_T) % len(t_values),
        row_T_index=row_keys % n_T,
        row_weight=np.bincount(row_codes, weights=r_w, minlength=len(row_keys)),
        row_x=x_values[row_x_index],
    )


def _dot(u: FloatArray, v: FloatArray) -> float:
    # einsum's own loop: BLAS dot spins up threads, which costs more than it saves for
    # these vector sizes on a busy machine.
    return float(np.einsum("i,i->", u, v))


def _log_likelihood_and_gradient(
    log_params: FloatArray, data: _FitData
) -> tuple[float, FloatArray]:
    """Return the total log-likelihood and its gradient with respect to the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    xv, Wx = data.x_values, data.x_weight

    # Functions of x alone, once per distinct x value.
    ab = a + b
    gx = (
        special.gammaln(r + xv)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.betaln(a, b + xv)
        - special.betaln(a, b)
    )
    dgx_r = special.digamma(r + xv) - special.digamma(r) + np.log(alpha)
    dgx_a = special.digamma(ab) - special.digamma(ab + xv)
    dgx_b = (
        special.digamma(b + xv)
        - special.digamma(ab + xv)
        - special.digamma(b)
        + special.digamma(ab)
    )
    # b + x - 1 is only used where x >= 1, so it is >= b > 0; clip the x = 0 entry.
    b_x1 = np.maximum(b + xv - 1.0, b)
    log_c = np.log(a) - np.log(b_x1)
    inv_b_x1 = 1.0 / b_x1

    # Functions of T alone: the "still alive" branch, summed over everyone by T.
    log_aT_v = np.log(alpha + data.T_values)
    inv_aT_v = 1.0 / (alpha + data.T_values)
    sum_w_logT = _dot(data.T_weight, log_aT_v)

    loglik = _dot(Wx, gx) - r * sum_w_logT - _dot(data.T_weight_x, log_aT_v)
    g_r = _dot(Wx, dgx_r) - sum_w_logT
    g_alpha = r / alpha * data.total_weight - _dot(r * data.T_weight + data.T_weight_x, inv_aT_v)
    g_a = _dot(Wx, dgx_a)
    g_b = _dot(Wx, dgx_b)

    if len(data.row_weight):
        # Repeat buyers: the "dropped out after the last purchase" branch. d is the log of
        # its likelihood over the "still alive" one; log(1 + e^d) is added to the latter.
        w = data.row_weight
        log_at_v = np.log(alpha + data.t_values)
        inv_at_v = 1.0 / (alpha + data.t_values)
        rx = r + data.row_x
        diff = log_aT_v.take(data.row_T_index)
        diff -= log_at_v.take(data.row_t_index)
        d = rx * diff
        d += log_c.take(data.row_x_index)
        e = np.exp(-np.abs(d))
        softplus = np.maximum(d, 0.0) + np.log1p(e)
        s = np.where(d >= 0.0, 1.0, e)
        s /= 1.0 + e  # = expit(d), the dropped-out branch's share
        ws = w * s
        inv_diff = inv_at_v.take(data.row_t_index)
        inv_diff -= inv_aT_v.take(data.row_T_index)
        loglik += _dot(w, softplus)
        g_r += _dot(ws, diff)
        g_alpha -= _dot(ws * rx, inv_diff)
        g_a += ws.sum() / a
        g_b -= _dot(ws, inv_b_x1.take(data.row_x_index))

    # Chain rule to the log-parameters: d/dlog(theta) = theta * d/dtheta.
    return loglik, np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])


def _sample(data: _FitData, *, max_rows: int = 20_000) -> _FitData:
    """Return ``data`` with every k-th repeat-buyer row, its weight scaled by k.

    Good enough to rank starting points, at a fraction of a full evaluation's cost; the
    parts summed per x and per T stay exact.
    """
    step = -(-len(data.row_weight) // max_rows)
    if step <= 1:
        return data
    picked = slice(0, None, step)
    return replace(
        data,
        row_x_index=data.row_x_index[picked],
        row_t_index=data.row_t_index[picked],
        row_T_index=data.row_T_index[picked],
        row_weight=data.row_weight[picked] * step,
        row_x=data.row_x[picked],
    )


def _starting_points(data: _FitData) -> list[FloatArray]:
    """Return candidate log-parameter vectors around the data's mean purchase rate."""
    sum_x = _dot(data.x_weight, data.x_values)
    sum_T = _dot(data.T_weight, data.T_values)
    rate = max(sum_x / max(sum_T, 1e-12), 1e-6)
    candidates = []
    for r in (0.25, 1.0, 4.0):
        for a, b in ((0.5, 2.0), (1.0, 4.0), (2.0, 10.0)):
            # alpha so that the prior mean rate r / alpha matches the observed rate, inflated
            # by the dropout the (a, b) pair implies.
            alpha = r / rate / (1.0 + a / b)
            candidates.append(np.log([r, alpha, a, b]))
    return candidates


class BetaGeo:
    """BG/NBD model with a scikit-learn-like API: ``BetaGeo().fit(frequency, recency, T)``.

    After ``fit`` the parameters are ``r_``, ``alpha_``, ``a_``, ``b_`` and the maximised
    total log-likelihood is ``log_likelihood_``; ``n_customers_`` counts the customers and
    ``n_iter_`` the optimiser's iterations.
    """

    def __init__(self, *, tol: float = 1e-10, max_iter: int = 1000) -> None:
        self.tol = tol
        self.max_iter = max_iter

    def fit(
        self, frequency: object, recency: object, T: object, *, weights: object | None = None
    ) -> BetaGeo:
        """Fit by maximum likelihood and return ``self``.

        :param frequency: repeat purchases per customer (whole numbers >= 0).
        :param recency: time from the first to the last purchase (0 when frequency is 0).
        :param T: time from the first purchase to the end of calibration.
        :param weights: optional number of customers each row stands for.
        """
        x, t_x, big_t = validate_summary(frequency, recency, T)
        if len(x) == 0:
            raise ClvInputError("no customers to fit", code=ClvErrorCode.EMPTY_INPUT)
        w = None
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != x.shape or np.any(w < 0) or not np.all(np.isfinite(w)):
                raise ClvInputError("weights must be finite, >= 0 and one per row", field="weights")
        data = _prepare(x, t_x, big_t, np.ones_like(x) if w is None else w)
        total_weight = data.total_weight
        if total_weight <= 0:
            raise ClvInputError("the weights add up to 0", field="weights")

        def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
            ll, grad = _log_likelihood_and_gradient(log_params, data)
            # Minimise the mean negative log-likelihood so tolerances do not depend on N.
            return -ll / total_weight, -grad / total_weight

        sample = _sample(data)
        start = min(
            _starting_points(data),
            key=lambda p: -_log_likelihood_and_gradient(p, sample)[0],
        )
        # L-BFGS-B's few-parameter linear algebra goes through BLAS; a threaded BLAS only
        # adds wake-up latency to each of those tiny steps (9 ms a step on a busy 2-core box).
        with threadpool_limits(limits=1, user_api="blas"):
            result = optimize.minimize(
                objective,
                start,
                jac=True,
                method="L-BFGS-B",
                bounds=[_LOG_BOUNDS] * 4,
                options={"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-9},
            )
        if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
            raise ClvFitError("the BG/NBD likelihood has no finite maximum on this data")
        self.r_, self.alpha_, self.a_, self.b_ = (float(v) for v in np.exp(result.x))
        self.log_likelihood_ = float(-result.fun * total_weight)
        self.n_customers_ = round(float(total_weight))
        self.n_iter_ = int(result.nit)
        self.converged_ = bool(result.success)
        return self

    @property
    def params_(self) -> dict[str, float]:
        self._check_fitted()
        return {"r": self.r_, "alpha": self.alpha_, "a": self.a_, "b": self.b_}

    def log_likelihood(self, frequency: object, recency: object, T: object) -> float:
        """Return the total log-likelihood of the data under the fitted parameters."""
        self._check_fitted()
        x, t_x, big_t = validate_summary(frequency, recency, T)
        log_params = np.log([self.r_, self.alpha_, self.a_, self.b_])
        data = _prepare(x, t_x, big_t, np.ones_like(x))
        return _log_likelihood_and_gradient(log_params, data)[0]

    def conditional_probability_alive(
        self, frequency: object, recency: object, T: object
    ) -> FloatArray:
        """Return P(alive at T | x, t_x, T) for each customer."""
        self._check_fitted()
        x, t_x, big_t = validate_summary(frequency, recency, T)
        return special.expit(-self._log_odds_dropped(x, t_x, big_t))

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: float, frequency: object, recency: object, T: object
    ) -> FloatArray:
        """Return E[purchases in (T, T + t] | x, t_x, T] for each customer."""
        self._check_fitted()
        if t < 0:
            raise ClvInputError("t must be >= 0", field="t", code=ClvErrorCode.INVALID_PARAMETER)
        x, t_x, big_t = validate_summary(frequency, recency, T)
        pairs = distinct_pairs(x, big_t)
        if_alive = self._expected_purchases_if_alive(t, pairs.x, pairs.T)
        return if_alive[pairs.inverse] * special.expit(-self._log_odds_dropped(x, t_x, big_t))

    def expected_number_of_purchases_up_to_time(self, t: object) -> FloatArray:
        """Return E[X(t)], the expected purchases of a new customer in a period of length t."""
        self._check_fitted()
        t = as_nonnegative(t, name="t")
        r, alpha, b = self.r_, self.alpha_, self.b_
        z = t / (alpha + t)

        def at(a: float) -> FloatArray:
            # Euler's transformation turns (alpha/(alpha+t))^r 2F1(r, b; a+b-1; z) into
            # (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b-1; z), whose series converges at z -> 1.
            tail = np.power(1.0 - z, a - 1.0) * special.hyp2f1(
                a + b - 1.0 - r, a - 1.0, a + b - 1.0, z
            )
            return (a + b - 1.0) / (a - 1.0) * (1.0 - tail)

        return _around_a_equal_one(at, self.a_)

    def _log_odds_dropped(self, x: FloatArray, t_x: FloatArray, big_t: FloatArray) -> FloatArray:
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (
                np.log(a)
                - np.log(b + x - 1.0)
                + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
            )
        return np.where(x > 0, d, -np.inf)

    def _expected_purchases_if_alive(
        self, t: float, x: FloatArray, big_t: FloatArray
    ) -> FloatArray:
        """Return E[purchases in (T, T + t] | alive at T, x, T]: FHL eq. 10 without P(alive).

        It does not depend on t_x, so callers evaluate it once per distinct (x, T).
        """
        r, alpha, b = self.r_, self.alpha_, self.b_
        z = t / (alpha + big_t + t)

        def at(a: float) -> FloatArray:
            # Euler's transformation, as above: ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x;
            # a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z). The left-hand form
            # overflows for large x; the right-hand one does not.
            tail = np.power(1.0 - z, a - 1.0) * special.hyp2f1(
                a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z
            )
            return (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail)

        return _around_a_equal_one(at, self.a_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "r_"):
            raise ClvNotFittedError("fit the BG/NBD model before asking it for predictions")


def _around_a_equal_one(formula: Callable[[float], FloatArray], a: float) -> FloatArray:
    """Return ``formula(a)``, or its limit when ``a`` is too close to 1 to divide by a - 1.

    The expectations have a removable singularity at a = 1 (0 / 0); there, average the
    formula just either side of it, which is accurate to the square of the step.
    """
    step = 1e-5
    if abs(a - 1.0) >= step:
        return formula(a)
    return 0.5 * (formula(1.0 - step) + formula(1.0 + step))


def as_nonnegative(values: object, *, name: str) -> FloatArray | float:
    """Return ``values`` as a float or float array after checking it is finite and >= 0."""
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ClvInputError(f"{name} must be finite and >= 0", field=name)
    return float(array) if array.ndim == 0 else array
