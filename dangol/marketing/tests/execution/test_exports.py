"""SMS and direct-mail provider files: exact contents, who is in them, the download."""

from __future__ import annotations

import csv
import io

import pytest

from dangol.core.models import JobStatus
from dangol.marketing.choices import CampaignChannel, MemberStatus, SuppressionReason
from dangol.marketing.execution import exports
from dangol.marketing.models import CampaignMember
from dangol.marketing.tests.execution.conftest import customer, launched_campaign, member_of
from dangol.touchpoints.models import Interaction

pytestmark = pytest.mark.django_db

SMS_BODY_KO = "{{ greeting }}, 겨울 코트 10% 할인"
SMS_BODY_EN = "{{ greeting }}: {{ offer }}"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _read(job) -> list[dict[str, str]]:
    path = exports.export_dir() / job.result["file"]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for Korean tools
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_sms_file_has_normalised_mobiles_rendered_texts_and_byte_counts(
    immediate_tasks, marketing, settings, django_capture_on_commit_callbacks
):
    settings.DANGOL_MARKETING_SMS_OPT_OUT = "무료수신거부 080-123-4567"
    minsu = customer(name="김민수", phone="+82 10-1234-5678", custom_fields={"language": "ko"})
    ann = customer(name="Ann Lee", phone="010 9876 5432", custom_fields={"language": "en"})
    landline = customer(name="이지은", phone="02-555-1234")
    no_consent = customer(name="박서준", phone="010-1111-2222", consent_sms=False)
    held_out = customer(name="최유진", phone="010-3333-4444")
    campaign = launched_campaign(
        channel=CampaignChannel.SMS,
        treated=[minsu, ann, landline, no_consent],
        control=[held_out],
        body_ko=SMS_BODY_KO,
        body_en=SMS_BODY_EN,
        offer="10% off coats",
    )

    with django_capture_on_commit_callbacks(execute=True):
        job = exports.campaign_export(campaign=campaign, actor=marketing)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    ko_text = "(광고)김민수 고객님, 겨울 코트 10% 할인\n무료수신거부 080-123-4567"
    en_text = "(Ad)Dear Ann Lee: 10% off coats\n무료수신거부 080-123-4567"
    assert _read(job) == [
        {
            "member_id": str(member_of(campaign, minsu).pk),
            "phone": "01012345678",
            "name": "김민수",
            "message": ko_text,
            "message_type": "SMS",
            "bytes": str(len(ko_text.encode("cp949"))),
        },
        {
            "member_id": str(member_of(campaign, ann).pk),
            "phone": "01098765432",
            "name": "Ann Lee",
            "message": en_text,
            "message_type": "SMS",
            "bytes": str(len(en_text.encode("cp949"))),
        },
    ]
    assert len(ko_text.encode("cp949")) == 65  # 2 bytes a Hangul syllable, 1 an ASCII
    assert job.result == {
        "rows": 2, "suppressed": 1, "no_address": 1, "too_long": 0, "file": job.result["file"],
    }  # fmt: skip
    statuses = dict(
        CampaignMember.objects.filter(campaign=campaign).values_list("customer__name", "status")
    )
    assert statuses == {
        "김민수": MemberStatus.SENT,
        "Ann Lee": MemberStatus.SENT,
        "이지은": MemberStatus.SUPPRESSED,
        "박서준": MemberStatus.SUPPRESSED,
        "최유진": MemberStatus.PENDING,
    }
    assert member_of(campaign, landline).suppression_reason == SuppressionReason.NO_ADDRESS
    timeline = Interaction.objects.filter(channel="sms").order_by("customer_id")
    assert [(i.customer_id, i.subject) for i in timeline] == [
        (minsu.pk, "Campaign “Autumn offer”: SMS sent"),
        (ann.pk, "Campaign “Autumn offer”: SMS sent"),
    ]


def test_a_long_text_is_an_lms_and_a_too_long_one_fails():
    long_body = "가" * 100  # 200 EUC-KR bytes: an LMS
    huge_body = "가" * 1001  # over 2,000 bytes: refused by carriers
    short = customer(phone="010-1000-0001", custom_fields={"language": "ko"})
    huge = customer(phone="010-1000-0002", custom_fields={"language": "en"})
    campaign = launched_campaign(
        channel=CampaignChannel.SMS, treated=[short, huge], body_ko=long_body, body_en=huge_body
    )
    from dangol.core.jobs import job_create

    job = job_create(kind=exports.JOB_KIND)
    report = exports.campaign_export_run(campaign=campaign, job_id=job.pk)

    rows = list(
        csv.DictReader(
            io.StringIO((exports.export_dir() / report.file).read_bytes().decode("utf-8-sig"))
        )
    )
    assert [(r["message_type"], r["bytes"]) for r in rows] == [("LMS", "206")]
    assert member_of(campaign, huge).status == MemberStatus.FAILED
    assert (report.rows, report.too_long) == (1, 1)


