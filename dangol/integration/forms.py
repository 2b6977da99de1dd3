"""The import form: file, kind, encoding, header mapping, mode."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangol.integration.permissions import import_kinds
from dangol.integration.services import UPLOAD_SUFFIXES


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, Excel (.xlsx) or vCard (.vcf)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}),
    )
    kind = forms.ChoiceField(label=_("What the file holds"))
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[
            ("auto", _("Detect (UTF-8, else CP949)")),
            ("utf-8", "UTF-8"),
            ("cp949", _("CP949 / EUC-KR (Korean Excel, ERP)")),
        ],
        initial="auto",
    )
    mapping = forms.CharField(
        label=_("Column names (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "고객번호=external_id"}),
        help_text=_("One file column per line as file_column=canonical_column."),
    )
    mode = forms.ChoiceField(
        label=_("When some rows are bad"),
        choices=[
            ("all", _("Import nothing (all or nothing)")),
            ("skip", _("Import the good rows, skip the bad ones")),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = import_kinds(user)
