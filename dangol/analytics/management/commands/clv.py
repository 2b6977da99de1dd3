"""``dangol clv fit|score``: customer lifetime value from a transactions CSV;
``dangol clv refresh``: fit on the warehouse and write CLV and P(alive) to every customer."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangol.analytics.clv.errors import ClvFitError, ClvInputError
from dangol.analytics.clv.pipeline import clv_fit_from_transactions, clv_score_from_transactions


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _add_input_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--transactions",
        required=True,
        metavar="FILE.csv",
        help="CSV file with a header row, one purchase per row.",
    )
    parser.add_argument(
        "--customer-col", required=True, metavar="C", help="Column holding the customer identifier."
    )
    parser.add_argument(
        "--date-col", required=True, metavar="D", help="Column holding the purchase date."
    )
    parser.add_argument(
        "--amount-col", required=True, metavar="A", help="Column holding the purchase amount."
    )
    parser.add_argument(
        "--date-format",
        metavar="FMT",
        default=None,
        help="strptime format of the dates, e.g. %%Y%%m%%d (default: ISO dates).",
    )
    parser.add_argument(
        "--calibration-end",
        required=True,
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="Last day of the calibration period (inclusive).",
    )
    parser.add_argument("--time-unit", choices=("week", "day"), default="week",
                        help="Unit of recency, T and the horizon; a week is 7 days.")  # fmt: skip


class Command(BaseCommand):
    help = (
        "Fit BG/NBD and Gamma-Gamma models on a transactions CSV (fit), or write "
        "per-customer P(alive), expected purchases, expected order value and CLV (score)."
    )
    # Pure computation on a file: no database, URLs or models are involved, so the project's
    # system checks have nothing to say about it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        fit = subcommands.add_parser("fit", help="Fit the models and print their parameters.")
        _add_input_arguments(fit)
        fit.add_argument("--json", action="store_true", help="Print the parameters as JSON.")
        score = subcommands.add_parser("score", help="Fit, then score every customer to a CSV.")
        _add_input_arguments(score)
        score.add_argument("--horizon", type=float, required=True, metavar="H",
                           help="Future window, in time units.")  # fmt: skip
        score.add_argument("--discount-rate", type=float, default=0.0, metavar="R",
                           help="Discount rate per time unit, e.g. 0.002 (default 0).")  # fmt: skip
        score.add_argument("--out", required=True, metavar="FILE.csv",
                           help="Where to write the scores ('-' for standard output).")  # fmt: skip

        refresh = subcommands.add_parser(
            "refresh",
            help="Fit on the warehouse, validate on a holdout, write clv and p_alive to "
            "every customer and record a model version.",
        )
        refresh.add_argument(
            "--calibration-end",
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="Ignore purchases after this day (default: the data's end).",
        )
        refresh.add_argument(
            "--horizon-weeks",
            type=float,
            metavar="H",
            help="CLV horizon in weeks (default DANGOL_CLV_HORIZON_WEEKS).",
        )
        refresh.add_argument(
            "--discount-rate",
            type=float,
            metavar="R",
            help="Yearly discount rate (default DANGOL_CLV_DISCOUNT_RATE).",
        )
        refresh.add_argument(
            "--holdout-weeks",
            type=int,
            metavar="W",
            help="Validation holdout (default DANGOL_CLV_HOLDOUT_WEEKS).",
        )
        refresh.add_argument(
            "--warehouse",
            metavar="FILE.duckdb",
            help="Read this DuckDB file instead of the current warehouse.",
        )
        refresh.add_argument("--json", action="store_true", help="Print the model card as JSON.")

    def handle(self, *args: object, **options: object) -> None:
        if options["subcommand"] == "refresh":
            self._refresh(options)
            return
        inputs = {
            "source": options["transactions"],
            "customer_col": options["customer_col"],
            "date_col": options["date_col"],
            "amount_col": options["amount_col"],
            "calibration_end": options["calibration_end"],
            "time_unit": options["time_unit"],
            "date_format": options["date_format"],
        }
        try:
            if options["subcommand"] == "fit":
                self._fit(inputs, as_json=bool(options["json"]))
            else:
                self._score(
                    inputs,
                    horizon=float(options["horizon"]),
                    discount_rate=float(options["discount_rate"]),
                    out=str(options["out"]),
                )
        except (ClvInputError, ClvFitError) as exc:
            raise CommandError(exc.message) from exc

    def _refresh(self, options: dict[str, object]) -> None:
        from dangol.analytics.clv.services import clv_refresh
        from dangol.analytics.warehouse.errors import WarehouseMissing

        try:
            result = clv_refresh(
                calibration_end=options["calibration_end"],
                horizon_weeks=options["horizon_weeks"],
                discount_rate=options["discount_rate"],
                holdout_weeks=options["holdout_weeks"],
                warehouse=options["warehouse"],
            )
        except (ClvInputError, ClvFitError) as exc:
            raise CommandError(exc.message) from exc
        except WarehouseMissing as exc:
            raise CommandError(str(exc)) from exc
        run = result.run
        if options["json"]:
            card = {"kind": run.kind, "version": run.version, "params": run.params}
            card |= {"metrics": run.metrics, "customers_scored": result.customers_scored}
            self.stdout.write(json.dumps(card))
            return
        bg = run.params["bgnbd"]
        validation = run.metrics.get("validation") or {}
        self.stdout.write(
            f"CLV v{run.version}: {result.customers_scored} customers scored as of "
            f"{run.params['calibration_end']}; BG/NBD r={bg['r']:.4f} alpha={bg['alpha']:.4f} "
            f"a={bg['a']:.4f} b={bg['b']:.4f}; fit {result.seconds['fit']:.3f} s"
        )
        if validation:
            self.stdout.write(
                f"Holdout {validation['holdout_weeks']} weeks: actual "
                f"{validation['holdout_actual_purchases']:.0f} repeat purchases, predicted "
                f"{validation['holdout_predicted_purchases']:.0f} "
                f"({validation['holdout_total_error_pct']}%)"
            )

    def _fit(self, inputs: dict[str, object], *, as_json: bool) -> None:
        fit = clv_fit_from_transactions(**inputs)
        result = fit.as_dict()
        if as_json:
            self.stdout.write(json.dumps(result))
            return
        bg, gg = result["bgnbd"], result["gamma_gamma"]
        self.stdout.write(
            f"BG/NBD on {result['customers']} customers: r={bg['r']:.4f} "
            f"alpha={bg['alpha']:.4f} a={bg['a']:.4f} b={bg['b']:.4f} "
            f"log-likelihood={bg['loglik']:.2f}"
        )
        self.stdout.write(
            f"Gamma-Gamma on {fit.gamma_gamma.n_customers_} repeat buyers: "
            f"p={gg['p']:.4f} q={gg['q']:.4f} v={gg['v']:.4f}"
        )

    def _score(
        self, inputs: dict[str, object], *, horizon: float, discount_rate: float, out: str
    ) -> None:
        scores = clv_score_from_transactions(**inputs, horizon=horizon, discount_rate=discount_rate)
        if out == "-":
            # One write: OutputWrapper would add a newline to any chunk not ending in one.
            self.stdout.write(scores.to_csv(index=False), ending="")
            return
        try:
            scores.to_csv(out, index=False)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}") from exc
        self.stderr.write(f"Wrote {len(scores)} customers to {out}")
