"""Benchmark: Dangol's BG/NBD + Gamma-Gamma against lifetimes 0.11.3 on 1,000,000 customers.

Both fit the same synthetic data, drawn from a BG/NBD process (seeded) with times rounded
to whole days as a transaction summary would give, so customers share (x, t_x, T) as real
ones do. lifetimes runs in its own virtualenv (``benchmarks/.venv-lifetimes``, created on
first use with lifetimes 0.11.3, numpy 1.26, pandas 1.5, scipy 1.11) in a subprocess that
times itself; Dangol runs in this interpreter. Rounds alternate between the two so both see
the same machine load; the figures are medians over the rounds.

    .venv/bin/python benchmarks/bench_clv.py [--customers 1000000] [--rounds 3]

Prints a Markdown table for docs/performance.md and exits non-zero if the two fits
disagree by more than 1e-3 on any parameter.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from dangol.analytics.clv.bgnbd import BetaGeo  # noqa: E402
from dangol.analytics.clv.gamma_gamma import GammaGamma  # noqa: E402
from dangol.analytics.clv.simulate import bgnbd_simulate  # noqa: E402
from dangol.analytics.clv.value import clv_scores  # noqa: E402

LIFETIMES_VENV = REPO_ROOT / "benchmarks" / ".venv-lifetimes"
LIFETIMES_REQUIREMENTS = ["lifetimes==0.11.3", "numpy==1.26.*", "pandas==1.5.*", "scipy==1.11.*"]
TRUE_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # CDNOW-like, in weeks
TRUE_GG = {"p": 6.25, "q": 3.74, "v": 15.44}
PREDICTION_WEEKS = 52.0
CLV_MONTHS = 12  # CLV over 12 steps of 4.345 weeks, 1 % a month: lifetimes' freq="W" recipe
WEEKS_PER_MONTH = 4.345
MONTHLY_DISCOUNT = 0.01

# Runs inside the lifetimes virtualenv: fit, predict, time each step, print JSON.
LIFETIMES_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter

data = np.load(sys.argv[1])
predict = sys.argv[2] == "1"
weeks, months, discount = float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
x, t, T, m = data["x"], data["t"], data["T"], data["m"]
out = {}
start = time.perf_counter()
bg = BetaGeoFitter().fit(x, t, T)
out["bgnbd_fit"] = time.perf_counter() - start
out["bgnbd"] = {k: float(v) for k, v in bg.params_.items()}
repeat = x > 0
start = time.perf_counter()
gg = GammaGammaFitter().fit(pd.Series(x[repeat]), pd.Series(m[repeat]))
out["gg_fit"] = time.perf_counter() - start
out["gg"] = {k: float(v) for k, v in gg.params_.items()}
if predict:
    start = time.perf_counter()
    p_alive = bg.conditional_probability_alive(x, t, T)
    expected = bg.conditional_expected_number_of_purchases_up_to_time(weeks, x, t, T)
    value = gg.conditional_expected_average_profit(pd.Series(x), pd.Series(m))
    out["predict"] = time.perf_counter() - start
    start = time.perf_counter()
    clv = gg.customer_lifetime_value(
        bg, pd.Series(x), pd.Series(t), pd.Series(T), pd.Series(m),
        time=months, discount_rate=discount, freq="W",
    )
    out["clv"] = time.perf_counter() - start
    sample = np.arange(0, len(x), 997)
    out["sample"] = {
        "p_alive": np.asarray(p_alive)[sample].tolist(),
        "expected": np.asarray(expected)[sample].tolist(),
        "value": np.asarray(value)[sample].tolist(),
        "clv": np.asarray(clv)[sample].tolist(),
    }
print(json.dumps(out))
"""


def ensure_lifetimes_venv() -> Path:
    """Return the lifetimes virtualenv's python, creating the venv the first time."""
    python = LIFETIMES_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {LIFETIMES_VENV} ...", file=sys.stderr)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(LIFETIMES_VENV)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "-q", *LIFETIMES_REQUIREMENTS], check=True
        )
    return python


def make_data(n: int, seed: int) -> dict[str, np.ndarray]:
    """Return x, t, T (weeks) and mean repeat spend m for ``n`` synthetic customers.

    First purchases fall uniformly over a year and calibration ends 26 weeks after it, so
    T runs from 26 to 78 weeks in whole days.
    """
    rng = np.random.default_rng(seed + 1)
    t_days = 545 - rng.integers(0, 365, n)
    x, t, big_t = bgnbd_simulate(n=n, **TRUE_BGNBD, T_days=t_days, seed=seed)
    nu = rng.gamma(TRUE_GG["q"], 1.0 / TRUE_GG["v"], n)
    shape = TRUE_GG["p"] * np.maximum(x, 1.0)
    m = np.where(x > 0, rng.gamma(shape, 1.0 / (nu * np.maximum(x, 1.0))), 0.0)
    return {"x": x, "t": t, "T": big_t, "m": m}


