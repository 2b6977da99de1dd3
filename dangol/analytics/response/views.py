"""Pages of the campaign response models: the guided SEMMA flow, and the recommendations.

``/analytics/response/`` lists studies and takes a CSV upload; ``/analytics/response/<id>/``
walks through Sample, Explore, Modify, Model (a background job) and Assess. Each POST
validates a form, calls one service and redirects back (or to the job's progress page).
``/analytics/recommend/`` shows the latest recommendation evaluation and queues a refresh.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from dangol.analytics.recommend.selectors import (
    recommendation_run_latest,
    recommendation_runs_recent,
)
from dangol.analytics.recommend.services import recommendations_refresh_start
from dangol.analytics.response import selectors, services
from dangol.analytics.response.permissions import response_may_model, response_may_score
from dangol.analytics.response.semma import ALGORITHMS, TRANSFORMS
from dangol.core.errors import DangolError, NotFoundError

ALGORITHM_LABELS = {"logistic": _("Logistic regression"), "gbm": _("Gradient boosting")}
TRANSFORM_LABELS = {
    "": _("(not used)"),
    "none": _("as is (standardised)"),
    "log": _("log"),
    "bin": _("quantile bins"),
    "onehot": _("one-hot levels"),
}


class StudyUploadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    file = forms.FileField(label=_("CSV file of past contacts"))
    response_column = forms.CharField(
        label=_("Response column"), max_length=100, help_text=_("Holds 1 for a response, else 0.")
    )
    data_from = forms.DateField(
        label=_("Campaign from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    data_to = forms.DateField(
        label=_("Campaign to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SampleForm(forms.Form):
    row_filter = forms.CharField(
        label=_("Keep rows"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "segment=Mens E-Mail"}),
        help_text=_("One column=value per line; repeat a column for several values."),
    )
    validation_share = forms.FloatField(
        label=_("Validation share"), min_value=0.05, max_value=0.95, initial=0.3
    )
    seed = forms.IntegerField(label=_("Random seed"), min_value=0, initial=42)

    def clean_row_filter(self) -> dict[str, list[str]]:
        kept: dict[str, list[str]] = {}
        for line in self.cleaned_data["row_filter"].splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep:
                raise forms.ValidationError(
                    _("Write each line as column=value: %(line)s"), params={"line": line}
                )
            kept.setdefault(name.strip(), []).append(value.strip())
        return kept


class ModelForm(forms.Form):
    algorithm = forms.ChoiceField(
        label=_("Algorithm"), choices=[(a, ALGORITHM_LABELS[a]) for a in ALGORITHMS]
    )


def _require_model_role(request: HttpRequest) -> None:
    if not response_may_model(request.user):
        raise PermissionDenied


def _study_or_404(pk: int):
    try:
        return selectors.response_study_get(study_id=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc


@login_required
@require_http_methods(["GET", "POST"])
def study_list_view(request: HttpRequest) -> HttpResponse:
    """List the studies; a POST uploads a CSV and starts a study."""
    _require_model_role(request)
    form = StudyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            study = services.response_study_create_from_csv(
                name=data["name"],
                file=data["file"],
                response_column=data["response_column"],
                data_from=data["data_from"],
                data_to=data["data_to"],
                created_by=request.user,
            )
        except DangolError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("analytics:response_study", pk=study.pk)
    context = {
        "studies": selectors.response_study_list()[:100],
        "form": form,
        "active_nav": "analytics",
    }
    return render(request, "analytics/response/study_list.html", context)


def _modify_rows(study, explore_columns: list[dict]) -> list[dict]:
    chosen = {f["name"]: f for f in study.features}
    rows = []
    for column in explore_columns:
        allowed = (
            ["", "none", "log", "bin", "onehot"] if column["kind"] == "numeric" else ["", "onehot"]
        )
        spec = chosen.get(column["name"], {})
        rows.append(
            {
                "name": column["name"],
                "kind": column["kind"],
                "choices": [(t, TRANSFORM_LABELS[t]) for t in allowed],
                "transform": spec.get("transform", ""),
                "bins": spec.get("bins", 5),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def study_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Walk the SEMMA steps of one study; each step's form posts back here."""
    _require_model_role(request)
    study = _study_or_404(pk)
    step = request.POST.get("step", "")
    sample_form = SampleForm(
        request.POST if step == "sample" else None,
        initial={
            "row_filter": "\n".join(
                f"{c}={v}" for c, values in study.row_filter.items() for v in values
            ),
            "validation_share": study.validation_share,
            "seed": study.seed,
        },
    )
    model_form = ModelForm(request.POST if step == "model" else None)
    try:
        if step == "sample" and sample_form.is_valid():
            services.response_study_sample(study=study, **sample_form.cleaned_data)
            return redirect("analytics:response_study", pk=study.pk)
        if step == "modify":
            features = []
            for name in request.POST.getlist("feature"):
                transform = request.POST.get(f"transform:{name}", "")
                if transform in TRANSFORMS:
                    spec = {"name": name, "transform": transform}
                    if transform == "bin":
                        spec["bins"] = request.POST.get(f"bins:{name}", "5")
                    features.append(spec)
            services.response_study_modify(study=study, features=features)
            return redirect("analytics:response_study", pk=study.pk)
        if step == "model" and model_form.is_valid():
            job = services.response_model_train_start(
                study=study, algorithm=model_form.cleaned_data["algorithm"], user=request.user
            )
            return redirect("job_detail", pk=job.pk)
    except (DangolError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    try:
        explored = selectors.response_study_explore(study=study)
    except DangolError as exc:
        explored = {"sample": None, "columns": []}
        messages.error(request, exc.message)
    for column in explored["columns"]:
        top = max([lv["response_rate"] for lv in column["levels"]] or [0]) or 1
        for level in column["levels"]:
            level["width"] = int(100 * level["response_rate"] / top)
    context = {
        "study": study,
        "sample": explored["sample"],
        "columns": explored["columns"],
        "modify_rows": _modify_rows(study, explored["columns"]),
        "sample_form": sample_form,
        "model_form": model_form,
        "runs": selectors.response_model_list(study=study),
        "may_score": response_may_score(request.user),
        "active_nav": "analytics",
    }
    return render(request, "analytics/response/study_detail.html", context)


@login_required
@require_POST
def model_score_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue scoring every customer with a response model; show the job's progress."""
    if not response_may_score(request.user):
        raise PermissionDenied
    try:
        run = selectors.response_model_get(model_run_id=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    try:
        job = services.response_scores_start(model_run=run, user=request.user)
    except DangolError as exc:
        messages.error(request, exc.message)
        study = run.params.get("study")
        return redirect(
            reverse("analytics:response_study", args=[study])
            if study
            else reverse("analytics:response")
        )
    return redirect("job_detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def recommend_view(request: HttpRequest) -> HttpResponse:
    """Show the latest recommendation runs' evaluation; a POST queues a refresh."""
    _require_model_role(request)
    if request.method == "POST":
        job = recommendations_refresh_start(user=request.user)
        return redirect("job_detail", pk=job.pk)
    context = {
        "runs": recommendation_runs_recent(limit=10),
        "current": recommendation_run_latest(),
        "active_nav": "analytics",
    }
    return render(request, "analytics/recommend/overview.html", context)
