"""Model pages: every model kind's versions, one model card with its charts, and the
buttons that start a training or scoring job.

Charts are drawn in the browser by one generic script from ``ModelRun.charts`` (format in
``modelcards/charts.py``), so a new model kind needs no page code.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from dangol.analytics.errors import ValidationError
from dangol.analytics.modelcards.actions import model_actions_for
from dangol.analytics.modelcards.charts import charts_sorted
from dangol.analytics.modelcards.permissions import model_may_run, model_may_view
from dangol.analytics.modelcards.selectors import model_run_get, model_run_list
from dangol.analytics.modelcards.services import model_job_start
from dangol.core.errors import NotFoundError, PermissionDeniedError
from dangol.core.jobs import job_get

# Headline metrics shown in the list when a run has them (first four found).
HEADLINE_METRICS = (
    "auc",
    "top_decile_lift",
    "hit_rate",
    "precision_at_k",
    "recall_at_k",
    "customers",
    "repeat_buyers",
    "mean_clv",
)


def flatten(mapping: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Return ``(dotted key, shown value)`` rows of a nested mapping, lists as JSON."""
    rows: list[tuple[str, str]] = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(flatten(value, prefix=f"{name}."))
        elif isinstance(value, list | dict):
            rows.append((name, json.dumps(value, ensure_ascii=False)))
        elif value is None:
            rows.append((name, "—"))
        else:
            rows.append((name, str(value)))
    return rows


def _headline(metrics: dict) -> list[tuple[str, object]]:
    found = [(k, metrics[k]) for k in HEADLINE_METRICS if metrics.get(k) is not None]
    validation = metrics.get("validation") or {}
    if "holdout_total_error_pct" in validation:
        found.append(("holdout_total_error_pct", validation["holdout_total_error_pct"]))
    return found[:4]


def charts_translated(charts: dict) -> dict:
    """Return ``charts`` with titles, axis and series labels in the reader's language.

    Trainings store English text (marked with ``gettext_noop``), translated when shown.
    """
    out = {}
    for name, spec in charts_sorted(charts).items():
        spec = dict(spec)
        for key in ("title", "x_label", "y_label"):
            if spec.get(key):
                spec[key] = gettext(spec[key])
        spec["series"] = {gettext(label): values for label, values in spec["series"].items()}
        out[name] = spec
    return out


@login_required
@require_GET
def model_list_view(request: HttpRequest) -> HttpResponse:
    """List every model kind with its versions, latest first, and the jobs one may start."""
    if not model_may_view(request.user):
        raise PermissionDenied
    may_run = model_may_run(request.user)
    kinds = [
        {
            "kind": group.kind,
            "label": group.label,
            "runs": [(run, _headline(run.metrics)) for run in group.runs],
            "actions": model_actions_for(group.kind) if may_run else [],
        }
        for group in model_run_list()
    ]
    job = None
    job_id = request.GET.get("job", "")
    if job_id.isdigit():
        try:
            job = job_get(job_id=int(job_id), user=request.user)
        except NotFoundError:
            job = None
    return render(request, "analytics/models/list.html", {"kinds": kinds, "job": job})


@login_required
@require_GET
def model_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Render one model card: data window, parameters, metrics, who ran it, charts."""
    if not model_may_view(request.user):
        raise PermissionDenied
    try:
        run = model_run_get(run_id=pk)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    context = {
        "run": run,
        "params": flatten(run.params),
        "metrics": flatten(run.metrics),
        "charts": charts_translated(run.charts),
        "chart_names": list(charts_sorted(run.charts)),
    }
    return render(request, "analytics/models/detail.html", context)


@login_required
@require_POST
def model_job_start_view(request: HttpRequest, kind: str, action: str) -> HttpResponse:
    """Queue a training or scoring job and return to the list, which shows its progress."""
    try:
        job = model_job_start(kind=kind, action=action, user=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationError as exc:
        messages.error(request, exc.message)
        return redirect("analytics:model_list")
    return redirect(reverse("analytics:model_list") + f"?job={job.pk}")
