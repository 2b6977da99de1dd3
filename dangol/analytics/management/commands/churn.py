"""``dangol churn train|score``: the churn-risk model on the warehouse."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangol.analytics.errors import ValidationError
from dangol.analytics.warehouse.errors import WarehouseMissing


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in YYYY-MM-DD form") from None


class Command(BaseCommand):
    help = (
        "Train the churn model on the warehouse with a time-based split and score every "
        "customer (train), or score with the latest trained model (score)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        train = subcommands.add_parser("train", help="Train, assess, score and record a version.")
        train.add_argument(
            "--churn-days",
            type=int,
            metavar="N",
            help="Churn = no purchase in N days (default DANGOL_CHURN_DAYS).",
        )
        train.add_argument(
            "--top-share",
            type=float,
            metavar="S",
            help="Share of customers in precision/recall at k (default 0.1).",
        )
        train.add_argument(
            "--warehouse",
            metavar="FILE.duckdb",
            help="Read this DuckDB file instead of the current warehouse.",
        )
        train.add_argument("--json", action="store_true", help="Print the metrics as JSON.")
        score = subcommands.add_parser("score", help="Score customers with the latest model.")
        score.add_argument(
            "--as-of",
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="Features as of this day (default: the data's end).",
        )
        score.add_argument(
            "--warehouse",
            metavar="FILE.duckdb",
            help="Read this DuckDB file instead of the current warehouse.",
        )

    def handle(self, *args: object, **options: object) -> None:
        from dangol.analytics.churn.services import churn_score, churn_train

        try:
            if options["subcommand"] == "train":
                run = churn_train(
                    churn_days=options["churn_days"],
                    top_share=options["top_share"],
                    warehouse=options["warehouse"],
                )
                if options["json"]:
                    self.stdout.write(
                        json.dumps(
                            {
                                "version": run.version,
                                "params": run.params,
                                "metrics": run.metrics,
                                "customers_scored": run.customers_scored,
                            }
                        )
                    )
                    return
                m = run.metrics
                self.stdout.write(
                    f"Churn v{run.version}: AUC {m['auc']} (recency baseline "
                    f"{m['baseline_auc_recency']}), precision@{m['top_k']} "
                    f"{m['precision_at_k']}, recall@{m['top_k']} {m['recall_at_k']}; "
                    f"{run.customers_scored} customers scored"
                )
            else:
                written = churn_score(as_of=options["as_of"], warehouse=options["warehouse"])
                self.stdout.write(f"Scored {written} customers")
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        except WarehouseMissing as exc:
            raise CommandError(str(exc)) from exc
