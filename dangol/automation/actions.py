"""Rule actions: check their settings, describe them (dry run), run them.

Every action goes through the owning app's service with the rule's creator as the
actor, so an action can do no more than that person could by hand, and every write
leaves the same history, webhooks and follow-up events as a write from the UI.

Settings per type (``{"type": ..., **settings}``):

- ``set_field``: ``field``, ``value``. Customers: a plain field (``region``, ``status``,
  ``city``, ...) through ``customer_update``; tickets ``status``/``priority`` through
  ``ticket_update``; orders ``status`` through ``order_status_set``; opportunities
  ``stage`` (a stage code) through ``opportunity_move``, ``amount`` and ``channel``
  through ``opportunity_update``.
- ``assign_owner``: ``user`` (id). Customers (``owner``) and tickets (``assignee``).
- ``create_task``: ``title``, ``due_days`` (0-365), ``owner`` ("record_owner",
  "rule_owner" or a user id).
- ``create_ticket``: ``subject``, ``body``, ``priority``.
- ``send_email``: ``template`` (id of an ``EmailTemplate``); to the record's customer,
  only with current e-mail consent and not unsubscribed.
- ``add_to_segment``: ``segment`` (a static segment); ``add_to_campaign``: ``campaign``
  (a running campaign).
- ``webhook``: ``endpoint`` (id of an integration webhook endpoint; signed delivery
  with retries).
- ``notify``: ``user`` ("record_owner", "rule_owner" or a user id), ``text``.

Texts (titles, subjects, bodies, notification texts) are Django templates rendered
with ``record``, ``customer`` and ``rule``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangol.automation.choices import ActionType, Entity
from dangol.automation.errors import AutomationErrorCode, ValidationError

MAX_ACTIONS = 20
CUSTOMER_SETTABLE = (
    "kind",
    "name",
    "email",
    "phone",
    "gender",
    "region",
    "city",
    "acquisition_channel",
    "status",
    "external_id",
)
SETTABLE = {
    Entity.CUSTOMER: CUSTOMER_SETTABLE,
    Entity.TICKET: ("status", "priority"),
    Entity.ORDER: ("status",),
    Entity.OPPORTUNITY: ("stage", "amount", "channel"),
}
ASSIGNABLE = (Entity.CUSTOMER, Entity.TICKET)
PEOPLE = ("record_owner", "rule_owner")


def _err(message: str, path: str) -> ValidationError:
    return ValidationError(message, code=AutomationErrorCode.INVALID_ACTION, field=path)


def _text(config: dict, key: str, path: str, *, required: bool, max_length: int) -> str:
    value = config.get(key, "")
    if not isinstance(value, str):
        raise _err(_("“%(key)s” must be text.") % {"key": key}, f"{path}.{key}")
    value = value.strip()
    if required and not value:
        raise _err(_("“%(key)s” is required.") % {"key": key}, f"{path}.{key}")
    if len(value) > max_length:
        raise _err(
            _("“%(key)s” is longer than %(n)s characters.") % {"key": key, "n": max_length},
            f"{path}.{key}",
        )
    try:
        Engine.get_default().from_string(value)
    except TemplateSyntaxError as exc:
        raise _err(
            _("“%(key)s” is not a valid template: %(error)s") % {"key": key, "error": exc},
            f"{path}.{key}",
        ) from exc
    return value


def _id(config: dict, key: str, path: str) -> int:
    value = config.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _err(_("“%(key)s” must be the id of a record.") % {"key": key}, f"{path}.{key}")
    return value


def _exists(model, pk: int, path: str, what: str, **filters: Any) -> None:
    if not model.objects.filter(pk=pk, **filters).exists():
        raise _err(_("There is no %(what)s with id %(id)s.") % {"what": what, "id": pk}, path)


def _person(config: dict, key: str, path: str) -> str | int:
    from dangol.accounts.models import User

    value = config.get(key, "rule_owner")
    if value in PEOPLE:
        return value
    pk = _id(config, key, path)
    _exists(User, pk, f"{path}.{key}", _("active user"), is_active=True)
    return pk


def _set_field(entity: str, config: dict, path: str) -> dict:
    field = config.get("field")
    if field not in SETTABLE[entity]:
        raise _err(
            _("“%(field)s” cannot be set on this record type; allowed: %(allowed)s.")
            % {"field": field, "allowed": ", ".join(SETTABLE[entity])},
            f"{path}.field",
        )
    value = config.get("value")
    if isinstance(value, (dict, list)) or value is None:
        raise _err(_("“value” must be text, a number or true/false."), f"{path}.value")
    if entity == Entity.OPPORTUNITY and field == "stage":
        from dangol.sales.models import PipelineStage

        if not PipelineStage.objects.filter(code=value).exists():
            raise _err(_("There is no pipeline stage “%(code)s”.") % {"code": value}, path)
    elif entity == Entity.OPPORTUNITY and field == "amount":
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            amount = None
        if isinstance(value, bool) or amount is None or not amount.is_finite() or amount < 0:
            raise _err(_("“value” must be an amount of 0 or more."), f"{path}.value")
    else:
        from dangol.automation.conditions import entity_model

        choices = entity_model(entity)._meta.get_field(field).choices
        if choices and value not in {c[0] for c in choices}:
            raise _err(
                _("“%(value)s” is not a value of “%(field)s”; allowed: %(allowed)s.")
                % {
                    "value": value,
                    "field": field,
                    "allowed": ", ".join(str(c[0]) for c in choices if c[0] != ""),
                },
                f"{path}.value",
            )
    return {"field": field, "value": value}


def action_validate(*, entity: str, action: Any, path: str) -> dict:
    """Return ``action`` checked and normalised for rules on ``entity``.

    :raises ValidationError: ``field`` names the setting at fault (``actions[1].template``).
    """
    if not isinstance(action, dict):
        raise _err(_("An action must be an object with a “type”."), path)
    kind = action.get("type")
    if kind not in ActionType.values:
        raise _err(
            _("Unknown action “%(type)s”; allowed: %(allowed)s.")
            % {"type": kind, "allowed": ", ".join(ActionType.values)},
            f"{path}.type",
        )
    out: dict[str, Any] = {"type": kind}
    if kind == ActionType.SET_FIELD:
        out.update(_set_field(entity, action, path))
    elif kind == ActionType.ASSIGN_OWNER:
        if entity not in ASSIGNABLE:
            raise _err(_("Only customers and tickets have an owner to assign."), f"{path}.type")
        out["user"] = _person({"user": _id(action, "user", path)}, "user", path)
    elif kind == ActionType.CREATE_TASK:
        out["title"] = _text(action, "title", path, required=True, max_length=200)
        days = action.get("due_days", 1)
        if isinstance(days, str) and days.strip().isdigit():
            days = int(days)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
            raise _err(_("“due_days” must be a whole number from 0 to 365."), f"{path}.due_days")
        out["due_days"] = days
        out["owner"] = _person(action, "owner", path)
    elif kind == ActionType.CREATE_TICKET:
        from dangol.service.choices import TicketPriority

        out["subject"] = _text(action, "subject", path, required=True, max_length=200)
        out["body"] = _text(action, "body", path, required=True, max_length=5000)
        priority = action.get("priority") or TicketPriority.NORMAL
        if priority not in TicketPriority.values:
            raise _err(_("Unknown ticket priority “%(p)s”.") % {"p": priority}, f"{path}.priority")
        out["priority"] = priority
    elif kind == ActionType.SEND_EMAIL:
        from dangol.automation.models import EmailTemplate

        out["template"] = _id(action, "template", path)
        _exists(EmailTemplate, out["template"], f"{path}.template", _("e-mail template"))
    elif kind == ActionType.ADD_TO_SEGMENT:
        from dangol.marketing.models import Segment

        out["segment"] = _id(action, "segment", path)
        _exists(Segment, out["segment"], f"{path}.segment", _("static segment"), kind="static")
    elif kind == ActionType.ADD_TO_CAMPAIGN:
        from dangol.marketing.models import Campaign

        out["campaign"] = _id(action, "campaign", path)
        _exists(Campaign, out["campaign"], f"{path}.campaign", _("campaign"))
    elif kind == ActionType.WEBHOOK:
        from dangol.integration.webhooks.models import WebhookEndpoint

        out["endpoint"] = _id(action, "endpoint", path)
        _exists(WebhookEndpoint, out["endpoint"], f"{path}.endpoint", _("webhook endpoint"))
    elif kind == ActionType.NOTIFY:
        out["user"] = _person(action, "user", path)
        out["text"] = _text(action, "text", path, required=True, max_length=300)
    return out


def actions_validate(*, entity: str, actions: Any) -> list[dict]:
    """Return the rule's action list checked; a rule needs 1 to ``MAX_ACTIONS`` actions."""
    if not isinstance(actions, list) or not actions:
        raise _err(_("A rule needs at least one action."), "actions")
    if len(actions) > MAX_ACTIONS:
        raise _err(_("A rule has at most %(n)s actions.") % {"n": MAX_ACTIONS}, "actions")
    return [
        action_validate(entity=entity, action=action, path=f"actions[{i}]")
        for i, action in enumerate(actions)
    ]


