"""Make Django admin saves go through the domain services.

Admin, UI, API and CLI must behave identically, so an admin save calls the app's service
(``customer_create``, ``product_update``, ``order_create``, ...) instead of ``obj.save()``.
A service refuses bad input by raising a ``DangolError`` after the admin form has
already validated; ``ServiceAdminMixin`` turns that into a form error:

1. ``save_model``/``save_related`` call the service, which raises ``DangolError``;
2. the exception leaves the admin's ``transaction.atomic`` block, so nothing the request
   wrote is kept;
3. the view runs again on the same POST with the error attached to the form, which
   shows the user's input with the message next to the field it names.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from dangol.core.errors import DangolError

_ERROR_ATTRIBUTE = "_dangol_service_error"


class ServiceModelForm(forms.ModelForm):
    """A model form that shows a service error raised on a first attempt to save."""

    service_error: DangolError | None = None

    def clean(self):
        cleaned_data = super().clean()
        error = self.service_error
        if error is not None:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        return cleaned_data


class ServiceAdminMixin:
    """Show ``DangolError`` raised while saving as a form error instead of a 500."""

    form = ServiceModelForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # get_form builds a new class per call, so setting the attribute is local to it.
        form.service_error = getattr(request, _ERROR_ATTRIBUTE, None)
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DangolError as exc:
            if request.method != "POST" or getattr(request, _ERROR_ATTRIBUTE, None) is not None:
                raise
            setattr(request, _ERROR_ATTRIBUTE, exc)
            return super().changeform_view(request, object_id, form_url, extra_context)


class ReadOnlyAdminMixin:
    """Let the admin show records that only services or analytics may write."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LargeTableAdmin(admin.ModelAdmin):
    """Defaults for admin lists over tables of millions of rows.

    No full COUNT beside the filtered one, no facet counts, newest first by primary key
    (an index walk), and a page size that keeps the page light.
    """

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("-pk",)
    list_per_page = 50
