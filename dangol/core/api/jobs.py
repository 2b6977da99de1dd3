"""REST endpoint of background jobs: ``GET /api/v1/jobs/<id>/`` (status and progress)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.core.jobs import job_get


class JobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed"])
    done = serializers.IntegerField(help_text="Units of work done so far.")
    total = serializers.IntegerField(allow_null=True, help_text="Units expected, if known.")
    percent = serializers.IntegerField(allow_null=True)
    message = serializers.CharField(allow_blank=True)
    result = serializers.DictField()
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Job"


class JobItemApi(APIView):
    """``GET`` one job you started (an admin sees all), with its live progress."""

    @extend_schema(operation_id="jobs_retrieve", responses=JobOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        job = job_get(job_id=pk, user=request.user)
        return Response(JobOutputSerializer(job).data)
