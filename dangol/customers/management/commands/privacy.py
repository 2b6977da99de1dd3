"""``dangol privacy export|erase --customer ID``: a personal-data request from the shell."""

from __future__ import annotations

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dangol.core.errors import DangolError
from dangol.customers.models import Customer
from dangol.customers.privacy import customer_erase, customer_personal_data_export


class Command(BaseCommand):
    help = "Export or erase the personal data of one customer (PIPA / GDPR requests)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--customer", type=int, required=True, help="the customer's id")
        parser.add_argument("--output", help="export: write the JSON here (default: stdout)")
        parser.add_argument("--reason", default="", help="erase: the request's reference")
        parser.add_argument(
            "--actor", default="", help="username recorded as acting (default: the system)"
        )

    def handle(self, *args, **options) -> None:
        customer = Customer.objects.filter(pk=options["customer"]).first()
        if customer is None:
            raise CommandError(f"No customer with id {options['customer']}")
        actor = None
        if options["actor"]:
            actor = get_user_model().objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user named {options['actor']!r}")
        try:
            if options["action"] == "export":
                document = customer_personal_data_export(customer=customer, actor=actor)
                text = json.dumps(document, ensure_ascii=False, indent=2)
                if options["output"]:
                    with open(options["output"], "w", encoding="utf-8") as out:
                        out.write(text)
                else:
                    sys.stdout.write(text + "\n")
                return
            customer_erase(customer=customer, actor=actor, reason=options["reason"])
        except DangolError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Erased the personal data of customer #{customer.pk}")
