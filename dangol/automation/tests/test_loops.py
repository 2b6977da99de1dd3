"""Rules firing rules: a loop is stopped, logged and reported to the rule's creator."""

from __future__ import annotations

from dangol.accounts.models import Notification
from dangol.automation.choices import RunStatus
from dangol.automation.models import RuleRun
from dangol.automation.services import rule_create
from dangol.customers.models import Customer
from dangol.customers.services import customer_update
from dangol.customers.tests.factories import CustomerFactory


def _setter(admin, name, field, value, **trigger):
    return rule_create(
        actor=admin,
        name=name,
        entity="customer",
        actions=[{"type": "set_field", "field": field, "value": value}],
        active=True,
        **trigger,
    )


def test_two_rules_setting_fields_back_and_forth_are_stopped(admin_user, committed):
    # A: city changes -> set region; B: region changes -> set city. Each fires the other.
    a = _setter(
        admin_user,
        "A",
        "region",
        "busan",
        trigger="field_changed",
        trigger_config={"field": "city"},
    )
    b = _setter(
        admin_user,
        "B",
        "city",
        "Haeundae-gu",
        trigger="updated",
        trigger_config={"fields": ["region"]},
    )
    customer = CustomerFactory(region="seoul", city="Mapo-gu")
    with committed():
        customer_update(actor=admin_user, customer=customer, city="Jung-gu")
    runs = list(RuleRun.objects.order_by("id").values_list("rule_id", "status", "depth"))
    # A (depth 0) sets region -> B (depth 1) sets city -> A again for the same record: stopped.
    assert runs == [
        (a.pk, RunStatus.SUCCEEDED, 0),
        (b.pk, RunStatus.SUCCEEDED, 1),
        (a.pk, RunStatus.LOOP_STOPPED, 2),
    ]
    stopped = RuleRun.objects.get(status=RunStatus.LOOP_STOPPED)
    assert stopped.chain == [[a.pk, "customer", customer.pk], [b.pk, "customer", customer.pk]]
    assert stopped.error.startswith("Stopped: this rule already fired for this record")
    assert stopped.result == []
    customer = Customer.objects.get(pk=customer.pk)
    assert (customer.region, customer.city, customer.version) == ("busan", "Haeundae-gu", 4)
    [note] = Notification.objects.filter(user=admin_user, kind="automation")
    assert note.text == f"Automation rule “A” was stopped in a loop (record {customer.pk})"
    assert note.url == f"/automation/rules/{a.pk}/runs/"


def test_a_rule_updating_its_own_record_stops_at_once(admin_user, committed):
    rule = _setter(admin_user, "self", "city", "Jung-gu", trigger="updated")
    customer = CustomerFactory(city="Mapo-gu")
    with committed():
        customer_update(actor=admin_user, customer=customer, region="busan")
    assert list(RuleRun.objects.order_by("id").values_list("status", "depth")) == [
        (RunStatus.SUCCEEDED, 0),
        (RunStatus.LOOP_STOPPED, 1),
    ]
    assert RuleRun.objects.filter(rule=rule).count() == 2


def test_a_long_chain_is_stopped_at_the_depth_limit(admin_user, committed, settings):
    # Each rule sets the next city in a ring of different values: no pair repeats until
    # the ring closes, so only the depth limit can stop it.
    settings.DANGOL_AUTOMATION_MAX_DEPTH = 3
    cities = ["C0", "C1", "C2", "C3", "C4", "C5"]
    for i, city in enumerate(cities):
        _setter(
            admin_user,
            f"R{i}",
            "city",
            cities[(i + 1) % len(cities)],
            trigger="field_changed",
            trigger_config={"field": "city", "to": city},
        )
    customer = CustomerFactory(city="start")
    with committed():
        customer_update(actor=admin_user, customer=customer, city="C0")
    runs = list(RuleRun.objects.order_by("id").values_list("status", "depth"))
    assert runs == [
        (RunStatus.SUCCEEDED, 0),
        (RunStatus.SUCCEEDED, 1),
        (RunStatus.SUCCEEDED, 2),
        (RunStatus.LOOP_STOPPED, 3),
    ]
    assert RuleRun.objects.get(status=RunStatus.LOOP_STOPPED).error == (
        "Stopped: the chain of rules reached 3 firings (limit 3)"
    )
    assert Customer.objects.get(pk=customer.pk).city == "C3"
