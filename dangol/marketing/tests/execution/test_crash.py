"""A send process killed mid-campaign, then resumed: nobody gets a second copy.

The sender runs in a real child process against the test database and the test SMTP
server; the server kills it (SIGKILL) the moment the 4th message arrives, before
answering, as a crash or an OOM kill would. The claim of that member was committed
before SMTP saw the message, so the resumed run finds it in ``sending``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from dangol.marketing.choices import MemberStatus
from dangol.marketing.execution import sending
from dangol.marketing.models import CampaignMember
from dangol.marketing.tests.execution.conftest import customer, launched_campaign
from dangol.marketing.tests.execution.smtp import Fault

CHILD = """
import sys
import django
django.setup()
from dangol.marketing.execution.sending import campaign_email_send_run
from dangol.marketing.models import Campaign
campaign_email_send_run(campaign=Campaign.objects.get(pk=int(sys.argv[1])), rate=0)
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_killed_send_resumes_without_duplicates(smtp_server, tmp_path):
    people = [customer(email=f"p{i}@example.test") for i in range(8)]
    campaign = launched_campaign(treated=people)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dangol.config.settings",
        "DATABASE_URL": _database_url(),
        "DANGOL_DATA_DIR": str(tmp_path),
        "DANGOL_EMAIL_HOST": smtp_server.host,
        "DANGOL_EMAIL_PORT": str(smtp_server.port),
        "DANGOL_EMAIL_MESSAGE_ID_DOMAIN": "dangol.test",
        "DANGOL_PUBLIC_URL": "https://crm.dangol.test",
    }
    child = subprocess.Popen(  # noqa: S603 - this interpreter with a fixed script
        [sys.executable, "-c", CHILD, str(campaign.pk)], env=env, stderr=subprocess.PIPE
    )
    smtp_server.recorder.faults = [
        Fault(at=4, kind="call", call=lambda: os.kill(child.pid, signal.SIGKILL))
    ]
    try:
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL, child.stderr.read().decode()
    assert smtp_server.recorder.recipients() == [f"p{i}@example.test" for i in range(4)]
    left = dict(
        CampaignMember.objects.filter(campaign=campaign).values_list("customer__email", "status")
    )
    assert [left[f"p{i}@example.test"] for i in range(8)] == [
        "sent", "sent", "sent", "sending", "pending", "pending", "pending", "pending",
    ]  # fmt: skip

    report = sending.campaign_email_send_run(campaign=campaign)

    received = smtp_server.recorder.recipients()
    assert len(received) == len(set(received)) == 8
    assert sorted(received) == [f"p{i}@example.test" for i in range(8)]
    assert (report.sent, report.unknown_skipped) == (4, 1)
    assert (
        CampaignMember.objects.get(campaign=campaign, customer=people[3]).status
        == MemberStatus.SKIPPED_UNKNOWN
    )
