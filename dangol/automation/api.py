"""The automation API: rules, their run logs and dry runs, e-mail templates (/api/v1/automation/).

Administrators write; managers read (and may dry-run). Same services and selectors as
the pages.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dangol.automation import selectors, services
from dangol.automation.choices import Entity, RunStatus, Trigger
from dangol.automation.permissions import can_read_automation, can_write_automation
from dangol.core.api.permissions import ReadWriteRole

TAGS = ["automation"]


class AutomationPermission(ReadWriteRole):
    """Reads (and dry runs) for administrators and managers, writes for administrators."""

    message = _("Only administrators change automation rules; managers may read them.")

    can_read = staticmethod(can_read_automation)
    can_write = staticmethod(can_write_automation)


class RuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    entity = serializers.ChoiceField(choices=Entity.choices)
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    trigger_config = serializers.JSONField(
        required=False, default=dict, help_text="Trigger settings; see docs/automation.md."
    )
    conditions = serializers.JSONField(
        required=False, default=dict, help_text="The segment rule language; {} matches all."
    )
    actions = serializers.JSONField(help_text='A list of {"type": ..., settings}.')
    active = serializers.BooleanField(required=False, default=False)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    class Meta:
        ref_name = "AutomationRule"


class RuleRunSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    entity = serializers.ChoiceField(choices=Entity.choices)
    record_id = serializers.IntegerField()
    trigger_key = serializers.CharField()
    status = serializers.ChoiceField(choices=RunStatus.choices)
    result = serializers.JSONField()
    error = serializers.CharField()
    depth = serializers.IntegerField()
    chain = serializers.JSONField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "AutomationRuleRun"


class RuleTestInputSerializer(serializers.Serializer):
    record_id = serializers.IntegerField(min_value=1)

    class Meta:
        ref_name = "AutomationRuleTestInput"


class RuleTestSerializer(serializers.Serializer):
    record_id = serializers.IntegerField()
    record = serializers.CharField()
    url = serializers.CharField()
    trigger_matches = serializers.BooleanField(allow_null=True)
    trigger_note = serializers.CharField()
    conditions_match = serializers.BooleanField()
    would_fire = serializers.BooleanField()
    actions = serializers.ListField(child=serializers.CharField())

    class Meta:
        ref_name = "AutomationRuleTest"


class EmailTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()

    class Meta:
        ref_name = "AutomationEmailTemplate"


class RuleCollectionApi(APIView):
    permission_classes = [AutomationPermission]

    @extend_schema(
        operation_id="automation_rules_list", responses=RuleSerializer(many=True), tags=TAGS
    )
    def get(self, request: Request) -> Response:
        return Response(RuleSerializer(selectors.rule_list(), many=True).data)

    @extend_schema(
        operation_id="automation_rules_create",
        request=RuleSerializer,
        responses={201: RuleSerializer},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = RuleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.rule_create(actor=request.user, **data.validated_data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class RuleItemApi(APIView):
    permission_classes = [AutomationPermission]

    @extend_schema(operation_id="automation_rules_retrieve", responses=RuleSerializer, tags=TAGS)
    def get(self, request: Request, pk: int) -> Response:
        return Response(RuleSerializer(selectors.rule_get(pk=pk)).data)

    @extend_schema(
        operation_id="automation_rules_partial_update",
        request=RuleSerializer,
        responses=RuleSerializer,
        tags=TAGS,
    )
    def patch(self, request: Request, pk: int) -> Response:
        rule = selectors.rule_get(pk=pk)
        data = RuleSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k in request.data}
        rule = services.rule_update(actor=request.user, rule=rule, **fields)
        return Response(RuleSerializer(rule).data)

    @extend_schema(operation_id="automation_rules_destroy", responses={204: None}, tags=TAGS)
    def delete(self, request: Request, pk: int) -> Response:
        services.rule_delete(actor=request.user, rule=selectors.rule_get(pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RuleRunsApi(APIView):
    permission_classes = [AutomationPermission]

    @extend_schema(
        operation_id="automation_rule_runs_list", responses=RuleRunSerializer(many=True), tags=TAGS
    )
    def get(self, request: Request, pk: int) -> Response:
        rule = selectors.rule_get(pk=pk)
        before = request.query_params.get("before", "")
        runs = selectors.rule_runs(rule=rule, before=int(before) if before.isdigit() else None)
        return Response(RuleRunSerializer(runs, many=True).data)


class RuleTestApi(APIView):
    """Dry-run a rule against one record: nothing is written."""

    permission_classes = [AutomationPermission]
    read_only_post = True

    @extend_schema(
        operation_id="automation_rule_test",
        request=RuleTestInputSerializer,
        responses=RuleTestSerializer,
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        rule = selectors.rule_get(pk=pk)
        data = RuleTestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = selectors.rule_test(rule=rule, record_id=data.validated_data["record_id"])
        return Response(RuleTestSerializer(result).data)


class EmailTemplateCollectionApi(APIView):
    permission_classes = [AutomationPermission]

    @extend_schema(
        operation_id="automation_templates_list",
        responses=EmailTemplateSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        return Response(EmailTemplateSerializer(selectors.email_template_list(), many=True).data)

    @extend_schema(
        operation_id="automation_templates_create",
        request=EmailTemplateSerializer,
        responses={201: EmailTemplateSerializer},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = EmailTemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.email_template_create(actor=request.user, **data.validated_data)
        return Response(EmailTemplateSerializer(template).data, status=status.HTTP_201_CREATED)