def run_lifetimes(python: Path, data_path: Path, *, predict: bool) -> dict:
    done = subprocess.run(  # noqa: S603
        [
            str(python),
            "-c",
            LIFETIMES_CHILD,
            str(data_path),
            "1" if predict else "0",
            str(PREDICTION_WEEKS),
            str(CLV_MONTHS),
            str(MONTHLY_DISCOUNT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_dangol(data: dict[str, np.ndarray], *, predict: bool) -> dict:
    x, t, big_t, m = data["x"], data["t"], data["T"], data["m"]
    out: dict = {}
    start = time.perf_counter()
    bg = BetaGeo().fit(x, t, big_t)
    out["bgnbd_fit"] = time.perf_counter() - start
    out["bgnbd"] = bg.params_
    out["bgnbd_iterations"] = bg.n_iter_
    start = time.perf_counter()
    gg = GammaGamma().fit(x, m)
    out["gg_fit"] = time.perf_counter() - start
    out["gg"] = gg.params_
    if predict:
        start = time.perf_counter()
        p_alive = bg.conditional_probability_alive(x, t, big_t)
        expected = bg.conditional_expected_number_of_purchases_up_to_time(
            PREDICTION_WEEKS, x, t, big_t
        )
        value = gg.conditional_expected_average_profit(x, m)
        out["predict"] = time.perf_counter() - start
        start = time.perf_counter()
        scores = clv_scores(
            bgnbd=bg,
            gamma_gamma=gg,
            frequency=x,
            recency=t,
            T=big_t,
            monetary=m,
            horizon=CLV_MONTHS * WEEKS_PER_MONTH,
            discount_rate=MONTHLY_DISCOUNT,
            period=WEEKS_PER_MONTH,
        )
        out["clv"] = time.perf_counter() - start
        sample = np.arange(0, len(x), 997)
        out["sample"] = {
            "p_alive": p_alive[sample].tolist(),
            "expected": expected[sample].tolist(),
            "value": value[sample].tolist(),
            "clv": scores.clv[sample].tolist(),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()

    python = ensure_lifetimes_venv()
    data = make_data(args.customers, args.seed)
    n_rows = len(np.unique(np.stack([data["x"], data["t"], data["T"]]), axis=1).T)
    n_repeat = int((data["x"] > 0).sum())
    print(
        f"{args.customers:,} customers, {n_repeat:,} repeat buyers, "
        f"{n_rows:,} distinct (x, t_x, T) rows",
        file=sys.stderr,
    )

    load_before = os.getloadavg()[0]
    dangol_runs, lifetimes_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "customers.npz"
        np.savez(data_path, **data)
        run_dangol(data, predict=False)  # warm-up: imports, first-call caches
        for i in range(args.rounds):
            predict = i == 0
            lifetimes_runs.append(run_lifetimes(python, data_path, predict=predict))
            dangol_runs.append(run_dangol(data, predict=predict))
            print(
                f"round {i + 1}: lifetimes {lifetimes_runs[-1]['bgnbd_fit']:.2f} s, "
                f"dangol {dangol_runs[-1]['bgnbd_fit']:.3f} s",
                file=sys.stderr,
            )

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(run[key] for run in runs if key in run)

    bg_diff = max(
        abs(dangol_runs[0]["bgnbd"][k] - lifetimes_runs[0]["bgnbd"][k])
        for k in ("r", "alpha", "a", "b")
    )
    gg_diff = max(abs(dangol_runs[0]["gg"][k] - lifetimes_runs[0]["gg"][k]) for k in "pqv")
    sample_diff = {
        key: float(
            np.max(
                np.abs(np.array(dangol_runs[0]["sample"][key]) - lifetimes_runs[0]["sample"][key])
                / np.maximum(np.abs(lifetimes_runs[0]["sample"][key]), 1e-12)
            )
        )
        for key in ("p_alive", "expected", "value", "clv")
    }
    rows = []
    for label, key in (
        ("BG/NBD fit", "bgnbd_fit"),
        ("Gamma-Gamma fit (repeat buyers)", "gg_fit"),
        ("P(alive) + expected purchases (52 w) + expected value", "predict"),
        ("CLV, 12 monthly steps, 1 %/month", "clv"),
    ):
        theirs, ours = median(lifetimes_runs, key), median(dangol_runs, key)
        rounds = sum(key in run for run in dangol_runs)
        rows.append(
            f"| {label} | {theirs:.2f} s | {ours:.3f} s | {theirs / ours:.0f}x | {rounds} |"
        )
    print("| step (1,000,000 customers) | lifetimes 0.11.3 | Dangol | speed-up | rounds |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("BG/NBD estimates: lifetimes " + json.dumps(lifetimes_runs[0]["bgnbd"]))
    print("BG/NBD estimates: dangol    " + json.dumps(dangol_runs[0]["bgnbd"]))
    print(f"max |difference|: BG/NBD {bg_diff:.2e}, Gamma-Gamma {gg_diff:.2e}")
    print("max relative difference of predictions (every 997th customer): " + json.dumps(
        {k: f"{v:.1e}" for k, v in sample_diff.items()}
    ))  # fmt: skip
    print(f"Dangol BG/NBD iterations: {dangol_runs[0]['bgnbd_iterations']}")
    print(
        "BG/NBD fit per round (lifetimes / dangol, s): "
        + ", ".join(
            f"{theirs['bgnbd_fit']:.2f} / {ours['bgnbd_fit']:.3f}"
            for theirs, ours in zip(lifetimes_runs, dangol_runs, strict=True)
        )
    )
    print(f"1-minute load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    return 0 if bg_diff <= 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
