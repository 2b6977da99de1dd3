"""The copy scan of an erasure: one pass per table finds what the per-field scan found."""

from __future__ import annotations

import pytest

from dangol.accounts.notifications import notification_send
from dangol.core.models import Job
from dangol.customers.privacy_copies import copies_redact, person_needles

pytestmark = pytest.mark.django_db


def test_case_json_escapes_and_like_wildcards(admin_user):
    needles = person_needles("김민준", "Kim_50%", "min.jun@example.test")
    notification_send(user=admin_user, kind="mention", text="call MIN.JUN@EXAMPLE.TEST today")
    notification_send(user=admin_user, kind="mention", text="KimX50 is not Kim_50% itself")
    notification_send(user=admin_user, kind="mention", text="KimA50B is unrelated")
    job = Job.objects.create(kind="x", params={"q": "김민준"}, error="", result={"n": [1]})
    other = Job.objects.create(kind="x", params={}, error="failed for 김민준", result={})
    untouched = Job.objects.create(kind="x", params={"q": "김민"}, error="", result={})

    changed = copies_redact(needles=needles)

    assert changed == {"accounts.Notification": 2, "core.Job": 2}
    texts = sorted(admin_user.notifications.values_list("text", flat=True))
    assert texts == [
        "KimA50B is unrelated",
        "KimX50 is not [redacted] itself",
        "call [redacted] today",
    ]
    job.refresh_from_db()
    other.refresh_from_db()
    untouched.refresh_from_db()
    assert (job.params, other.error, untouched.params) == (
        {"q": "[redacted]"},
        "failed for [redacted]",
        {"q": "김민"},
    )
    assert copies_redact(needles=needles) == {}  # nothing left
