"""The execution page and its actions, for marketers only."""

from __future__ import annotations

import pytest

from dangol.core.models import Job, JobStatus
from dangol.marketing.choices import CampaignChannel
from dangol.marketing.execution import exports, sending
from dangol.marketing.tests.execution.conftest import customer, launched_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_execution_page_shows_counts_and_the_send_button(client, marketing, analyst):
    campaign = launched_campaign(treated=[customer(), customer()], control=[customer()])
    url = f"/marketing/campaigns/{campaign.pk}/execution/"
    client.force_login(analyst)
    assert client.get(url).status_code == 403
    client.force_login(marketing)
    page = client.get(url)
    assert page.status_code == 200
    assert [(r["arm"], r["status"], r["n"]) for r in page.context["counts"]] == [
        ("Control", "Pending", 1),
        ("Treatment", "Pending", 2),
    ]
    assert "Send the e-mail" in page.content.decode()


def test_executing_an_email_campaign_sends_and_shows_the_job(
    client, marketing, smtp_server, immediate_tasks, django_capture_on_commit_callbacks
):
    campaign = launched_campaign(treated=[customer(email="a@example.test")])
    client.force_login(marketing)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/marketing/campaigns/{campaign.pk}/execute/")
    job = Job.objects.get(kind=sending.JOB_KIND)
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED
    assert smtp_server.recorder.recipients() == ["a@example.test"]
    page = client.get(f"/marketing/campaigns/{campaign.pk}/execution/")
    assert page.context["jobs"] == [job]


def test_executing_an_sms_campaign_makes_the_file_linked_from_the_page(
    client, marketing, immediate_tasks, django_capture_on_commit_callbacks
):
    campaign = launched_campaign(
        channel=CampaignChannel.SMS, treated=[customer(phone="010-7000-0001")], body_en="Hi"
    )
    client.force_login(marketing)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/marketing/campaigns/{campaign.pk}/execute/")
    job = Job.objects.get(kind=exports.JOB_KIND)
    page = client.get(f"/marketing/campaigns/{campaign.pk}/execution/")
    assert f'href="/marketing/exports/{job.pk}/download/"' in page.content.decode()


def test_a_draft_campaign_is_not_sent(client, marketing):
    campaign = launched_campaign(treated=[customer()], launched_at=None)
    client.force_login(marketing)
    response = client.post(f"/marketing/campaigns/{campaign.pk}/execute/")
    assert response.status_code == 400
    assert "Launch the campaign before sending it" in response.content.decode()
    assert not Job.objects.exists()


def test_executing_a_call_campaign_leads_to_the_assignment(client, marketing):
    campaign = launched_campaign(channel=CampaignChannel.CALL, treated=[customer()])
    client.force_login(marketing)
    response = client.post(f"/marketing/campaigns/{campaign.pk}/execute/")
    assert response.status_code == 302
    assert response["Location"] == f"/marketing/campaigns/{campaign.pk}/calls/assign/"
    assert not Job.objects.exists()