# --------------------------------------------------------------------------------------
# Running


def record_customer(entity: str, record):
    """Return the customer a record concerns (the record itself for customers)."""
    return record if entity == Entity.CUSTOMER else record.customer


def record_url(entity: str, record_id: int) -> str:
    """Return the staff page of a record."""
    name = {
        Entity.CUSTOMER: "customers:detail",
        Entity.OPPORTUNITY: "pipeline:opportunity_detail",
        Entity.TICKET: "service:ticket_detail",
        Entity.ORDER: "sales:order_detail",
    }[entity]
    return reverse(name, args=[record_id])


def _render(text: str, context: dict) -> str:
    return Engine.get_default().from_string(text).render(Context(context, autoescape=False))


def _record_owner(entity: str, record):
    if entity == Entity.TICKET:
        return record.assignee
    if entity in (Entity.CUSTOMER, Entity.OPPORTUNITY):
        return record.owner
    return record.customer.owner


def _resolve_person(value: str | int, *, entity: str, record, rule):
    from dangol.accounts.models import User

    if value == "rule_owner":
        return rule.created_by
    if value == "record_owner":
        return _record_owner(entity, record)
    return User.objects.filter(pk=value, is_active=True).first()


def _failed(message: str) -> ValidationError:
    return ValidationError(message, code=AutomationErrorCode.ACTION_FAILED)


