"""Background tasks of the model pages (run by ``dangol worker``; inline in tests)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from dangol.analytics.modelcards.actions import MODEL_ACTIONS
from dangol.core.jobs import job_running
from dangol.core.models import Job


@task()
def model_action_run(job_id: int) -> dict:
    """Run the model action the job names, recording progress and the result on the job."""
    job = Job.objects.get(pk=job_id)
    action = MODEL_ACTIONS[(job.params["kind"], job.params["action"])]
    user = get_user_model().objects.filter(pk=job.created_by_id).first()
    with job_running(job_id=job_id) as progress:
        progress.result = action.fn(created_by=user, progress=progress)
    return progress.result
