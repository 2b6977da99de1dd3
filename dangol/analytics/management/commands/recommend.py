"""``dangol recommend refresh|evaluate``: cross-sell and up-sell from the warehouse."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangol.analytics.recommend.services import recommendations_evaluate, recommendations_refresh
from dangol.analytics.warehouse.errors import WarehouseMissing


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in YYYY-MM-DD form") from None


class Command(BaseCommand):
    help = gettext_lazy("Refresh or evaluate the cross-sell and up-sell recommendations.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser(
            "refresh", help=gettext_lazy("Recompute and store every customer's recommendations.")
        )
        refresh.add_argument(
            "--as-of", type=_iso_date, default=None, help=gettext_lazy("Last purchase day used.")
        )
        refresh.add_argument(
            "--no-evaluate",
            action="store_true",
            help=gettext_lazy("Skip the offline evaluation on a time split."),
        )
        refresh.add_argument("--warehouse", default=None, help=gettext_lazy("A DuckDB file."))
        refresh.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        evaluate = sub.add_parser(
            "evaluate",
            help=gettext_lazy("Hit rate and precision at k on a time split, vs popularity."),
        )
        evaluate.add_argument(
            "--split-date",
            type=_iso_date,
            default=None,
            help=gettext_lazy("First test day (default: the holdout days before the last)."),
        )
        evaluate.add_argument("--warehouse", default=None, help=gettext_lazy("A DuckDB file."))
        evaluate.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "refresh":
                run = recommendations_refresh(
                    as_of=options["as_of"],
                    evaluate=not options["no_evaluate"],
                    warehouse=options["warehouse"],
                )
            else:
                run = recommendations_evaluate(
                    split_date=options["split_date"], warehouse=options["warehouse"]
                )
        except WarehouseMissing as exc:
            raise CommandError(str(exc)) from exc
        out = {
            "model_run": run.pk,
            "version": run.version,
            "customers": run.customers_scored,
            "metrics": run.metrics,
        }
        if options["json"]:
            self.stdout.write(json.dumps(out, indent=2, default=str))
            return
        self.stdout.write(
            _("Model run %(id)s (version %(version)s): %(customers)s customers.")
            % {"id": run.pk, "version": run.version, "customers": run.customers_scored}
        )
        methods = run.metrics.get("methods", {})
        k = run.metrics.get("k")
        for method, values in methods.items():
            self.stdout.write(
                f"  {method:<11} hit rate@{k} {values['hit_rate']:.4f}  "
                f"precision@{k} {values['precision']:.4f}  recall@{k} {values['recall']:.4f}"
            )
