"""``dangol analyze rfm|tiers|pareto|profitability|rfm-migration|cohorts|wallet``.

``--engine spark --parquet DIR`` runs the same SQL on Apache Spark over a Parquet export.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dangol.analytics.errors import ValidationError


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return number


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _add_common(parser: CommandParser, *, as_of: bool = True, window: bool = True) -> None:
    if as_of:
        parser.add_argument(
            "--as-of",
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="Analyse the window ending on this day (default: today).",
        )
    if window:
        parser.add_argument(
            "--window-days",
            type=_positive,
            metavar="N",
            help="Window length in days (default: DANGOL_RFM_WINDOW_DAYS, 365).",
        )
    parser.add_argument(
        "--format", choices=("csv", "json"), default="csv", help="Output format (default csv)."
    )
    parser.add_argument(
        "--warehouse",
        metavar="FILE.duckdb",
        help="Read this DuckDB file instead of the current warehouse.",
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="Run on the DuckDB warehouse (default) or on Apache Spark over --parquet.",
    )
    parser.add_argument(
        "--parquet",
        metavar="DIR",
        help="With --engine spark: the Parquet export (`dangol warehouse export`), a local "
        "directory or a URL the cluster can read (hdfs://, s3a://).",
    )
    parser.add_argument(
        "--master",
        metavar="URL",
        help="With --engine spark: local[N] (default local[2], or SPARK_MASTER) or "
        "spark://host:7077.",
    )
    parser.add_argument(
        "--remote",
        metavar="sc://HOST:PORT",
        help="With --engine spark: a Spark Connect server (default SPARK_REMOTE).",
    )


class Command(BaseCommand):
    help = (
        "Analyse the warehouse: RFM scores and segments, value tiers, the Pareto curve with "
        "Gini coefficients, profitability, and the RFM segment migration between two dates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        rfm = sub.add_parser("rfm", help="RFM values, quintile scores and segment per customer.")
        _add_common(rfm)
        rfm.add_argument(
            "--write-back",
            action="store_true",
            help="Also write RFM and value tiers to the customers' scores.",
        )
        tiers = sub.add_parser("tiers", help="Value tier per customer (or --summary per tier).")
        _add_common(tiers)
        tiers.add_argument(
            "--summary", action="store_true", help="Print each tier's customers and shares instead."
        )
        tiers.add_argument(
            "--write-back",
            action="store_true",
            help="Also write RFM and value tiers to the customers' scores.",
        )
        pareto = sub.add_parser("pareto", help="Lorenz points and Gini of revenue and margin.")
        _add_common(pareto)
        pareto.add_argument(
            "--points",
            type=_positive,
            default=100,
            metavar="N",
            help="Number of percentile steps (default 100).",
        )
        profit = sub.add_parser("profitability", help="Profit after cost to serve, ranked.")
        _add_common(profit)
        profit.add_argument(
            "--by",
            choices=("customer", "product", "customer-category"),
            required=True,
            help="What to rank.",
        )
        profit.add_argument("--top", type=_positive, metavar="N", help="Keep the first N.")
        migration = sub.add_parser("rfm-migration", help="Segment x segment customer counts.")
        _add_common(migration, as_of=False)
        migration.add_argument(
            "--from",
            dest="date_from",
            type=_iso_date,
            required=True,
            metavar="YYYY-MM-DD",
            help="First as-of date.",
        )
        migration.add_argument(
            "--to",
            dest="date_to",
            type=_iso_date,
            required=True,
            metavar="YYYY-MM-DD",
            help="Second as-of date.",
        )

        cohorts = sub.add_parser(
            "cohorts", help="Monthly acquisition cohorts x months since: customers and revenue."
        )
        _add_common(cohorts, window=False)
        cohorts.add_argument(
            "--since",
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="Leave out cohorts acquired before this day's month.",
        )
        wallet = sub.add_parser(
            "wallet", help="Share of wallet per known category budget (or --summary)."
        )
        _add_common(wallet, window=False)
        wallet.add_argument("--top", type=_positive, metavar="N", help="Keep the N biggest gaps.")
        wallet.add_argument(
            "--summary",
            action="store_true",
            help="Print the figures per category instead (JSON adds totals and distribution).",
        )

    def handle(self, *args: object, **options) -> None:
        as_of = options.get("as_of") or timezone.localdate()
        options["as_of"] = as_of
        con = self._open(options)
        try:
            rows, meta = getattr(self, "_" + options["subcommand"].replace("-", "_"))(con, options)
        except ValidationError as exc:
            raise CommandError(exc.message) from None
        finally:
            con.close()
        if options.get("write_back"):
            from dangol.analytics.services import customer_scores_refresh

            written = customer_scores_refresh(
                as_of=as_of, window_days=options.get("window_days"), warehouse=options["warehouse"]
            )
            self.stderr.write(f"Wrote scores of {written} customers.")
        self._emit(rows, meta, options["format"])

    def _open(self, options: dict):
        """Return a DuckDB connection to the warehouse, or a Spark engine over --parquet."""
        import duckdb

        from dangol.analytics.warehouse.errors import WarehouseMissing

        if options["engine"] == "spark":
            if not options["parquet"]:
                raise CommandError("--engine spark needs --parquet DIR (a warehouse export).")
            if options["subcommand"] in ("profitability", "cohorts", "wallet"):
                raise CommandError(f"{options['subcommand']} runs on the DuckDB warehouse only.")
            if options.get("write_back"):
                raise CommandError("--write-back reads the DuckDB warehouse; drop --engine spark.")
            from dangol.analytics.engines.spark_engine import spark_engine

            try:
                return spark_engine(
                    options["parquet"], master=options["master"], remote=options["remote"]
                )
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from None
        try:
            if options["warehouse"]:
                return duckdb.connect(options["warehouse"], read_only=True)
            from dangol.analytics.warehouse.connection import warehouse_connect

            return warehouse_connect()
        except (WarehouseMissing, duckdb.Error) as exc:
            raise CommandError(str(exc)) from None

    def _emit(self, rows: list[dict], meta: dict, fmt: str) -> None:
        rows = [{k: _plain(v) for k, v in row.items()} for row in rows]
        if fmt == "json":
            payload = {k: _plain(v) for k, v in meta.items()} | {"rows": rows}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1))
            return
        if not rows:
            return
        writer = csv.DictWriter(self.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    def _rfm(self, con, o):
        from dangol.analytics.rfm import rfm_scores, rfm_window_days

        days = rfm_window_days(o["window_days"])
        rows = rfm_scores(con=con, as_of=o["as_of"], window_days=days).to_pylist()
        return rows, {"as_of": o["as_of"], "window_days": days}

    def _tiers(self, con, o):
        from dangol.analytics.rfm import rfm_window_days
        from dangol.analytics.tiers import tier_cuts, tier_summary, value_tiers

        days = rfm_window_days(o["window_days"])
        top, middle = tier_cuts()
        meta = {"as_of": o["as_of"], "window_days": days, "cuts": [top, middle]}
        if o["summary"]:
            return tier_summary(con=con, as_of=o["as_of"], window_days=days), meta
        return value_tiers(con=con, as_of=o["as_of"], window_days=days).to_pylist(), meta

    def _pareto(self, con, o):
        from dangol.analytics.rfm import rfm_window_days
        from dangol.analytics.tiers import pareto

        days = rfm_window_days(o["window_days"])
        result = pareto(con=con, as_of=o["as_of"], window_days=days, points=o["points"])
        rows = result.pop("lorenz")
        return rows, {"as_of": o["as_of"], "window_days": days, **result}

    def _profitability(self, con, o):
        from dangol.analytics.profitability import cost_per_interaction, profitability
        from dangol.analytics.rfm import rfm_window_days

        days = rfm_window_days(o["window_days"])
        table = profitability(con=con, by=o["by"], as_of=o["as_of"], window_days=days, top=o["top"])
        costs = {k: str(v) for k, v in cost_per_interaction().items()}
        meta = {"as_of": o["as_of"], "window_days": days, "by": o["by"], "costs": costs}
        return table.to_pylist(), meta

    def _rfm_migration(self, con, o):
        from dangol.analytics.rfm import rfm_migration, rfm_window_days

        days = rfm_window_days(o["window_days"])
        rows = rfm_migration(
            con=con, date_from=o["date_from"], date_to=o["date_to"], window_days=days
        )
        meta = {"from": o["date_from"], "to": o["date_to"], "window_days": days}
        return rows, meta

    def _cohorts(self, con, o):
        from dangol.analytics.cohorts import cohort_matrix

        rows = cohort_matrix(con=con, as_of=o["as_of"], since=o["since"]).to_pylist()
        return rows, {"as_of": o["as_of"], "since": o["since"]}

    def _wallet(self, con, o):
        from dangol.analytics.wallet import share_of_wallet, share_of_wallet_summary
        from dangol.customers.selectors import category_budget_table

        budgets = category_budget_table()
        if o["summary"]:
            summary = share_of_wallet_summary(con=con, budgets=budgets, as_of=o["as_of"])
            totals = {k: _plain(v) for k, v in summary["totals"].items()}
            meta = {"as_of": o["as_of"], "totals": totals, "distribution": summary["distribution"]}
            return summary["categories"], meta
        table = share_of_wallet(con=con, budgets=budgets, as_of=o["as_of"], top=o["top"])
        return table.to_pylist(), {"as_of": o["as_of"]}
