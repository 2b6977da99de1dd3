"""``dangol campaign review|uplift``: review a test run outside the CRM from its results file."""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangol.marketing.errors import ReviewInputError
from dangol.marketing.results import results_arm_totals
from dangol.marketing.review import arms_review
from dangol.marketing.uplift import uplift_by_group


def _parse_band(text: str) -> tuple[str, list[float]]:
    column, sep, edges = text.rpartition("=")
    try:
        if not sep or not column:
            raise ValueError(text)
        return column, [float(e) for e in edges.split(",")]
    except ValueError as exc:
        raise CommandError(
            _("--band takes COLUMN=EDGE,EDGE,... with numeric edges, got “%(text)s”.")
            % {"text": text}
        ) from exc


def _pct(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _json_default(value: Any) -> Any:
    raise TypeError(f"not JSON serialisable: {value!r}")


class Command(BaseCommand):
    help = gettext_lazy("Review a campaign test from a results file (one row per customer).")
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        review = sub.add_parser("review", help=gettext_lazy("Compare each arm with the control."))
        uplift = sub.add_parser(
            "uplift", help=gettext_lazy("Show which customer groups each arm moved most.")
        )
        for action in (review, uplift):
            action.add_argument(
                "--results",
                required=True,
                help=gettext_lazy("CSV file, one row per customer, with a header row."),
            )
            action.add_argument(
                "--arm-col", required=True, help=gettext_lazy("Column naming the arm.")
            )
            action.add_argument(
                "--control", required=True, help=gettext_lazy("The control arm's value.")
            )
            action.add_argument(
                "--response-col",
                required=True,
                help=gettext_lazy("Column holding 1 for a response and 0 otherwise."),
            )
            action.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        review.add_argument(
            "--value-col",
            default=None,
            help=gettext_lazy("Numeric column to compare per customer (e.g. spend)."),
        )
        uplift.add_argument(
            "--by",
            action="append",
            required=True,
            help=gettext_lazy("Column to group customers by (repeatable)."),
        )
        uplift.add_argument(
            "--band",
            action="append",
            default=[],
            help=gettext_lazy("Cut a numeric --by column into bands: COLUMN=EDGE,EDGE,..."),
        )
        uplift.add_argument(
            "--pool",
            action="store_true",
            help=gettext_lazy("Compare all non-control arms together as one."),
        )

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "review":
                self._review(options)
            else:
                self._uplift(options)
        except ReviewInputError as exc:
            raise CommandError(exc.message) from exc

    def _write_json(self, payload: list[dict[str, Any]]) -> None:
        # allow_nan=False: an undefined measure is null, never the non-JSON NaN.
        self.stdout.write(
            json.dumps(
                payload, ensure_ascii=False, indent=2, allow_nan=False, default=_json_default
            )
        )

    def _review(self, options: dict[str, Any]) -> None:
        totals = results_arm_totals(
            source=options["results"],
            arm_col=options["arm_col"],
            response_col=options["response_col"],
            value_col=options["value_col"],
        )
        reviews = arms_review(arms=totals, control=options["control"])
        if options["json"]:
            self._write_json([r.as_dict() for r in reviews])
            return
        control = next(t for t in totals if t.arm == options["control"])
        self.stdout.write(
            _("Control “%(arm)s”: %(n)d customers, response rate %(rate)s.")
            % {"arm": control.arm, "n": control.n, "rate": _pct(control.responders / control.n)}
        )
        for r in reviews:
            self.stdout.write(
                _(
                    "%(arm)s: %(n)d customers, response rate %(rate)s, lift %(lift)s points "
                    "(95%% CI %(low)s to %(high)s, p = %(p).3g), relative lift %(rel)s."
                )
                % {
                    "arm": r.arm,
                    "n": r.n,
                    "rate": _pct(r.response_rate),
                    "lift": f"{r.lift_abs * 100:+.2f}",
                    "low": f"{r.ci_low * 100:+.2f}",
                    "high": f"{r.ci_high * 100:+.2f}",
                    "p": r.p_value,
                    "rel": _pct(r.lift_rel, 1),
                }
            )
            if r.incremental_value is not None:
                self.stdout.write(
                    "    "
                    + _(
                        "value per customer %(vpc).4f vs %(cvpc).4f in the control; "
                        "incremental value %(inc).2f."
                    )
                    % {
                        "vpc": r.value_per_customer,
                        "cvpc": r.control_value_per_customer,
                        "inc": r.incremental_value,
                    }
                )

    def _uplift(self, options: dict[str, Any]) -> None:
        bands = dict(_parse_band(text) for text in options["band"])
        rows = uplift_by_group(
            source=options["results"],
            arm_col=options["arm_col"],
            control=options["control"],
            response_col=options["response_col"],
            by=options["by"],
            bands=bands,
            pool=options["pool"],
        )
        if options["json"]:
            self._write_json([r.as_dict() for r in rows])
            return
        heads = (_("column"), _("group"), _("arm"), _("customers"), _("rate"), _("control"))
        tail = (_("uplift"), "95% " + _("CI"), _("p-value"))
        self.stdout.write(
            f"{heads[0]:<16} {heads[1]:<18} {heads[2]:<28} {heads[3]:>9} {heads[4]:>7} "
            f"{heads[5]:>7} {tail[0]:>7} {tail[1]:>17} {tail[2]:>9}"
        )
        for r in rows:
            interval = f"[{r.ci_low * 100:+.2f}, {r.ci_high * 100:+.2f}]"
            p_value = f"{r.p_value:.2g}" if not math.isnan(r.p_value) else "—"
            self.stdout.write(
                f"{r.by:<16} {r.group or '—':<18} {r.arm:<28} {r.n:>9} "
                f"{_pct(r.response_rate):>7} {_pct(r.control_rate):>7} "
                f"{r.uplift * 100:>+7.2f} {interval:>17} {p_value:>9}"
            )
