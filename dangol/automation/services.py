"""Writes of automation: rules (create, update, switch on/off, delete) and e-mail templates.

Everything a rule holds is checked before the first write: the trigger settings
(``triggers.py``), the conditions (the segment rule language, ``conditions.py``) and
each action (``actions.py``); an error names the JSON path at fault.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dangol.automation.actions import actions_validate
from dangol.automation.choices import Entity, Trigger
from dangol.automation.conditions import conditions_validate
from dangol.automation.errors import AutomationErrorCode, PermissionDeniedError, ValidationError
from dangol.automation.models import EmailTemplate, Rule
from dangol.automation.permissions import can_write_automation
from dangol.automation.triggers import trigger_validate

RULE_FIELDS = ("name", "entity", "trigger", "trigger_config", "conditions", "actions", "active")


def _require_admin(actor) -> None:
    if actor is not None and not can_write_automation(actor):
        raise PermissionDeniedError(
            "Only administrators may change automation rules",
            code=AutomationErrorCode.PERMISSION_DENIED,
        )


def _name(value: Any, *, max_length: int = 200) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationError("A name is required", code=AutomationErrorCode.REQUIRED, field="name")
    if len(name) > max_length:
        raise ValidationError(
            f"The name is longer than {max_length} characters",
            code=AutomationErrorCode.INVALID,
            field="name",
        )
    return name


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError(
            f"Unknown rule field {unknown[0]!r}", code=AutomationErrorCode.INVALID, field=unknown[0]
        )
    out = dict(fields)
    out["name"] = _name(out.get("name"))
    if out.get("entity") not in Entity.values:
        raise ValidationError(
            f"Unknown record type {out.get('entity')!r}; allowed: {', '.join(Entity.values)}",
            code=AutomationErrorCode.UNKNOWN_CHOICE,
            field="entity",
        )
    out["trigger_config"] = trigger_validate(
        entity=out["entity"], trigger=out.get("trigger"), config=out.get("trigger_config")
    )
    out["conditions"] = conditions_validate(entity=out["entity"], conditions=out.get("conditions"))
    out["actions"] = actions_validate(entity=out["entity"], actions=out.get("actions"))
    out["active"] = bool(out.get("active", False))
    return out


def _activated(rule: Rule) -> None:
    if rule.active and rule.trigger == Trigger.SCORE_CROSSED:
        from dangol.automation.engine import score_matches_seed

        score_matches_seed(rule=rule)


@transaction.atomic
def rule_create(
    *,
    actor,
    name: str,
    entity: str,
    trigger: str,
    actions: list,
    trigger_config: dict | None = None,
    conditions: dict | None = None,
    active: bool = False,
) -> Rule:
    """Create a rule (off unless ``active``) owned by ``actor``; its actions run as them.

    :raises PermissionDeniedError: the actor is not an administrator.
    :raises ValidationError: anything in the rule is malformed; nothing is written.
    """
    _require_admin(actor)
    fields = _clean(
        {
            "name": name,
            "entity": entity,
            "trigger": trigger,
            "trigger_config": trigger_config,
            "conditions": conditions,
            "actions": actions,
            "active": active,
        }
    )
    rule = Rule.objects.create(created_by=actor, **fields)
    _activated(rule)
    return rule


@transaction.atomic
def rule_update(*, actor, rule: Rule, **changes: Any) -> Rule:
    """Change a rule; the whole rule is checked again as it will be after the change."""
    _require_admin(actor)
    current = {name: getattr(rule, name) for name in RULE_FIELDS}
    fields = _clean({**current, **changes})
    was_active = rule.active
    threshold_changed = (
        fields["trigger"] != rule.trigger
        or fields["trigger_config"] != rule.trigger_config
        or fields["conditions"] != rule.conditions
    )
    for key, value in fields.items():
        setattr(rule, key, value)
    rule.save()
    if rule.active and (not was_active or threshold_changed):
        _activated(rule)
    return rule


@transaction.atomic
def rule_active_set(*, actor, rule: Rule, active: bool) -> Rule:
    """Switch a rule on or off."""
    _require_admin(actor)
    if rule.active == bool(active):
        return rule
    rule.active = bool(active)
    rule.save(update_fields=["active", "updated_at"])
    _activated(rule)
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: Rule) -> None:
    """Delete a rule with its run log."""
    _require_admin(actor)
    rule.delete()


def _template_fields(name: Any, subject: Any, body: Any) -> dict[str, str]:
    from django.template import Engine, TemplateSyntaxError

    out = {"name": _name(name), "subject": " ".join(str(subject or "").split())}
    out["body"] = str(body or "")
    for key in ("subject", "body"):
        if not out[key].strip():
            raise ValidationError(
                f"The {key} is required", code=AutomationErrorCode.REQUIRED, field=key
            )
        try:
            Engine.get_default().from_string(out[key])
        except TemplateSyntaxError as exc:
            raise ValidationError(
                f"The {key} is not a valid template: {exc}",
                code=AutomationErrorCode.INVALID,
                field=key,
            ) from exc
    if len(out["subject"]) > 200:
        raise ValidationError(
            "The subject is longer than 200 characters",
            code=AutomationErrorCode.INVALID,
            field="subject",
        )
    return out


@transaction.atomic
def email_template_create(*, actor, name: str, subject: str, body: str) -> EmailTemplate:
    """Create an e-mail template (Django template syntax over record, customer, rule)."""
    _require_admin(actor)
    fields = _template_fields(name, subject, body)
    if EmailTemplate.objects.filter(name=fields["name"]).exists():
        raise ValidationError(
            "A template with this name exists", code=AutomationErrorCode.INVALID, field="name"
        )
    return EmailTemplate.objects.create(created_by=actor, **fields)


@transaction.atomic
def email_template_update(
    *, actor, template: EmailTemplate, name: str, subject: str, body: str
) -> EmailTemplate:
    """Change an e-mail template."""
    _require_admin(actor)
    fields = _template_fields(name, subject, body)
    if EmailTemplate.objects.filter(name=fields["name"]).exclude(pk=template.pk).exists():
        raise ValidationError(
            "A template with this name exists", code=AutomationErrorCode.INVALID, field="name"
        )
    for key, value in fields.items():
        setattr(template, key, value)
    template.save()
    return template
