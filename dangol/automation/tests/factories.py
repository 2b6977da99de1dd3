"""Factories of automation rules and e-mail templates."""

from __future__ import annotations

import factory

from dangol.automation.choices import Entity, Trigger
from dangol.automation.models import EmailTemplate, Rule


class RuleFactory(factory.django.DjangoModelFactory):
    """An active rule; prefer ``rule_create`` where the validation matters."""

    class Meta:
        model = Rule

    name = factory.Sequence(lambda n: f"Rule {n}")
    entity = Entity.CUSTOMER
    trigger = Trigger.UPDATED
    trigger_config = factory.LazyFunction(dict)
    conditions = factory.LazyFunction(dict)
    actions = factory.LazyFunction(
        lambda: [{"type": "notify", "user": "rule_owner", "text": "{{ record.name }} fired"}]
    )
    active = True


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    subject = "Hello {{ customer.name }}"
    body = "Dear {{ customer.name }}, we miss you."
