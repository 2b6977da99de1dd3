"""The administrator's pages for custom fields: /settings/custom-fields/."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from dangol.accounts.roles import Role, user_role
from dangol.core.customfields import services
from dangol.core.customfields.errors import ValidationError
from dangol.core.customfields.forms import (
    DefinitionForm,
    DeleteForm,
    custom_form_fields,
    custom_initial,
    custom_values,
)
from dangol.core.customfields.models import CustomFieldDefinition, CustomFieldEntity
from dangol.core.customfields.records import record_custom_fields_set, record_get, record_url
from dangol.core.customfields.selectors import (
    custom_field_definitions,
    custom_field_usage_count,
)
from dangol.core.errors import DangolError, NotFoundError
from dangol.core.errors import PermissionDeniedError as DomainPermissionDenied


def _admin_only(request: HttpRequest) -> None:
    if user_role(request.user) is not Role.ADMIN:
        raise PermissionDenied


def _definition(pk: int) -> CustomFieldDefinition:
    try:
        return CustomFieldDefinition.objects.get(pk=pk)
    except CustomFieldDefinition.DoesNotExist as exc:
        raise Http404 from exc


def _entity(value: str | None) -> str:
    return value if value in CustomFieldEntity.values else CustomFieldEntity.CUSTOMER


def _list_url(entity: str) -> str:
    return f"{reverse('customfields:list')}?entity={entity}"


@login_required
def definition_list(request: HttpRequest) -> HttpResponse:
    """List one record type's custom fields, archived ones last."""
    _admin_only(request)
    entity = _entity(request.GET.get("entity"))
    definitions = sorted(
        custom_field_definitions(entity=entity, include_archived=True), key=lambda d: d.archived
    )
    return render(
        request,
        "core/customfields/list.html",
        {"entity": entity, "entities": CustomFieldEntity.choices, "definitions": definitions},
    )


def _error_to_form(form: DefinitionForm, exc: ValidationError) -> None:
    field = exc.field if exc.field in form.fields else None
    if isinstance(exc, services.ConfirmationRequired):
        form.ask_confirmation(exc.message)
    else:
        form.add_error(field, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def definition_create(request: HttpRequest) -> HttpResponse:
    """Define a new custom field."""
    _admin_only(request)
    form = DefinitionForm(
        request.POST or None, initial={"entity": _entity(request.GET.get("entity"))}
    )
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.custom_field_create(
                actor=request.user,
                entity=form.cleaned_data["entity"],
                key=form.cleaned_data["key"],
                **form.settings(),
            )
        except ValidationError as exc:
            _error_to_form(form, exc)
        else:
            return redirect(_list_url(definition.entity))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "core/customfields/form.html", {"form": form, "definition": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def definition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a definition; a change that invalidates stored values asks for confirmation."""
    _admin_only(request)
    definition = _definition(pk)
    form = DefinitionForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_update(
                actor=request.user,
                definition=definition,
                confirm=form.cleaned_data.get("confirm", False),
                **form.settings(),
            )
        except ValidationError as exc:
            definition.refresh_from_db()
            _error_to_form(form, exc)
        else:
            return redirect(_list_url(definition.entity))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "core/customfields/form.html",
        {"form": form, "definition": definition},
        status=status,
    )


@login_required
@require_POST
def definition_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Archive (hide, keeping the values) or restore a definition."""
    _admin_only(request)
    definition = _definition(pk)
    services.custom_field_archive(
        actor=request.user, definition=definition, archived=request.POST.get("archived") != "0"
    )
    return redirect(_list_url(definition.entity))


@login_required
@require_http_methods(["GET", "POST"])
def definition_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a definition and its values, after the key is typed back."""
    _admin_only(request)
    definition = _definition(pk)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_delete(
                actor=request.user,
                definition=definition,
                confirmation=form.cleaned_data["confirmation"],
            )
        except services.ConfirmationRequired as exc:
            form.add_error("confirmation", exc.message)
        else:
            return redirect(_list_url(definition.entity))
    context = {
        "form": form,
        "definition": definition,
        "holding": custom_field_usage_count(definition=definition),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "core/customfields/delete.html", context, status=status)


NO_VERSION_READ = 0  # matches no stored version (they start at 1)


class RecordForm(forms.Form):
    """The active custom fields of one record, generated from the definitions.

    Records with a ``version`` (customers, opportunities, tickets) carry the version the
    editor read, required: a save over someone else's change is refused, not lost.
    """

    def __init__(self, *args, entity: str, record, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if hasattr(record, "version"):
            # Not required by the form: a post without it goes to the service as
            # version 0, which never matches, so the role check still answers first
            # (403) and an allowed editor is told to reload; it is never last-writer-wins.
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=record.version, min_value=1, required=False
            )
        self.fields.update(custom_form_fields(entity=entity))


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    """Edit the custom-field values of one record (roles: those of the record's app)."""
    if entity not in CustomFieldEntity.values:
        raise Http404
    try:
        record = record_get(entity=entity, user=request.user, pk=pk)
    except (NotFoundError, ObjectDoesNotExist) as exc:
        raise Http404 from exc
    form = RecordForm(
        request.POST or None,
        entity=entity,
        record=record,
        initial=custom_initial(entity=entity, values=record.custom_fields),
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_custom_fields_set(
                entity=entity,
                actor=request.user,
                record=record,
                values=custom_values(form.cleaned_data),
                expected_version=form.cleaned_data.get("version") or NO_VERSION_READ
                if "version" in form.fields
                else None,
            )
        except DomainPermissionDenied as exc:
            raise PermissionDenied(exc.message) from exc
        except DangolError as exc:
            name = exc.field.replace("custom_fields.", "cf_")
            # A version conflict is about the whole form (its field is hidden).
            form.add_error(
                name if name.startswith("cf_") and name in form.fields else None, exc.message
            )
        else:
            return redirect(record_url(entity=entity, record=record))
    context = {
        "form": form,
        "record": record,
        "entity_label": CustomFieldEntity(entity).label,
        "back": record_url(entity=entity, record=record),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "core/customfields/record_form.html", context, status=status)