def action_describe(*, action: dict, entity: str, record, rule) -> str:
    """Say what ``action`` would do to ``record`` (the dry run), without doing it."""
    customer = record_customer(entity, record)
    context = {"record": record, "customer": customer, "rule": rule}
    kind = action["type"]
    if kind == ActionType.SET_FIELD:
        return _("Set “%(field)s” from “%(old)s” to “%(new)s”.") % {
            "field": action["field"],
            "old": record.stage.code
            if action["field"] == "stage"
            else getattr(record, action["field"]),
            "new": action["value"],
        }
    if kind == ActionType.ASSIGN_OWNER:
        user = _resolve_person(action["user"], entity=entity, record=record, rule=rule)
        return _("Assign to %(user)s.") % {"user": user or "—"}
    if kind == ActionType.CREATE_TASK:
        user = _resolve_person(action["owner"], entity=entity, record=record, rule=rule)
        return _("Create the task “%(title)s” for %(user)s, due in %(days)s days.") % {
            "title": _render(action["title"], context),
            "user": user or "—",
            "days": action["due_days"],
        }
    if kind == ActionType.CREATE_TICKET:
        return _("Open the ticket “%(subject)s” for %(customer)s.") % {
            "subject": _render(action["subject"], context),
            "customer": customer,
        }
    if kind == ActionType.SEND_EMAIL:
        from dangol.automation.models import EmailTemplate

        template = EmailTemplate.objects.filter(pk=action["template"]).first()
        if template is None:
            return _("The e-mail template no longer exists.")
        if not _may_email(customer):
            return _("Skip the e-mail “%(subject)s”: %(customer)s has no e-mail consent.") % {
                "subject": template.name,
                "customer": customer,
            }
        return _("E-mail “%(subject)s” to %(email)s.") % {
            "subject": _render(template.subject, context),
            "email": customer.email,
        }
    if kind == ActionType.ADD_TO_SEGMENT:
        return _("Add %(customer)s to segment %(id)s.") % {
            "customer": customer,
            "id": action["segment"],
        }
    if kind == ActionType.ADD_TO_CAMPAIGN:
        return _("Add %(customer)s to campaign %(id)s.") % {
            "customer": customer,
            "id": action["campaign"],
        }
    if kind == ActionType.WEBHOOK:
        return _("Send a signed webhook to endpoint %(id)s.") % {"id": action["endpoint"]}
    user = _resolve_person(action["user"], entity=entity, record=record, rule=rule)
    return _("Notify %(user)s: “%(text)s”.") % {
        "user": user or "—",
        "text": _render(action["text"], context),
    }


