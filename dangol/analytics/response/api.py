"""REST endpoints of the campaign response models: the SEMMA steps under ``/api/v1/response/``.

- ``GET|POST studies/``: list; create from CSV text, a file in the inbox, or a campaign.
- ``GET studies/<id>/``; ``POST studies/<id>/sample/``; ``GET studies/<id>/explore/``;
  ``POST studies/<id>/modify/``; ``GET|POST studies/<id>/models/`` (POST queues training,
  202 with the job); ``GET models/<id>/`` (Assess: metrics and charts);
  ``POST models/<id>/score/`` (queues scoring, 202 with the job).

The API takes JSON only: a CSV comes as text (``csv_text``) or, for large files, as the
name of a file an operator put in ``DANGOL_DATA_DIR/response/inbox/`` (``inbox_file``).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.analytics.errors import AnalyticsErrorCode, AnalyticsInputError
from dangol.analytics.models import ResponseStudy
from dangol.analytics.response import selectors, services
from dangol.analytics.response.permissions import response_may_model, response_may_score
from dangol.analytics.response.semma import ALGORITHMS, TRANSFORMS
from dangol.core.api.permissions import HasRole
from dangol.core.errors import PermissionDeniedError


def json_safe(value: Any) -> Any:
    """Return ``value`` with NaN and infinities as None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


class MayModel(HasRole):
    message = _("Your role may not build response models.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and response_may_model(request.user)


class StudyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    source = serializers.CharField()
    response_column = serializers.CharField()
    join_warehouse_features = serializers.BooleanField()
    row_filter = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    validation_share = serializers.FloatField()
    seed = serializers.IntegerField()
    features = serializers.ListField(child=serializers.DictField())
    rows = serializers.IntegerField()
    data_from = serializers.DateField(allow_null=True)
    data_to = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ResponseStudy"


class StudyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    response_column = serializers.CharField(max_length=100, required=False, default="response")
    csv_text = serializers.CharField(required=False, trim_whitespace=False)
    inbox_file = serializers.RegexField(r"^[\w.-]+\.csv$", max_length=200, required=False)
    campaign_id = serializers.IntegerField(required=False, min_value=1)
    join_warehouse_features = serializers.BooleanField(required=False, default=False)
    data_from = serializers.DateField(required=False, allow_null=True, default=None)
    data_to = serializers.DateField(required=False, allow_null=True, default=None)

    class Meta:
        ref_name = "ResponseStudyCreate"

    def validate(self, attrs):
        given = [k for k in ("csv_text", "inbox_file", "campaign_id") if attrs.get(k) is not None]
        if len(given) != 1:
            raise serializers.ValidationError(
                _("Give exactly one of csv_text, inbox_file and campaign_id.")
            )
        return attrs


def _study_out(study: ResponseStudy) -> dict:
    return StudyOutputSerializer(study).data


class ResponseStudyCollectionApi(APIView):
    """``GET`` the studies; ``POST`` starts one from a CSV or a past campaign."""

    permission_classes = [MayModel]

    @extend_schema(operation_id="response_studies_list", responses=StudyOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([_study_out(s) for s in selectors.response_study_list()[:200]])

    @extend_schema(
        operation_id="response_studies_create",
        request=StudyCreateSerializer,
        responses={201: StudyOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = StudyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v.get("campaign_id") is not None:
            study = services.response_study_create_from_campaign(
                name=v["name"], campaign_id=v["campaign_id"], created_by=request.user
            )
        else:
            if v.get("inbox_file"):
                source: Any = Path(settings.DATA_DIR) / "response" / "inbox" / v["inbox_file"]
                if not source.is_file():
                    raise AnalyticsInputError(
                        str(_("There is no such file in the inbox.")),
                        code=AnalyticsErrorCode.UNREADABLE_INPUT,
                        field="inbox_file",
                    )
            else:
                source = io.BytesIO(v["csv_text"].encode("utf-8"))
            study = services.response_study_create_from_csv(
                name=v["name"],
                file=source,
                response_column=v["response_column"],
                join_warehouse_features=v["join_warehouse_features"],
                data_from=v["data_from"],
                data_to=v["data_to"],
                created_by=request.user,
            )
        return Response(_study_out(study), status=status.HTTP_201_CREATED)


class ResponseStudyItemApi(APIView):
    """``GET`` one study with its SEMMA choices."""

    permission_classes = [MayModel]

    @extend_schema(operation_id="response_studies_retrieve", responses=StudyOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_study_out(selectors.response_study_get(study_id=pk)))


class SampleInputSerializer(serializers.Serializer):
    row_filter = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=200), max_length=200),
        required=False,
        default=dict,
        help_text='Kept values per column, e.g. {"segment": ["Mens E-Mail"]}.',
    )
    validation_share = serializers.FloatField(min_value=0.05, max_value=0.95, default=0.3)
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=42)

    class Meta:
        ref_name = "ResponseSample"


class PartSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    responders = serializers.IntegerField()
    response_rate = serializers.FloatField()

    class Meta:
        ref_name = "ResponseSamplePart"