def test_direct_mail_file_has_the_postal_address_and_the_letter(
    immediate_tasks, marketing, django_capture_on_commit_callbacks
):
    minsu = customer(
        name="김민수",
        region="seoul",
        city="강남구",
        custom_fields={"language": "ko", "address": "테헤란로 123", "postal_code": "06236"},
    )
    ann = customer(name="Ann Lee", region="busan", city="Haeundae-gu", custom_fields={})
    nowhere = customer(name="No Address", city="")
    campaign = launched_campaign(
        channel=CampaignChannel.MAIL,
        treated=[minsu, ann, nowhere],
        body_ko="{{ greeting }}\n{{ offer }}",
        body_en="{{ greeting }}\n{{ offer }}",
        offer="Coats -10%",
    )

    with django_capture_on_commit_callbacks(execute=True):
        job = exports.campaign_export(campaign=campaign, actor=marketing)

    job.refresh_from_db()
    assert _read(job) == [
        {
            "member_id": str(member_of(campaign, minsu).pk),
            "name": "김민수",
            "postal_code": "06236",
            "address": "테헤란로 123",
            "region": "서울",
            "city": "강남구",
            "message": "김민수 고객님\nCoats -10%",
        },
        {
            "member_id": str(member_of(campaign, ann).pk),
            "name": "Ann Lee",
            "postal_code": "",
            "address": "",
            "region": "Busan",
            "city": "Haeundae-gu",
            "message": "Dear Ann Lee\nCoats -10%",
        },
    ]
    assert member_of(campaign, nowhere).suppression_reason == SuppressionReason.NO_ADDRESS


def test_only_the_starter_or_an_admin_downloads_the_file(
    client, immediate_tasks, marketing, admin_user, analyst, django_capture_on_commit_callbacks
):
    campaign = launched_campaign(
        channel=CampaignChannel.SMS, treated=[customer(phone="010-2000-0001")], body_en="Hi"
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.campaign_export(campaign=campaign, actor=marketing)
    job.refresh_from_db()
    url = f"/marketing/exports/{job.pk}/download/"

    client.force_login(analyst)
    assert client.get(url).status_code == 404
    client.force_login(marketing)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{job.result["file"]}"'
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[0] == "member_id,phone,name,message,message_type,bytes"


def test_two_runs_never_put_a_member_in_two_files(marketing):
    from dangol.core.jobs import job_create
    from dangol.core.models import Job

    people = [customer(phone=f"010-3000-000{i}") for i in range(3)]
    campaign = launched_campaign(channel=CampaignChannel.SMS, treated=people, body_en="Hi")
    first = job_create(kind=exports.JOB_KIND)
    second = job_create(kind=exports.JOB_KIND)
    # The second run marks its members between the first run's writing and marking.
    original = exports._mark
    calls = []

    def racing_mark(campaign_, **kwargs):
        if not calls:
            calls.append(1)
            exports.campaign_export_run(campaign=campaign_, job_id=second.pk)
        return original(campaign_, **kwargs)

    exports._mark = racing_mark
    try:
        with pytest.raises(exports.ExportConflict):
            exports.campaign_export_run(campaign=campaign, job_id=first.pk)
    finally:
        exports._mark = original
    files = sorted(p.name for p in exports.export_dir().iterdir())
    assert files == [f"campaign-{campaign.pk}-sms-job{second.pk}.csv"]
    assert set(CampaignMember.objects.values_list("status", flat=True)) == {MemberStatus.SENT}
    # And the service refuses a second export while one is queued.
    Job.objects.filter(pk__in=[first.pk, second.pk]).delete()
    exports.campaign_export(campaign=campaign, actor=marketing)
    with pytest.raises(exports.ValidationError):
        exports.campaign_export(campaign=campaign, actor=marketing)


def test_an_erased_customer_leaves_the_kept_files(
    immediate_tasks, marketing, admin_user, django_capture_on_commit_callbacks
):
    """docs/privacy.md: the provider file no longer names the person once erased."""
    from dangol.customers.privacy import customer_erase

    minsu = customer(name="김민수", phone="010-1234-5678")
    ann = customer(name="Ann Lee", phone="010-9876-5432")
    campaign = launched_campaign(channel=CampaignChannel.SMS, treated=[minsu, ann])
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.campaign_export(campaign=campaign, actor=marketing)
    job.refresh_from_db()
    assert [row["name"] for row in _read(job)] == ["김민수", "Ann Lee"]

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=minsu, actor=admin_user, reason="request #3")

    rows = _read(job)
    assert [(row["member_id"], row["name"]) for row in rows] == [
        (str(member_of(campaign, ann).pk), "Ann Lee")
    ]
    raw = (exports.export_dir() / job.result["file"]).read_text(encoding="utf-8-sig")
    assert "김민수" not in raw and "01012345678" not in raw
    assert exports.campaign_exports_erase(customer_id=minsu.pk) == 0  # idempotent
