"""The rule builder form: flat inputs <-> a rule's trigger settings, conditions, actions.

The page posts the whole form (htmx) when the record type, the trigger or an action's
type changes, or when an action is added or removed; ``rule_form_parse`` rebuilds the
rule leniently (values as typed) and the page is drawn again from it. The strict checks
run in the services on save. Customer conditions use the segment builder's inputs
(``marketing/segments/builder.py``); other records a JSON text in the same language.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from dangol.automation.choices import ActionType, Entity, Trigger
from dangol.marketing.segments.builder import builder_parse

ACTION_KEYS = (
    "field",
    "value",
    "user",
    "title",
    "due_days",
    "owner",
    "subject",
    "body",
    "priority",
    "template",
    "segment",
    "campaign",
    "endpoint",
    "text",
)
TRIGGER_KEYS = {
    Trigger.UPDATED: ("fields",),
    Trigger.FIELD_CHANGED: ("field", "from", "to"),
    Trigger.DATE_REACHED: ("date_field", "days", "direction"),
    Trigger.SCORE_CROSSED: ("field", "op", "value"),
    Trigger.SCHEDULE: ("every", "weekday", "at"),
}
NUMERIC = {"days", "weekday", "due_days", "template", "segment", "campaign", "endpoint"}


def _typed(key: str, text: str) -> Any:
    text = text.strip()
    if key in NUMERIC and text.lstrip("-").isdigit():
        return int(text)
    if key in ("user", "owner") and text.isdigit():
        return int(text)
    return text


def _trigger_config(data: QueryDict, trigger: str) -> dict:
    config: dict[str, Any] = {}
    for key in TRIGGER_KEYS.get(trigger, ()):
        text = data.get(f"tc_{key}", "")
        if key == "fields":
            names = [n.strip() for n in text.split(",") if n.strip()]
            if names:
                config["fields"] = names
        elif text.strip() != "":
            config[key] = _typed(key, text)
    return config


def _conditions(data: QueryDict, entity: str) -> tuple[Any, str]:
    """Return (conditions, the JSON text as typed for non-customer records)."""
    if entity == Entity.CUSTOMER:
        tree = builder_parse(data)
        children = tree.get("and", tree.get("or")) if isinstance(tree, dict) else None
        return ({} if children == [] else tree), ""
    text = data.get("conditions_json", "").strip()
    if not text:
        return {}, ""
    try:
        return json.loads(text), text
    except json.JSONDecodeError:
        return text, text  # the service reports it as not an object


def _actions(data: QueryDict) -> list[dict]:
    indexes = sorted(
        {
            int(k[1:].split(":")[0])
            for k in data
            if k.startswith("a") and k[1:].split(":")[0].isdigit()
        }
    )
    actions = []
    for i in indexes:
        action: dict[str, Any] = {"type": data.get(f"a{i}:type", ActionType.NOTIFY)}
        for key in ACTION_KEYS:
            if f"a{i}:{key}" in data:
                action[key] = _typed(key, data.get(f"a{i}:{key}", ""))
        actions.append(action)
    return actions


def _default_action() -> dict:
    return {"type": ActionType.NOTIFY, "user": "rule_owner", "text": ""}


def rule_form_parse(data: QueryDict) -> dict:
    """Return the rule the builder form describes, after an add/remove button's operation."""
    entity = data.get("entity") or Entity.CUSTOMER
    trigger = data.get("trigger") or Trigger.UPDATED
    conditions, conditions_text = _conditions(data, entity)
    actions = _actions(data)
    op = data.get("form_op", "")
    if op == "add_action":
        actions.append(_default_action())
    elif op.startswith("remove:") and op[7:].isdigit() and int(op[7:]) < len(actions):
        actions.pop(int(op[7:]))
    return {
        "name": data.get("name", ""),
        "entity": entity,
        "trigger": trigger,
        "trigger_config": _trigger_config(data, trigger),
        "conditions": conditions,
        "conditions_text": conditions_text,
        "actions": actions,
        "active": data.get("active") == "on",
    }


def rule_form_initial(rule=None) -> dict:
    """Return the builder's starting state: a rule's, or a new rule's defaults."""
    if rule is None:
        return {
            "name": "",
            "entity": Entity.CUSTOMER,
            "trigger": Trigger.UPDATED,
            "trigger_config": {},
            "conditions": {},
            "conditions_text": "",
            "actions": [_default_action()],
            "active": False,
        }
    return {
        "name": rule.name,
        "entity": rule.entity,
        "trigger": rule.trigger,
        "trigger_config": rule.trigger_config,
        "conditions": rule.conditions,
        "conditions_text": json.dumps(rule.conditions, ensure_ascii=False, indent=1)
        if rule.conditions and rule.entity != Entity.CUSTOMER
        else "",
        "actions": rule.actions,
        "active": rule.active,
    }


class EmailTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 10}))


class RecordTestForm(forms.Form):
    record_id = forms.IntegerField(label=_("Record id"), min_value=1)