def _may_email(customer) -> bool:
    from dangol.automation.conditions import record_matches

    if not customer.email:
        return False
    rule = {
        "and": [
            {"field": "consent_email", "op": "is", "value": True},
            {"field": "unsubscribed", "op": "is", "value": False},
        ]
    }
    return record_matches(entity=Entity.CUSTOMER, record_id=customer.pk, conditions=rule)


def action_execute(*, action: dict, entity: str, record, rule) -> str:
    """Do ``action`` to ``record`` through the owning app's service; return what was done.

    :raises DangolError: the service refused (the message says why).
    """
    actor = rule.created_by
    if actor is None or not actor.is_active:
        raise _failed("The rule's creator is no longer an active user; actions need one")
    customer = record_customer(entity, record)
    context = {"record": record, "customer": customer, "rule": rule}
    kind = action["type"]
    if kind == ActionType.SET_FIELD:
        return _set_field_run(action, entity, record, actor)
    if kind == ActionType.ASSIGN_OWNER:
        user = _resolve_person(action["user"], entity=entity, record=record, rule=rule)
        if user is None:
            raise _failed("The user to assign is not active")
        if entity == Entity.CUSTOMER:
            from dangol.customers.services import customer_update

            customer_update(actor=actor, customer=record, owner=user)
        else:
            from dangol.service.services import ticket_assign

            ticket_assign(actor=actor, ticket=record, assignee=user)
        return f"assigned to {user.get_username()}"
    if kind == ActionType.CREATE_TASK:
        from dangol.sales.work_services import task_create

        owner = _resolve_person(action["owner"], entity=entity, record=record, rule=rule)
        task = task_create(
            actor=actor,
            title=_render(action["title"], context),
            due_at=timezone.now() + dt.timedelta(days=action["due_days"]),
            owner=owner or actor,
            customer=customer,
            opportunity=record if entity == Entity.OPPORTUNITY else None,
        )
        return f"task {task.pk}"
    if kind == ActionType.CREATE_TICKET:
        from dangol.service.choices import TicketChannel
        from dangol.service.services import ticket_open

        ticket = ticket_open(
            actor=actor,
            customer=customer,
            subject=_render(action["subject"], context),
            body=_render(action["body"], context),
            channel=TicketChannel.API,
            priority=action["priority"],
        )
        return f"ticket {ticket.pk}"
    if kind == ActionType.SEND_EMAIL:
        return _send_email(action, customer, context)
    if kind == ActionType.ADD_TO_SEGMENT:
        from dangol.marketing.models import Segment
        from dangol.marketing.segments.services import segment_member_add

        segment = Segment.objects.get(pk=action["segment"])
        added = segment_member_add(actor=actor, segment=segment, customer_id=customer.pk)
        return f"segment {segment.pk}: {'added' if added else 'already a member'}"
    if kind == ActionType.ADD_TO_CAMPAIGN:
        from dangol.marketing.campaigns.services import campaign_member_add
        from dangol.marketing.models import Campaign

        campaign = Campaign.objects.get(pk=action["campaign"])
        member = campaign_member_add(actor=actor, campaign=campaign, customer_id=customer.pk)
        return f"campaign {campaign.pk}: " + (member.arm if member else "already a member")
    if kind == ActionType.WEBHOOK:
        return _webhook(action, entity, record, rule)
    from dangol.accounts.notifications import notification_send

    user = _resolve_person(action["user"], entity=entity, record=record, rule=rule)
    if user is None:
        raise _failed("There is no active user to notify")
    notification_send(
        user=user,
        kind="automation",
        text=_render(action["text"], context),
        url=record_url(entity, record.pk),
    )
    return f"notified {user.get_username()}"


