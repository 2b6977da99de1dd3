"""``dangol response study|train|score``: campaign response models from the command line."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext_lazy

from dangol.analytics.models import ModelRun
from dangol.analytics.response.selectors import response_study_get
from dangol.analytics.response.semma import ALGORITHMS
from dangol.analytics.response.services import (
    response_model_train,
    response_scores_write,
    response_study_create_from_csv,
    response_study_modify,
    response_study_sample,
)
from dangol.core.errors import DangolError


def _features(text: str) -> list[dict]:
    """Parse ``name[:transform[:bins]]`` items separated by commas."""
    out = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _sep, rest = item.partition(":")
        transform, _sep, bins = rest.partition(":")
        spec: dict = {"name": name, "transform": transform or "none"}
        if bins:
            spec["bins"] = int(bins)
        out.append(spec)
    return out


def _row_filter(items: list[str]) -> dict[str, list[str]]:
    kept: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"--keep takes column=value, got {item!r}")
        kept.setdefault(name, []).append(value)
    return kept


class Command(BaseCommand):
    help = gettext_lazy("Build, train and apply campaign response models (SEMMA).")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        study = sub.add_parser("study", help=gettext_lazy("Start a study from a CSV file."))
        study.add_argument("--csv", required=True, help=gettext_lazy("CSV of past contacts."))
        study.add_argument("--name", required=True)
        study.add_argument("--response-col", required=True, help=gettext_lazy("0/1 column."))
        study.add_argument(
            "--keep",
            action="append",
            default=[],
            metavar="COLUMN=VALUE",
            help=gettext_lazy("Keep only rows with this value (repeatable)."),
        )
        study.add_argument("--validation-share", type=float, default=0.3)
        study.add_argument("--seed", type=int, default=42)
        study.add_argument(
            "--features",
            default="",
            help=gettext_lazy("name[:none|log|bin|onehot[:bins]],... (default: every column)."),
        )
        train = sub.add_parser("train", help=gettext_lazy("Train and assess a model."))
        train.add_argument("--study", type=int, required=True)
        train.add_argument("--algorithm", choices=ALGORITHMS, default="logistic")
        score = sub.add_parser("score", help=gettext_lazy("Write response probabilities."))
        score.add_argument("--model-run", type=int, required=True)
        score.add_argument(
            "--customers", default="", help=gettext_lazy("Comma-separated ids (default: all).")
        )

    def handle(self, *args, **options) -> None:
        try:
            out = getattr(self, f"_{options['action']}")(options)
        except DangolError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(out, indent=2, default=str))

    def _study(self, options) -> dict:
        study = response_study_create_from_csv(
            name=options["name"], file=options["csv"], response_column=options["response_col"]
        )
        sample = response_study_sample(
            study=study,
            row_filter=_row_filter(options["keep"]),
            validation_share=options["validation_share"],
            seed=options["seed"],
        )
        if options["features"]:
            response_study_modify(study=study, features=_features(options["features"]))
        study.refresh_from_db()
        return {"study": study.pk, "sample": sample, "features": study.features}

    def _train(self, options) -> dict:
        run = response_model_train(
            study=response_study_get(study_id=options["study"]), algorithm=options["algorithm"]
        )
        keys = ("auc", "top_decile_lift", "response_rate", "train_auc", "valid_rows")
        return {
            "model_run": run.pk,
            "version": run.version,
            "metrics": {k: run.metrics[k] for k in keys},
            "artifact": run.artifact,
        }

    def _score(self, options) -> dict:
        run = ModelRun.objects.filter(pk=options["model_run"]).first()
        if run is None:
            raise CommandError(f"no model run {options['model_run']}")
        ids = [int(x) for x in options["customers"].split(",") if x.strip()] or None
        return {
            "model_run": run.pk,
            "customers": response_scores_write(model_run=run, customer_ids=ids),
        }
