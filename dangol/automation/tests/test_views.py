"""Automation pages: who may open and change them, the builder's form, the logs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangol.accounts.roles import Role
from dangol.automation.engine import rule_fire
from dangol.automation.models import EmailTemplate, Rule
from dangol.automation.services import rule_create
from dangol.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Seoul watch",
    "entity": "customer",
    "trigger": "updated",
    "tc_fields": "region, city",
    "r:type": "group",
    "r:op": "and",
    "r.0:type": "cond",
    "r.0:field": "region",
    "r.0:op": "eq",
    "r.0:value": "seoul",
    "a0:type": "notify",
    "a0:user": "rule_owner",
    "a0:text": "{{ customer.name }} changed",
    "a1:type": "create_task",
    "a1:title": "Call {{ customer.name }}",
    "a1:due_days": "3",
    "a1:owner": "record_owner",
    "active": "on",
}


def _rule(admin):
    return rule_create(
        actor=admin,
        name="R",
        entity="customer",
        trigger="updated",
        actions=[{"type": "notify", "user": "rule_owner", "text": "x"}],
    )


@pytest.mark.parametrize(
    ("role", "read"),
    [
        (Role.ADMIN, 200),
        (Role.MANAGER, 200),
        (Role.MARKETING, 403),
        (Role.ANALYST, 403),
        (Role.SALES, 403),
        (Role.SERVICE, 403),
    ],
)
def test_pages_per_role(client, users_by_role, admin_user, role, read):
    rule = _rule(admin_user)
    client.force_login(users_by_role[role])
    for name, args in [
        ("automation:rule_list", []),
        ("automation:rule_edit", [rule.pk]),
        ("automation:rule_runs", [rule.pk]),
        ("automation:rule_test", [rule.pk]),
        ("automation:template_list", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == read, name


def test_manager_reads_but_cannot_change(client, admin_user, manager):
    rule = _rule(admin_user)
    client.force_login(manager)
    page = client.get(reverse("automation:rule_edit", args=[rule.pk])).content.decode()
    assert "<fieldset disabled>" in page and 'id="save-rule"' not in page
    assert client.post(reverse("automation:rule_edit", args=[rule.pk]), FORM).status_code == 403
    assert (
        client.post(reverse("automation:rule_active", args=[rule.pk]), {"active": "1"}).status_code
        == 403
    )
    assert client.post(reverse("automation:rule_delete", args=[rule.pk])).status_code == 403
    assert client.post(reverse("automation:rule_new"), FORM).status_code == 403
    rule.refresh_from_db()
    assert (rule.name, rule.active) == ("R", False)


def test_admin_builds_a_rule_with_the_form(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("automation:rule_new"), FORM)
    rule = Rule.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "automation:rule_edit", args=[rule.pk]
    )
    assert (rule.name, rule.entity, rule.trigger, rule.active) == (
        "Seoul watch",
        "customer",
        "updated",
        True,
    )
    assert rule.trigger_config == {"fields": ["region", "city"]}
    assert rule.conditions == {"and": [{"field": "region", "op": "eq", "value": "seoul"}]}
    assert rule.actions == [
        {"type": "notify", "user": "rule_owner", "text": "{{ customer.name }} changed"},
        {
            "type": "create_task",
            "title": "Call {{ customer.name }}",
            "due_days": 3,
            "owner": "record_owner",
        },
    ]
    assert rule.created_by == admin_user


def test_a_bad_form_is_shown_again_with_the_error(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("automation:rule_new"), {**FORM, "a1:due_days": "900"})
    assert response.status_code == 400
    assert "“due_days” must be a whole number from 0 to 365." in response.content.decode()
    assert 'value="Seoul watch"' in response.content.decode()
    assert Rule.objects.count() == 0


def test_form_redraws_trigger_settings_and_actions(client, admin_user):
    client.force_login(admin_user)
    url = reverse("automation:rule_form")
    page = client.post(url, {**FORM, "trigger": "date_reached"}).content.decode()
    assert 'name="tc_date_field"' in page and '<option value="last_order"' in page
    page = client.post(url, {**FORM, "form_op": "add_action"}).content.decode()
    assert page.count('class="action-row"') == 3
    page = client.post(url, {**FORM, "form_op": "remove:0"}).content.decode()
    assert page.count('class="action-row"') == 1 and 'name="a0:title"' in page
    page = client.post(url, {**FORM, "entity": "ticket"}).content.decode()
    assert 'name="conditions_json"' in page and "rule-builder" not in page


def test_switch_on_and_off_and_delete(client, admin_user):
    rule = _rule(admin_user)
    client.force_login(admin_user)
    client.post(reverse("automation:rule_active", args=[rule.pk]), {"active": "1"})
    assert Rule.objects.get(pk=rule.pk).active is True
    client.post(reverse("automation:rule_active", args=[rule.pk]), {"active": "0"})
    assert Rule.objects.get(pk=rule.pk).active is False
    client.post(reverse("automation:rule_delete", args=[rule.pk]))
    assert not Rule.objects.filter(pk=rule.pk).exists()


def test_run_log_and_dry_run_pages(client, admin_user):
    rule = _rule(admin_user)
    customer = CustomerFactory(name="Moon")
    rule_fire(rule=rule, record_id=customer.pk, trigger_key="updated:v3")
    client.force_login(admin_user)
    log = client.get(reverse("automation:rule_runs", args=[rule.pk])).content.decode()
    assert f'href="/customers/{customer.pk}/"' in log
    assert "updated:v3" in log and "Succeeded" in log and "notified admin" in log
    test = client.get(reverse("automation:rule_test", args=[rule.pk]), {"record_id": customer.pk})
    text = test.content.decode()
    assert "The rule would fire and would:" in text and "Notify admin: “x”." in text
    missing = client.get(reverse("automation:rule_test", args=[rule.pk]), {"record_id": 999999})
    assert "There is no customer with id 999999" in missing.content.decode()


def test_email_templates_are_created_and_checked(client, admin_user):
    client.force_login(admin_user)
    bad = client.post(
        reverse("automation:template_new"), {"name": "T", "subject": "Hi {% if %}", "body": "b"}
    )
    assert bad.status_code == 200 and "not a valid template" in bad.content.decode()
    client.post(
        reverse("automation:template_new"),
        {"name": "Win back", "subject": "We miss you, {{ customer.name }}", "body": "Come back"},
    )
    assert list(EmailTemplate.objects.values_list("name", "subject")) == [
        ("Win back", "We miss you, {{ customer.name }}")
    ]