class SampleOutputSerializer(serializers.Serializer):
    all = PartSerializer()
    train = PartSerializer()
    valid = PartSerializer()

    class Meta:
        ref_name = "ResponseSampleResult"


class ResponseStudySampleApi(APIView):
    """``POST`` Sample: filter rows, split stratified into training and validation."""

    permission_classes = [MayModel]

    @extend_schema(
        operation_id="response_studies_sample",
        request=SampleInputSerializer,
        responses=SampleOutputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        study = selectors.response_study_get(study_id=pk)
        data = SampleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.response_study_sample(study=study, **data.validated_data))


class ExploreOutputSerializer(serializers.Serializer):
    sample = SampleOutputSerializer()
    columns = serializers.ListField(
        child=serializers.DictField(), help_text="Per column: summary, levels, chart."
    )

    class Meta:
        ref_name = "ResponseExplore"


class ResponseStudyExploreApi(APIView):
    """``GET`` Explore: feature summaries and response rates on the training rows."""

    permission_classes = [MayModel]

    @extend_schema(operation_id="response_studies_explore", responses=ExploreOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        study = selectors.response_study_get(study_id=pk)
        return Response(json_safe(selectors.response_study_explore(study=study)))


class FeatureSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    transform = serializers.ChoiceField(choices=TRANSFORMS, default="none")
    bins = serializers.IntegerField(min_value=2, max_value=20, required=False)

    class Meta:
        ref_name = "ResponseFeature"


class ModifyInputSerializer(serializers.Serializer):
    features = FeatureSerializer(many=True, min_length=1, max_length=200)

    class Meta:
        ref_name = "ResponseModify"


class ResponseStudyModifyApi(APIView):
    """``POST`` Modify: the features and their transforms."""

    permission_classes = [MayModel]

    @extend_schema(
        operation_id="response_studies_modify",
        request=ModifyInputSerializer,
        responses=FeatureSerializer(many=True),
    )
    def post(self, request: Request, pk: int) -> Response:
        study = selectors.response_study_get(study_id=pk)
        data = ModifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        features = [dict(f) for f in data.validated_data["features"]]
        return Response(services.response_study_modify(study=study, features=features))


class ModelInputSerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(choices=ALGORITHMS)

    class Meta:
        ref_name = "ResponseModelTrain"


class JobStartedSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    job_url = serializers.CharField()

    class Meta:
        ref_name = "JobStarted"


class ModelRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    algorithm = serializers.CharField()
    data_from = serializers.DateField(allow_null=True)
    data_to = serializers.DateField(allow_null=True)
    params = serializers.DictField()
    metrics = serializers.DictField()
    charts = serializers.DictField()
    rows_trained = serializers.IntegerField()
    customers_scored = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ResponseModelRun"


def _job_started(job) -> Response:
    return Response(
        {"job_id": job.pk, "job_url": f"/api/v1/jobs/{job.pk}/"}, status=status.HTTP_202_ACCEPTED
    )


class ResponseStudyModelsApi(APIView):
    """``GET`` the study's models; ``POST`` Model: queue training (202, the job to watch)."""

    permission_classes = [MayModel]

    @extend_schema(operation_id="response_models_list", responses=ModelRunSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        study = selectors.response_study_get(study_id=pk)
        runs = selectors.response_model_list(study=study)
        return Response([json_safe(ModelRunSerializer(r).data) for r in runs])

    @extend_schema(
        operation_id="response_models_train",
        request=ModelInputSerializer,
        responses={202: JobStartedSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        study = selectors.response_study_get(study_id=pk)
        data = ModelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.response_model_train_start(
            study=study, algorithm=data.validated_data["algorithm"], user=request.user
        )
        return _job_started(job)


class ResponseModelItemApi(APIView):
    """``GET`` Assess: one model's metrics (AUC, top-decile lift) and gain and lift charts."""

    permission_classes = [MayModel]

    @extend_schema(operation_id="response_models_retrieve", responses=ModelRunSerializer)
    def get(self, request: Request, pk: int) -> Response:
        run = selectors.response_model_get(model_run_id=pk)
        return Response(json_safe(ModelRunSerializer(run).data))


class ScoreInputSerializer(serializers.Serializer):
    customer_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_null=True,
        default=None,
        max_length=1_000_000,
        help_text="Customers to score (a segment); all customers when omitted.",
    )

    class Meta:
        ref_name = "ResponseScore"


class ResponseModelScoreApi(APIView):
    """``POST`` queue scoring customers; their response probability is written back."""

    permission_classes = [MayModel]

    @extend_schema(
        operation_id="response_models_score",
        request=ScoreInputSerializer,
        responses={202: JobStartedSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        if not response_may_score(request.user):
            raise PermissionDeniedError(str(_("Your role may not write customer scores.")))
        run = selectors.response_model_get(model_run_id=pk)
        data = ScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.response_scores_start(
            model_run=run, user=request.user, customer_ids=data.validated_data["customer_ids"]
        )
        return _job_started(job)
