"""Automation models: rules, their run log, e-mail templates, threshold state.

A ``Rule`` says when (trigger and its config), for which records (conditions in the
segment rule language) and what to do (a list of actions). Every firing is one
``RuleRun`` row, unique per (rule, record, trigger key): the database itself refuses a
second firing of the same event, whatever retried or repeated it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangol.automation.choices import Entity, RunStatus, Trigger
from dangol.core.models import BaseModel


class EmailTemplate(BaseModel):
    """An e-mail a rule sends: subject and body in Django template syntax."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="emailtemplate_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Rule(BaseModel):
    """When something happens to a record that meets the conditions, run the actions."""

    name = models.CharField(_("name"), max_length=200)
    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    trigger_config = models.JSONField(_("trigger settings"), default=dict, blank=True)
    # The segment rule language (``marketing/segments/rules.py``); {} matches every record.
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    active = models.BooleanField(_("active"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When a sweep (date, score, schedule) last looked at this rule.
    swept_at = models.DateTimeField(_("last swept"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["entity", "trigger", "active"], name="rule_dispatch")]
        constraints = [
            models.CheckConstraint(condition=Q(entity__in=Entity.values), name="rule_entity_valid"),
            models.CheckConstraint(
                condition=Q(trigger__in=Trigger.values), name="rule_trigger_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="rule_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleRun(BaseModel):
    """One firing of a rule for one record: what it did, or why it stopped."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    record_id = models.BigIntegerField(_("record"))
    # What fired it, stable across retries: "created", "v7" (an update to version 7),
    # "date:2026-01-31", "crossed:12", "schedule:2026-01-31", "message:88".
    trigger_key = models.CharField(_("trigger key"), max_length=120)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    # Per action: {"type": ..., "ok": bool, "detail": ...}.
    result = models.JSONField(_("result"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True, default="")
    depth = models.PositiveSmallIntegerField(_("chain depth"), default=0)
    # The firings that led here: [[rule id, entity, record id], ...].
    chain = models.JSONField(_("chain"), default=list, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        indexes = [models.Index(fields=["rule", "-id"], name="rulerun_rule_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "record_id", "trigger_key"], name="rulerun_once_per_trigger"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="rulerun_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(entity__in=Entity.values), name="rulerun_entity_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.entity} {self.record_id} {self.trigger_key} ({self.status})"


class RuleMatch(models.Model):
    """A record currently past a score rule's threshold (entering the set is the crossing)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="matches")
    record_id = models.BigIntegerField(_("record"))
    since = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule match")
        verbose_name_plural = _("rule matches")
        constraints = [
            models.UniqueConstraint(fields=["rule", "record_id"], name="rulematch_rule_record"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.record_id}"