def _set_field_run(action: dict, entity: str, record, actor) -> str:
    field, value = action["field"], action["value"]
    if entity == Entity.CUSTOMER:
        from dangol.customers.services import customer_update

        customer_update(actor=actor, customer=record, **{field: value})
    elif entity == Entity.TICKET:
        from dangol.service.services import ticket_update

        ticket_update(actor=actor, ticket=record, version=record.version, **{field: value})
    elif entity == Entity.ORDER:
        from dangol.sales.services import order_status_set

        order_status_set(actor=actor, order=record, status=value)
    elif field != "stage":
        from dangol.sales.pipeline_services import opportunity_update

        opportunity_update(actor=actor, opportunity=record, **{field: value})
    else:
        from dangol.sales.models import PipelineStage
        from dangol.sales.pipeline_services import opportunity_move

        stage = PipelineStage.objects.filter(code=value).first()
        if stage is None:
            raise _failed(f"There is no pipeline stage {value!r}")
        opportunity_move(actor=actor, opportunity=record, stage=stage)
    return f"{field} = {value}"


def _send_email(action: dict, customer, context: dict) -> str:
    from dangol.automation.models import EmailTemplate
    from dangol.automation.tasks import automation_email_task
    from dangol.core.tasks import task_enqueue_on_commit

    template = EmailTemplate.objects.filter(pk=action["template"]).first()
    if template is None:
        raise _failed("The e-mail template no longer exists")
    if not _may_email(customer):
        return "skipped: no e-mail consent"
    subject = " ".join(_render(template.subject, context).split())[:200]
    body = _render(template.body, context)
    task_enqueue_on_commit(automation_email_task, to=customer.email, subject=subject, body=body)
    return f"e-mail queued to {customer.email}"


def _webhook(action: dict, entity: str, record, rule) -> str:
    from dangol.integration.webhooks import payloads
    from dangol.integration.webhooks.models import WebhookEndpoint
    from dangol.integration.webhooks.services import webhook_event_emit

    endpoint = WebhookEndpoint.objects.filter(pk=action["endpoint"], active=True).first()
    if endpoint is None:
        raise _failed("The webhook endpoint is gone or switched off")
    describe = {
        Entity.CUSTOMER: payloads.customer_payload,
        Entity.ORDER: payloads.order_payload,
        Entity.OPPORTUNITY: payloads.opportunity_payload,
        Entity.TICKET: payloads.ticket_payload,
    }[entity]
    [delivery] = webhook_event_emit(
        event_type="automation.rule_fired",
        payload={"rule": {"id": rule.pk, "name": rule.name}, entity: describe(record)},
        endpoints=[endpoint],
    )
    return f"webhook delivery {delivery.pk}"
