"""Forms: the definition editor, and the form-field factory for records' custom fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangol.core.customfields.models import (
    KEY_MAX,
    CustomFieldDefinition,
    CustomFieldEntity,
    CustomFieldType,
)
from dangol.core.customfields.selectors import custom_field_definitions
from dangol.core.customfields.validation import money_parse

PREFIX = "cf_"


class DefinitionForm(forms.Form):
    """Create or edit a definition; the key and record type are fixed once created."""

    entity = forms.ChoiceField(label=_("Record type"), choices=CustomFieldEntity.choices)
    key = forms.SlugField(
        label=_("Key"),
        max_length=KEY_MAX,
        help_text=_(
            "Lower-case letters, digits and _; used in imports (cf_<key>) and the API. "
            "It never changes."
        ),
    )
    label = forms.CharField(label=_("Label"), max_length=100)
    label_ko = forms.CharField(label=_("Korean label"), max_length=100, required=False)
    field_type = forms.ChoiceField(label=_("Type"), choices=CustomFieldType.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: value|English label|Korean label"),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False)
    show_in_list = forms.BooleanField(label=_("Show in list"), required=False)
    filterable = forms.BooleanField(label=_("Filterable"), required=False)
    confirm = forms.BooleanField(
        label=_("Yes, change the stored values as described"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, definition: CustomFieldDefinition | None = None, **kwargs) -> None:
        if definition is not None:
            kwargs.setdefault(
                "initial",
                {
                    "entity": definition.entity,
                    "key": definition.key,
                    "label": definition.label,
                    "label_ko": definition.label_ko,
                    "field_type": definition.field_type,
                    "choices": choices_text(definition.choices),
                    "required": definition.required,
                    "help_text": definition.help_text,
                    "order": definition.order,
                    "show_in_list": definition.show_in_list,
                    "filterable": definition.filterable,
                },
            )
        super().__init__(*args, **kwargs)
        if definition is not None:
            for name in ("entity", "key"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def ask_confirmation(self, message: str) -> None:
        """Show ``message`` and the confirmation box (after ``ConfirmationRequired``)."""
        self.fields["confirm"].widget = forms.CheckboxInput()
        self.add_error("confirm", message)

    def settings(self) -> dict[str, Any]:
        """Return the editable settings for the services."""
        data = self.cleaned_data
        return {
            "label": data["label"],
            "label_ko": data.get("label_ko") or "",
            "field_type": data["field_type"],
            "choices": data.get("choices") or "",
            "required": data.get("required", False),
            "help_text": data.get("help_text") or "",
            "order": data.get("order") or 0,
            "show_in_list": data.get("show_in_list", False),
            "filterable": data.get("filterable", False),
        }


class DeleteForm(forms.Form):
    confirmation = forms.CharField(label=_("Type the key to confirm"), max_length=KEY_MAX)


def choices_text(choices: list[dict]) -> str:
    """Return choices as the editor's lines (value|label|Korean label)."""
    return "\n".join(
        "|".join([c["value"], c.get("label", ""), c.get("label_ko", "")]).rstrip("|")
        for c in choices or []
    )


def _form_field(definition: CustomFieldDefinition) -> forms.Field:
    kind = definition.field_type
    common: dict[str, Any] = {
        "label": definition.display_label,
        "required": definition.required and kind != CustomFieldType.BOOLEAN,
        "help_text": definition.help_text,
    }
    choices = [(c["value"], definition.choice_label(c["value"])) for c in definition.choices]
    if kind == CustomFieldType.TEXT:
        return forms.CharField(max_length=1000, **common)
    if kind == CustomFieldType.NUMBER:
        return forms.DecimalField(max_digits=20, decimal_places=6, **common)
    if kind == CustomFieldType.MONEY:
        return forms.DecimalField(max_digits=14, decimal_places=2, **common)
    if kind == CustomFieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == CustomFieldType.MULTICHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == CustomFieldType.BOOLEAN:
        return forms.NullBooleanField(widget=forms.NullBooleanSelect, **common)
    # user, customer: an id (the service checks that it exists)
    return forms.IntegerField(min_value=1, **common)


def custom_form_fields(*, entity: str) -> dict[str, forms.Field]:
    """Return ``{"cf_<key>": form field}`` for ``entity``'s active custom fields."""
    return {PREFIX + d.key: _form_field(d) for d in custom_field_definitions(entity=entity)}


def custom_initial(*, entity: str, values: dict | None) -> dict[str, Any]:
    """Return the form initial data of a record's stored custom values."""
    values = values or {}
    out: dict[str, Any] = {}
    for d in custom_field_definitions(entity=entity):
        if d.key in values:
            value = values[d.key]
            if d.field_type == CustomFieldType.MONEY:
                value = money_parse(value)
            out[PREFIX + d.key] = value
    return out


def custom_values(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    """Return ``{key: value}`` from a form's cleaned ``cf_`` fields (for custom_fields_clean)."""
    out: dict[str, Any] = {}
    for name, value in cleaned_data.items():
        if not name.startswith(PREFIX):
            continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and type(value).__name__ == "Decimal":
            value = str(value)
        out[name[len(PREFIX) :]] = value
    return out
