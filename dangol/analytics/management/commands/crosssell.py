"""``dangol crosssell rules``: association rules from any basket file."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangol.analytics.crosssell.rules import baskets_mine
from dangol.analytics.errors import AnalyticsInputError


class Command(BaseCommand):
    help = gettext_lazy("Mine cross-sell association rules from a basket file.")
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rules = sub.add_parser(
            "rules",
            help=gettext_lazy("Print the rules with one item on the right-hand side."),
        )
        rules.add_argument(
            "--transactions",
            required=True,
            help=gettext_lazy("CSV file, one row per basket and item, with a header row."),
        )
        rules.add_argument(
            "--basket-col", required=True, help=gettext_lazy("Column naming the basket.")
        )
        rules.add_argument(
            "--item-col", required=True, help=gettext_lazy("Column naming the item.")
        )
        rules.add_argument(
            "--min-support",
            type=float,
            required=True,
            help=gettext_lazy("Smallest share of baskets, e.g. 0.01."),
        )
        rules.add_argument(
            "--min-confidence",
            type=float,
            required=True,
            help=gettext_lazy("Smallest confidence, e.g. 0.5."),
        )
        rules.add_argument(
            "--max-length",
            type=int,
            default=None,
            help=gettext_lazy("Most items in a rule, both sides together (default: no limit)."),
        )
        rules.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))

    def handle(self, *args, **options) -> None:
        try:
            mining = baskets_mine(
                source=options["transactions"],
                basket_col=options["basket_col"],
                item_col=options["item_col"],
                min_support=options["min_support"],
                min_confidence=options["min_confidence"],
                max_length=options["max_length"],
            )
        except AnalyticsInputError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            payload = [rule.as_dict() for rule in mining.rules]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _("%(rules)d rules from %(baskets)d baskets and %(items)d items.")
            % {"rules": len(mining.rules), "baskets": mining.n_baskets, "items": mining.n_items}
        )
        header = (_("support"), _("confidence"), _("lift"), _("rule"))
        self.stdout.write(f"{header[0]:>9} {header[1]:>10} {header[2]:>6}  {header[3]}")
        for rule in mining.rules:
            lhs, rhs = ", ".join(rule.antecedent), ", ".join(rule.consequent)
            text = f"{{{lhs}}} => {{{rhs}}}"
            self.stdout.write(
                f"{rule.support:>9.4f} {rule.confidence:>10.3f} {rule.lift:>6.2f}  {text}"
            )
