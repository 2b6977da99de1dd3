"""Firing rules: once per (rule, record, trigger key), loops stopped, every run logged.

``rule_fire`` is the one place a rule acts. In one transaction it claims the run (the
unique constraint on rule, record and trigger key: a retried task or a repeated event
finds the row and does nothing) and runs the actions, each in a savepoint so a refused
action is logged without undoing the others. A crash before commit undoes the claim
and the actions together, so a retry starts clean: actions happen once.

Loops: the firings that led to an event travel with it (``chain``). A rule whose
firing would repeat a (rule, record) pair already in the chain, or a chain longer than
``DANGOL_AUTOMATION_MAX_DEPTH``, is logged as "loop stopped" and its creator notified.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangol.automation.actions import action_execute
from dangol.automation.choices import RunStatus, Trigger
from dangol.automation.conditions import (
    entity_model,
    record_matches,
    records_live,
    records_matching,
)
from dangol.automation.errors import DangolError
from dangol.automation.events import CURRENT_CHAIN
from dangol.automation.models import Rule, RuleMatch, RuleRun
from dangol.automation.triggers import (
    EVENT_TRIGGERS,
    date_candidates,
    schedule_due,
    score_condition,
    trigger_matches_event,
)

logger = logging.getLogger(__name__)


def max_depth() -> int:
    """Return how many firings one chain may hold before it is stopped."""
    return int(getattr(settings, "DANGOL_AUTOMATION_MAX_DEPTH", 5))


def _loop_reason(rule: Rule, record_id: int, chain: list) -> str:
    if len(chain) >= max_depth():
        return f"Stopped: the chain of rules reached {len(chain)} firings (limit {max_depth()})"
    for rule_id, entity, other in chain:
        if rule_id == rule.pk and entity == rule.entity and other == record_id:
            return (
                f"Stopped: this rule already fired for this record earlier in the same chain "
                f"({' → '.join(str(link[0]) for link in chain)} → {rule.pk})"
            )
    return ""


def _notify_loop(rule: Rule, run: RuleRun) -> None:
    from django.urls import reverse

    from dangol.accounts.notifications import notification_send

    if rule.created_by is None or not rule.created_by.is_active:
        return
    notification_send(
        user=rule.created_by,
        kind="automation",
        text=_("Automation rule “%(name)s” was stopped in a loop (record %(id)s)")
        % {"name": rule.name, "id": run.record_id},
        url=reverse("automation:rule_runs", args=[rule.pk]),
    )


@transaction.atomic
def rule_fire(
    *, rule: Rule, record_id: int, trigger_key: str, chain: list | tuple = ()
) -> RuleRun | None:
    """Fire ``rule`` for one record; return its run, or None if this trigger already fired."""
    chain = [list(link) for link in chain]
    reason = _loop_reason(rule, record_id, chain)
    run, created = RuleRun.objects.get_or_create(
        rule=rule,
        record_id=record_id,
        trigger_key=trigger_key[:120],
        defaults={
            "entity": rule.entity,
            "depth": len(chain),
            "chain": chain,
            "status": RunStatus.LOOP_STOPPED if reason else RunStatus.RUNNING,
            "error": reason,
        },
    )
    if not created:
        return None
    if reason:
        _notify_loop(rule, run)
        return run
    # Checked again at firing: a record (or its customer) trashed since it matched gets
    # no action; the run is logged as failed with the reason.
    record = records_live(entity=rule.entity).filter(pk=record_id).first()
    results, errors = [], []
    token = CURRENT_CHAIN.set((*map(tuple, chain), (rule.pk, rule.entity, record_id)))
    try:
        for index, action in enumerate(rule.actions):
            try:
                with transaction.atomic():
                    if record is None:
                        raise DangolError("The record no longer exists or is in the trash")
                    record.refresh_from_db()
                    detail = action_execute(
                        action=action, entity=rule.entity, record=record, rule=rule
                    )
                results.append({"type": action["type"], "ok": True, "detail": detail})
            except DangolError as exc:
                results.append({"type": action["type"], "ok": False, "detail": exc.message})
                errors.append(f"{index + 1}. {action['type']}: {exc.message}")
            except Exception as exc:  # an unexpected bug must not lose the run log
                logger.exception("Automation rule %s action %s failed", rule.pk, index)
                results.append({"type": action["type"], "ok": False, "detail": repr(exc)})
                errors.append(f"{index + 1}. {action['type']}: {exc!r}")
    finally:
        CURRENT_CHAIN.reset(token)
    run.status = RunStatus.FAILED if errors else RunStatus.SUCCEEDED
    run.result = results
    run.error = "\n".join(errors)
    run.save(update_fields=["status", "result", "error", "updated_at"])
    return run


def event_process(
    *,
    entity: str,
    record_id: int,
    event: str,
    changes: dict | None,
    key: str,
    chain: list,
) -> int:
    """Fire every active rule answering the event whose conditions the record meets."""
    fired = 0
    rules = Rule.objects.filter(
        active=True, entity=entity, trigger__in=EVENT_TRIGGERS.get(event, ())
    ).select_related("created_by")
    for rule in rules.order_by("id"):
        if not trigger_matches_event(rule=rule, event=event, changes=changes):
            continue
        if not record_matches(entity=entity, record_id=record_id, conditions=rule.conditions):
            continue
        trigger_key = {
            Trigger.CREATED: "created",
            Trigger.UPDATED: f"updated:{key}",
            Trigger.FIELD_CHANGED: f"changed:{key}",
            Trigger.INBOUND_MESSAGE: f"message:{key}",
        }[rule.trigger]
        if rule_fire(rule=rule, record_id=record_id, trigger_key=trigger_key, chain=chain):
            fired += 1
    return fired


# --------------------------------------------------------------------------------------
# Sweeps: dates, scores, schedules


def _sweep_date(rule: Rule, now: dt.datetime) -> int:
    records = records_matching(entity=rule.entity, conditions=rule.conditions)
    fired = 0
    today = timezone.localtime(now).date()
    for record_id, target in date_candidates(rule=rule, records=records, today=today):
        if rule_fire(rule=rule, record_id=record_id, trigger_key=f"date:{target.isoformat()}"):
            fired += 1
    return fired


def _past_threshold(rule: Rule):
    from dangol.marketing.segments.rules import rule_compile

    return records_matching(entity=rule.entity, conditions=rule.conditions).filter(
        rule_compile(score_condition(rule))
    )


@transaction.atomic
def score_matches_seed(*, rule: Rule) -> int:
    """Record who is past the threshold now without firing (a rule switched on)."""
    RuleMatch.objects.filter(rule=rule).delete()
    ids = _past_threshold(rule).values_list("pk", flat=True)
    RuleMatch.objects.bulk_create(
        [RuleMatch(rule=rule, record_id=pk) for pk in ids.iterator()], batch_size=5000
    )
    return RuleMatch.objects.filter(rule=rule).count()


def _sweep_score(rule: Rule) -> int:
    with transaction.atomic():
        past = _past_threshold(rule)
        # A trashed record keeps its match while in the trash: no firing then, and none
        # on restore for a crossing that already fired (it goes once they drop below).
        trashed = entity_model(rule.entity).objects.filter(deleted_at__isnull=False)
        RuleMatch.objects.filter(rule=rule).exclude(record_id__in=past.values("pk")).exclude(
            record_id__in=trashed.values("pk")
        ).delete()
        new_ids = list(
            past.exclude(
                pk__in=RuleMatch.objects.filter(rule=rule).values("record_id")
            ).values_list("pk", flat=True)
        )
        RuleMatch.objects.bulk_create(
            [RuleMatch(rule=rule, record_id=pk) for pk in new_ids], batch_size=5000
        )
        crossed = list(
            RuleMatch.objects.filter(rule=rule, record_id__in=new_ids).values_list(
                "record_id", "pk"
            )
        )
    fired = 0
    for record_id, match_id in crossed:
        if rule_fire(rule=rule, record_id=record_id, trigger_key=f"crossed:{match_id}"):
            fired += 1
    return fired


def _sweep_schedule(rule: Rule, now: dt.datetime) -> int:
    key = schedule_due(rule=rule, now=now)
    if key is None:
        return 0
    fired = 0
    records = records_matching(entity=rule.entity, conditions=rule.conditions)
    for record_id in records.values_list("pk", flat=True).iterator():
        if rule_fire(rule=rule, record_id=record_id, trigger_key=key):
            fired += 1
    return fired


def rule_sweep(*, rule_id: int, now: dt.datetime | None = None) -> int:
    """Run one swept rule (date, score, schedule) now; return how many records fired."""
    rule = Rule.objects.select_related("created_by").filter(pk=rule_id, active=True).first()
    if rule is None:
        return 0
    now = now or timezone.now()
    Rule.objects.filter(pk=rule.pk).update(swept_at=now)
    if rule.trigger == Trigger.DATE_REACHED:
        return _sweep_date(rule, now)
    if rule.trigger == Trigger.SCORE_CROSSED:
        return _sweep_score(rule)
    if rule.trigger == Trigger.SCHEDULE:
        return _sweep_schedule(rule, now)
    return 0


def _sweep_interval() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "DANGOL_AUTOMATION_SWEEP_MINUTES", 60)))


def automation_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Enqueue the swept rules that are due; return their ids (``dangol worker``'s sweep).

    Date and score rules are looked at once per ``DANGOL_AUTOMATION_SWEEP_MINUTES``;
    schedule rules whenever their time of day has come and today's run is not logged.
    """
    from dangol.automation.tasks import automation_rule_sweep_task
    from dangol.core.tasks import task_enqueue

    now = now or timezone.now()
    due = []
    for rule in Rule.objects.filter(active=True, trigger__in=[t.value for t in _SWEPT]):
        if rule.trigger == Trigger.SCHEDULE:
            if schedule_due(rule=rule, now=now) is None or (
                rule.swept_at is not None and rule.swept_at >= _scheduled_at(rule, now)
            ):
                continue
        elif rule.swept_at is not None and now - rule.swept_at < _sweep_interval():
            continue
        Rule.objects.filter(pk=rule.pk).update(swept_at=now)
        transaction.on_commit(
            lambda pk=rule.pk: task_enqueue(automation_rule_sweep_task, pk, now.isoformat())
        )
        due.append(rule.pk)
    return due


_SWEPT = (Trigger.DATE_REACHED, Trigger.SCORE_CROSSED, Trigger.SCHEDULE)


def _scheduled_at(rule: Rule, now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    at = dt.time.fromisoformat(rule.trigger_config.get("at", "08:00"))
    return timezone.make_aware(dt.datetime.combine(local.date(), at))


def score_rules_after_refresh(*, as_of=None, progress=None) -> int:
    """Check every active score rule now (a scorer step after the nightly refresh).

    Listed in ``DANGOL_SCORERS_AFTER_REFRESH`` after the scorers that write the scores;
    returns how many customers crossed a threshold.
    """
    fired = 0
    for rule_id in Rule.objects.filter(active=True, trigger=Trigger.SCORE_CROSSED).values_list(
        "pk", flat=True
    ):
        fired += rule_sweep(rule_id=rule_id)
    return fired
