"""Automation pages: the rule list, the rule builder, run logs, dry runs, e-mail templates.

Administrators build and switch rules; managers read them, their logs and dry runs.
Views validate, call one service or selector, render.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangol.automation import selectors, services
from dangol.automation.actions import ASSIGNABLE, SETTABLE
from dangol.automation.choices import ActionType, Entity, Trigger
from dangol.automation.errors import DangolError, NotFoundError
from dangol.automation.forms import (
    EmailTemplateForm,
    RecordTestForm,
    rule_form_initial,
    rule_form_parse,
)
from dangol.automation.permissions import can_read_automation, can_write_automation
from dangol.automation.triggers import DATE_FIELDS, SCORE_FIELDS, SCORE_OPS


def _require_read(request: HttpRequest) -> None:
    if not can_read_automation(request.user):
        raise PermissionDenied(_("Only administrators and managers may see automation rules."))


def _require_write(request: HttpRequest) -> None:
    if not can_write_automation(request.user):
        raise PermissionDenied(_("Only administrators may change automation rules."))


def _get(getter, **kwargs):
    try:
        return getter(**kwargs)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _choices() -> dict:
    from dangol.accounts.models import User
    from dangol.integration.webhooks.models import WebhookEndpoint
    from dangol.marketing.models import Campaign, Segment
    from dangol.service.choices import TicketPriority

    return {
        "users": list(User.objects.filter(is_active=True).order_by("username")[:500]),
        "templates": selectors.email_template_list(),
        "segments": list(Segment.objects.filter(kind="static").order_by("name")[:500]),
        "campaigns": list(Campaign.objects.filter(status="running").order_by("name")[:500]),
        "endpoints": list(WebhookEndpoint.objects.filter(active=True).order_by("url")[:200]),
        "priorities": TicketPriority.choices,
    }


def _builder_context(rule) -> dict:
    from dangol.marketing.segments.builder import builder_view
    from dangol.marketing.segments.rules import FIELDS
    from dangol.marketing.segments.sources import category_choices
    from dangol.marketing.selectors import campaign_list

    rule = rule if isinstance(rule, dict) and rule else {"and": []}
    return {
        "tree": builder_view(rule),
        "rule_json": json.dumps(rule),
        "fields": list(FIELDS.values()),
        "categories": category_choices(),
        "campaign_choices": [(c.pk, c.name) for c in campaign_list()[:200]],
        "bool_choices": [("true", _("Yes")), ("false", _("No"))],
    }


def _form_context(state: dict, *, can_write: bool) -> dict:
    entity = state["entity"]
    context = {
        "state": state,
        "config": state["trigger_config"],
        "entities": Entity.choices,
        "triggers": Trigger.choices,
        "action_types": ActionType.choices,
        "settable": SETTABLE.get(entity, ()),
        "assignable": entity in ASSIGNABLE,
        "date_fields": list(DATE_FIELDS.get(entity, {})),
        "score_fields": SCORE_FIELDS,
        "score_ops": SCORE_OPS,
        "weekdays": [
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
        "can_write": can_write,
        **_choices(),
    }
    if entity == Entity.CUSTOMER:
        context.update(_builder_context(state["conditions"]))
    return context


@login_required
@require_GET
def rule_list_view(request: HttpRequest) -> HttpResponse:
    _require_read(request)
    return render(
        request,
        "automation/rule_list.html",
        {"rules": selectors.rule_list(), "can_write": can_write_automation(request.user)},
    )


def _save(request: HttpRequest, rule, state: dict):
    fields = {k: state[k] for k in services.RULE_FIELDS}
    if rule is None:
        return services.rule_create(actor=request.user, **fields)
    return services.rule_update(actor=request.user, rule=rule, **fields)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a rule (administrators); managers see it read-only."""
    _require_read(request)
    rule = _get(selectors.rule_get, pk=pk) if pk else None
    can_write = can_write_automation(request.user)
    error = None
    if request.method == "POST":
        _require_write(request)
        state = rule_form_parse(request.POST)
        try:
            rule = _save(request, rule, state)
        except DangolError as exc:
            error = exc
        else:
            messages.success(request, _("Rule saved."))
            return redirect("automation:rule_edit", pk=rule.pk)
    else:
        state = rule_form_initial(rule)
    context = {"rule": rule, "error": error, **_form_context(state, can_write=can_write)}
    return render(request, "automation/rule_form.html", context, status=400 if error else 200)


@login_required
@require_POST
def rule_form_view(request: HttpRequest) -> HttpResponse:
    """Re-draw the builder's trigger settings, conditions and actions (htmx)."""
    _require_read(request)
    state = rule_form_parse(request.POST)
    context = _form_context(state, can_write=can_write_automation(request.user))
    return render(request, "automation/_dynamic.html", context)


@login_required
@require_POST
def rule_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_write(request)
    rule = _get(selectors.rule_get, pk=pk)
    services.rule_active_set(
        actor=request.user, rule=rule, active=request.POST.get("active") == "1"
    )
    if rule.active:
        messages.success(request, _("Rule switched on."))
    else:
        messages.success(request, _("Rule switched off."))
    return redirect("automation:rule_list")


@login_required
@require_POST
def rule_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_write(request)
    rule = _get(selectors.rule_get, pk=pk)
    services.rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Rule deleted."))
    return redirect("automation:rule_list")


@login_required
@require_GET
def rule_runs_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The run log: what fired, for which record, the result or error (newest first)."""
    _require_read(request)
    rule = _get(selectors.rule_get, pk=pk)
    before = request.GET.get("before", "")
    runs = selectors.rule_runs(rule=rule, before=int(before) if before.isdigit() else None)
    from dangol.automation.actions import record_url

    rows = [(run, record_url(run.entity, run.record_id)) for run in runs]
    return render(
        request,
        "automation/rule_runs.html",
        {
            "rule": rule,
            "rows": rows,
            "next_before": runs[-1].pk if len(runs) == 50 else None,
            "can_write": can_write_automation(request.user),
        },
    )


@login_required
@require_GET
def rule_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Test the rule against one record: would it fire, what would it do (nothing done)."""
    _require_read(request)
    rule = _get(selectors.rule_get, pk=pk)
    form = RecordTestForm(request.GET or None)
    result = None
    if form.is_valid():
        try:
            result = selectors.rule_test(rule=rule, record_id=form.cleaned_data["record_id"])
        except NotFoundError as exc:
            form.add_error("record_id", exc.message)
    return render(
        request, "automation/rule_test.html", {"rule": rule, "form": form, "result": result}
    )


@login_required
@require_GET
def template_list_view(request: HttpRequest) -> HttpResponse:
    _require_read(request)
    return render(
        request,
        "automation/template_list.html",
        {
            "templates": selectors.email_template_list(),
            "can_write": can_write_automation(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_read(request)
    template = _get(selectors.email_template_get, pk=pk) if pk else None
    if request.method == "POST":
        _require_write(request)
        form = EmailTemplateForm(request.POST)
        if form.is_valid():
            try:
                if template is None:
                    template = services.email_template_create(
                        actor=request.user, **form.cleaned_data
                    )
                else:
                    services.email_template_update(
                        actor=request.user, template=template, **form.cleaned_data
                    )
            except DangolError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Template saved."))
                return redirect("automation:template_list")
    else:
        form = EmailTemplateForm(
            initial={"name": template.name, "subject": template.subject, "body": template.body}
            if template
            else None
        )
    return render(
        request,
        "automation/template_form.html",
        {"form": form, "template": template, "can_write": can_write_automation(request.user)},
    )
