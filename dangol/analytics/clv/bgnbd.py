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

import numpy as np
from scipy import optimize, special

from dangol.analytics.clv._rows import DistinctRows, FloatArray, distinct_rows, validate_summary
from dangol.analytics.clv.errors import ClvErrorCode, ClvFitError, ClvInputError, ClvNotFittedError

# Bounds on the log of every parameter: wide enough for any real data set, and they keep
# the optimiser away from overflow while it explores.
_LOG_BOUNDS = (-12.0, 12.0)


def _log_likelihood_and_gradient(
    log_params: FloatArray, rows: DistinctRows, x: FloatArray, x_weight: FloatArray
) -> tuple[float, FloatArray]:
    """Return the total log-likelihood and its gradient with respect to the log-parameters.

    ``x`` is the per-row frequency and ``x_weight`` the total weight of each distinct ``x``
    value; both are precomputed because they do not depend on the parameters.
    """
    r, alpha, a, b = np.exp(log_params)
    xv = rows.x_values
    w = rows.weight

    # Functions of x alone, evaluated once per distinct x value.
    rx_v = r + xv
    ab = a + b
    gx = (
        special.gammaln(rx_v)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.betaln(a, b + xv)
        - special.betaln(a, b)
    )
    with np.errstate(divide="ignore"):
        # -inf for x = 0, where the "dropped out after the last purchase" branch is empty.
        log_c = np.where(xv > 0, np.log(a) - np.log(np.maximum(b + xv - 1.0, 1e-300)), -np.inf)
    dgx_r = special.digamma(rx_v) - special.digamma(r) + np.log(alpha)
    dgx_a = special.digamma(ab) - special.digamma(ab + xv)
    dgx_b = (
        special.digamma(b + xv)
        - special.digamma(ab + xv)
        - special.digamma(b)
        + special.digamma(ab)
    )
    inv_b1 = np.where(xv > 0, 1.0 / np.maximum(b + xv - 1.0, 1e-300), 0.0)

    # Functions of T and of t_x alone, once per distinct value.
    log_aT_v = np.log(alpha + rows.T_values)
    log_at_v = np.log(alpha + rows.t_values)
    inv_aT_v = 1.0 / (alpha + rows.T_values)
    inv_at_v = 1.0 / (alpha + rows.t_values)

    # Per distinct row: only cheap arithmetic and lookups from here on.
    rx = r + x
    log_aT = log_aT_v[rows.T_index]
    log_at = log_at_v[rows.t_index]
    term1 = -rx * log_aT
    # d = log of (second branch / first branch); -inf for x = 0.
    d = log_c[rows.x_index] + rx * (log_aT - log_at)
    softplus = np.logaddexp(0.0, d)
    s = special.expit(d)  # share of the likelihood from the "dropped out" branch
    ws = w * s
    w1s = w - ws

    loglik = float(x_weight @ gx + w @ term1 + w @ softplus)

    g_r = x_weight @ dgx_r - w1s @ log_aT - ws @ log_at
    g_alpha = (
        r / alpha * w.sum()
        - (w1s * rx) @ inv_aT_v[rows.T_index]
        - (ws * rx) @ inv_at_v[rows.t_index]
    )
    sum_ws_by_x = np.bincount(rows.x_index, weights=ws, minlength=len(xv))
    g_a = x_weight @ dgx_a + ws.sum() / a
    g_b = x_weight @ dgx_b - sum_ws_by_x @ inv_b1
    # Chain rule to the log-parameters: d/dlog(theta) = theta * d/dtheta.
    gradient = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
    return loglik, gradient


def _starting_points(x: FloatArray, big_t: FloatArray, weight: FloatArray) -> list[FloatArray]:
    """Return candidate log-parameter vectors around the data's mean purchase rate."""
    rate = max(float(weight @ x) / max(float(weight @ big_t), 1e-12), 1e-6)
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
        rows = distinct_rows(x, t_x, big_t, w)
        row_x = rows.x
        x_weight = np.bincount(rows.x_index, weights=rows.weight, minlength=len(rows.x_values))
        total_weight = rows.weight.sum()

        def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
            ll, grad = _log_likelihood_and_gradient(log_params, rows, row_x, x_weight)
            # Minimise the mean negative log-likelihood so tolerances do not depend on N.
            return -ll / total_weight, -grad / total_weight

        starts = _starting_points(row_x, rows.T, rows.weight)
        start = min(starts, key=lambda p: objective(p)[0])
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
        rows = distinct_rows(x, t_x, big_t)
        x_weight = np.bincount(rows.x_index, weights=rows.weight, minlength=len(rows.x_values))
        log_params = np.log([self.r_, self.alpha_, self.a_, self.b_])
        return _log_likelihood_and_gradient(log_params, rows, rows.x, x_weight)[0]

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
        rows = distinct_rows(x, t_x, big_t)
        values = self._conditional_expected(t, rows.x, rows.t_x, rows.T)
        return values[rows.inverse]

    def expected_number_of_purchases_up_to_time(self, t: object) -> FloatArray:
        """Return E[X(t)], the expected purchases of a new customer in a period of length t."""
        self._check_fitted()
        t = as_nonnegative(t, name="t")
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        z = t / (alpha + t)
        # Euler's transformation turns (alpha/(alpha+t))^r 2F1(r, b; a+b-1; z) into
        # (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b-1; z), whose series converges at z -> 1.
        tail = np.power(1.0 - z, a - 1.0) * special.hyp2f1(a + b - 1.0 - r, a - 1.0, a + b - 1.0, z)
        return (a + b - 1.0) / (a - 1.0) * (1.0 - tail)

    def _log_odds_dropped(self, x: FloatArray, t_x: FloatArray, big_t: FloatArray) -> FloatArray:
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (
                np.log(a)
                - np.log(b + x - 1.0)
                + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
            )
        return np.where(x > 0, d, -np.inf)

    def _conditional_expected(
        self, t: float, x: FloatArray, t_x: FloatArray, big_t: FloatArray
    ) -> FloatArray:
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        z = t / (alpha + big_t + t)
        # As above, Euler's transformation: ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x;
        # a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z). The left-hand form
        # overflows for large x; the right-hand one does not.
        tail = np.power(1.0 - z, a - 1.0) * special.hyp2f1(
            a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z
        )
        p_alive = special.expit(-self._log_odds_dropped(x, t_x, big_t))
        return (a + b + x - 1.0) / (a - 1.0) * (1.0 - tail) * p_alive

    def _check_fitted(self) -> None:
        if not hasattr(self, "r_"):
            raise ClvNotFittedError("fit the BG/NBD model before asking it for predictions")


def as_nonnegative(values: object, *, name: str) -> FloatArray | float:
    """Return ``values`` as a float or float array after checking it is finite and >= 0."""
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ClvInputError(f"{name} must be finite and >= 0", field=name)
    return float(array) if array.ndim == 0 else array
