"""Reads of automation: rules, their run logs, templates, and the dry run of a rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangol.automation.actions import action_describe, record_url
from dangol.automation.choices import RunStatus, Trigger
from dangol.automation.conditions import entity_model, record_matches
from dangol.automation.errors import AutomationErrorCode, NotFoundError
from dangol.automation.models import EmailTemplate, Rule, RuleMatch, RuleRun
from dangol.automation.triggers import date_reached_for, schedule_due, score_condition


def rule_list() -> list[Rule]:
    """Return every rule by name, with its run counts (all, failed, loops stopped)."""
    return list(
        Rule.objects.select_related("created_by")
        .annotate(
            run_count=Count("runs"),
            failed_count=Count("runs", filter=Q(runs__status=RunStatus.FAILED)),
            loop_count=Count("runs", filter=Q(runs__status=RunStatus.LOOP_STOPPED)),
        )
        .order_by("name", "id")
    )


def rule_get(*, pk: int) -> Rule:
    """Return one rule or raise ``NotFoundError``."""
    rule = Rule.objects.select_related("created_by").filter(pk=pk).first()
    if rule is None:
        raise NotFoundError("No such rule", code=AutomationErrorCode.NOT_FOUND)
    return rule


def rule_runs(*, rule: Rule, before: int | None = None, limit: int = 50) -> list[RuleRun]:
    """Return the rule's runs, newest first, a keyset page ``id < before``."""
    runs = RuleRun.objects.filter(rule=rule)
    if before is not None:
        runs = runs.filter(pk__lt=before)
    return list(runs.order_by("-id")[:limit])


def runs_for_record(*, entity: str, record_id: int) -> QuerySet:
    """Return every rule run about one record, newest first."""
    return RuleRun.objects.filter(entity=entity, record_id=record_id).order_by("-id")


def email_template_list() -> list[EmailTemplate]:
    return list(EmailTemplate.objects.order_by("name", "id"))


def email_template_get(*, pk: int) -> EmailTemplate:
    template = EmailTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise NotFoundError("No such e-mail template", code=AutomationErrorCode.NOT_FOUND)
    return template


def _trigger_check(rule: Rule, record, now: dt.datetime) -> tuple[bool | None, str]:
    config = rule.trigger_config or {}
    if rule.trigger == Trigger.CREATED:
        return None, _("Fires when a record is created.")
    if rule.trigger == Trigger.UPDATED:
        if config.get("fields"):
            return None, _("Fires when one of these fields is updated: %(f)s.") % {
                "f": ", ".join(config["fields"])
            }
        return None, _("Fires when the record is updated.")
    if rule.trigger == Trigger.FIELD_CHANGED:
        return None, _("Fires when “%(field)s” changes from “%(old)s” to “%(new)s”.") % {
            "field": config["field"],
            "old": config.get("from", _("anything")),
            "new": config.get("to", _("anything")),
        }
    if rule.trigger == Trigger.INBOUND_MESSAGE:
        return None, _("Fires when the customer writes on the ticket.")
    if rule.trigger == Trigger.DATE_REACHED:
        target = date_reached_for(rule=rule, record=record, today=timezone.localdate(now))
        if target is None:
            return False, _("The record's date is not due now.")
        return True, _("The record's date is due: %(day)s.") % {"day": target.isoformat()}
    if rule.trigger == Trigger.SCORE_CROSSED:
        past = record_matches(
            entity=rule.entity, record_id=record.pk, conditions=score_condition(rule)
        )
        if not past:
            return False, _("The score is not past the threshold.")
        if RuleMatch.objects.filter(rule=rule, record_id=record.pk).exists():
            return False, _("Already past the threshold; fires again after it drops back.")
        return True, _("The score is past the threshold.")
    key = schedule_due(rule=rule, now=now)
    if key is None:
        return False, _("Not due at this time.")
    return True, _("Due now (%(key)s).") % {"key": key}


def rule_test(*, rule: Rule, record_id: Any, now: dt.datetime | None = None) -> dict:
    """Dry-run ``rule`` against one record: would it fire, and what would it do?

    Nothing is written and no action runs. Returns ``trigger_matches`` (None where the
    trigger is an event that cannot be checked in advance), ``conditions_match``,
    ``would_fire`` and one sentence per action.

    :raises NotFoundError: no such record.
    """
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise NotFoundError(
            "Give the id of a record", code=AutomationErrorCode.NOT_FOUND, field="record_id"
        ) from None
    model = entity_model(rule.entity)
    record = model.objects.filter(pk=pk).first()
    if record is None:
        raise NotFoundError(
            f"There is no {rule.entity} with id {pk}",
            code=AutomationErrorCode.NOT_FOUND,
            field="record_id",
        )
    now = now or timezone.now()
    trigger_matches, trigger_note = _trigger_check(rule, record, now)
    conditions_match = record_matches(entity=rule.entity, record_id=pk, conditions=rule.conditions)
    actions = []
    for action in rule.actions:
        try:
            actions.append(
                action_describe(action=action, entity=rule.entity, record=record, rule=rule)
            )
        except Exception as exc:  # a describe must never break the page
            actions.append(_("Cannot describe this action: %(e)s") % {"e": exc})
    return {
        "record_id": pk,
        "record": str(record),
        "url": record_url(rule.entity, pk),
        "trigger_matches": trigger_matches,
        "trigger_note": trigger_note,
        "conditions_match": conditions_match,
        "would_fire": conditions_match and trigger_matches is not False,
        "actions": actions,
    }
