"""SMS and direct-mail campaigns as files for a provider, made by a background job.

Korean bulk-SMS and print-mail providers take an uploaded spreadsheet; we write CSV
(UTF-8 with a byte-order mark, which their upload forms and Excel read as Korean) with
one row per treated member:

- SMS: ``member_id, phone, name, message, message_type, bytes``. ``phone`` is the mobile
  number as national digits (01012345678); a member without a mobile number (01x) is
  suppressed as ``no_address``. Carriers count EUC-KR bytes: up to 90 is an SMS, up to
  2,000 an LMS, more is refused (the member is ``failed``). Korean law (정보통신망법
  §50) wants advertising texts to start with "(광고)" and to name a free opt-out number:
  the prefix is added, and ``DANGOL_MARKETING_SMS_OPT_OUT`` (e.g. "무료수신거부
  080-000-0000") is appended when set.
- Direct mail: ``member_id, name, postal_code, address, region, city, message``; the
  street address and postal code come from the customer's ``address`` and
  ``postal_code`` custom fields (the record has no address fields yet), region and city
  from the record; a member with neither a street address nor a city is ``no_address``
  (suppression already takes those without a city out).

The file is written first and the exported members are marked ``sent`` (with the export
time) in one transaction at the end, with their timeline entries: a run that dies part
way marks nobody, so a rerun exports them again and the half-written file is never
offered for download. Only treated members still ``pending`` after suppression are in a
file; the control arm never is.
"""

from __future__ import annotations

import csv
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from dangol.core.errors import NotFoundError
from dangol.core.jobs import JobProgress, job_create, job_get, job_running
from dangol.core.models import Job, JobStatus
from dangol.core.tasks import task_enqueue_on_commit
from dangol.customers.choices import Region
from dangol.customers.normalize import normalize_phone
from dangol.marketing.choices import (
    CampaignChannel,
    CampaignStatus,
    MemberArm,
    MemberStatus,
    SuppressionReason,
)
from dangol.marketing.errors import MarketingErrorCode, ValidationError
from dangol.marketing.execution.render import Recipient, recipient_language, short_message_render
from dangol.marketing.execution.suppress import members_suppress
from dangol.marketing.execution.timeline import campaign_contacts_timeline_log
from dangol.marketing.models import Campaign, CampaignMember

JOB_KIND = "marketing.export"
BATCH_SIZE = 1000
SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000
SMS_COLUMNS = ["member_id", "phone", "name", "message", "message_type", "bytes"]
MAIL_COLUMNS = ["member_id", "name", "postal_code", "address", "region", "city", "message"]
AD_PREFIX = {"ko": "(광고)", "en": "(Ad)"}


@dataclass
class ExportReport:
    rows: int = 0
    suppressed: int = 0
    no_address: int = 0
    too_long: int = 0
    file: str = ""


def export_dir() -> Path:
    """Return the directory export files are kept in (inside ``DANGOL_DATA_DIR``)."""
    path = Path(settings.DATA_DIR) / "exports" / "marketing"
    path.mkdir(parents=True, exist_ok=True)
    return path


def euc_kr_bytes(text: str) -> int:
    """Return the length carriers bill: EUC-KR bytes (2 per Hangul syllable, 1 per ASCII)."""
    return len(text.encode("cp949", errors="replace"))


def sms_text(body: str, *, language: str) -> str:
    """Return the SMS text: the advertising prefix, the body, the opt-out line if set."""
    parts = [f"{AD_PREFIX.get(language, AD_PREFIX['en'])}{body}"]
    opt_out = getattr(settings, "DANGOL_MARKETING_SMS_OPT_OUT", "")
    if opt_out:
        parts.append(opt_out)
    return "\n".join(parts)


def is_mobile(digits: str) -> bool:
    """Return whether national digits are a Korean mobile number (010, 011, 016-019)."""
    return len(digits) in (10, 11) and digits[:3] in {"010", "011", "016", "017", "018", "019"}


def _rows(campaign: Campaign, ids: list[int]):
    fields = (
        "pk",
        "customer_id",
        "customer__name",
        "customer__phone",
        "customer__custom_fields",
        "customer__score__value_tier",
        "customer__region",
        "customer__city",
        "customer__status",
    )
    found = {row[0]: row for row in CampaignMember.objects.filter(pk__in=ids).values_list(*fields)}
    for pk in ids:
        if pk in found:
            _, customer_id, name, phone, custom, tier, region, city, status = found[pk]
            custom = custom or {}
            yield (
                Recipient(
                    member_id=pk,
                    campaign_id=campaign.pk,
                    customer_id=customer_id,
                    name=name,
                    phone=normalize_phone(phone),
                    language=recipient_language(custom),
                    tier_code=tier or "",
                    status=status,
                    address=str(custom.get("address", "") or "").strip(),
                    postal_code=str(custom.get("postal_code", "") or "").strip(),
                ),
                region,
                city,
            )


def _region_label(region: str, language: str) -> str:
    from django.utils import translation

    if not region or region not in Region.values:
        return ""
    with translation.override(language):
        return str(Region(region).label)


def _pending_ids(campaign: Campaign, *, after: int) -> list[int]:
    return list(
        CampaignMember.objects.filter(
            campaign=campaign, arm=MemberArm.TREATMENT, status=MemberStatus.PENDING, pk__gt=after
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )


def campaign_export_run(
    *, campaign: Campaign, job_id: int, progress: JobProgress | None = None
) -> ExportReport:
    """Write the provider file of an SMS or direct-mail campaign; return the report."""
    channel = CampaignChannel(campaign.channel)
    if channel not in (CampaignChannel.SMS, CampaignChannel.MAIL):
        raise ValidationError(
            "Only SMS and direct-mail campaigns are exported", code=MarketingErrorCode.INVALID
        )
    report = ExportReport()
    report.suppressed = members_suppress(campaign=campaign)
    total = CampaignMember.objects.filter(
        campaign=campaign, arm=MemberArm.TREATMENT, status=MemberStatus.PENDING
    ).count()
    if progress:
        progress(done=0, total=total, message=_("Writing the file"), force=True)
    name = f"campaign-{campaign.pk}-{channel.value}-job{job_id}.csv"
    final = export_dir() / name
    partial = final.with_suffix(".partial")
    exported: list[int] = []
    no_address: list[int] = []
    too_long: list[int] = []
    with partial.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SMS_COLUMNS if channel == CampaignChannel.SMS else MAIL_COLUMNS)
        after = 0
        while ids := _pending_ids(campaign, after=after):
            after = ids[-1]
            for recipient, region, city in _rows(campaign, ids):
                language, body = short_message_render(recipient, campaign=campaign)
                if channel == CampaignChannel.SMS:
                    if not is_mobile(recipient.phone):
                        no_address.append(recipient.member_id)
                        continue
                    text = sms_text(body, language=language)
                    size = euc_kr_bytes(text)
                    if size > LMS_MAX_BYTES:
                        too_long.append(recipient.member_id)
                        continue
                    kind = "SMS" if size <= SMS_MAX_BYTES else "LMS"
                    writer.writerow(
                        [recipient.member_id, recipient.phone, recipient.name, text, kind, size]
                    )
                else:
                    if not recipient.address and not city:
                        no_address.append(recipient.member_id)
                        continue
                    writer.writerow(
                        [
                            recipient.member_id,
                            recipient.name,
                            recipient.postal_code,
                            recipient.address,
                            _region_label(region, language),
                            city,
                            body,
                        ]
                    )
                exported.append(recipient.member_id)
            if progress:
                progress(done=len(exported) + len(no_address) + len(too_long))
        handle.flush()
        os.fsync(handle.fileno())
    try:
        _mark(campaign, exported=exported, no_address=no_address, too_long=too_long)
    except ExportConflict:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, final)
    report.rows, report.no_address, report.too_long = len(exported), len(no_address), len(too_long)
    report.file = name
    if progress:
        progress.result = asdict(report)
    return report


def _chunks(ids: list[int], size: int = 2000):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


class ExportConflict(Exception):
    """Another run took some of this file's members meanwhile; the file is discarded."""


@transaction.atomic
def _mark(campaign: Campaign, *, exported: list[int], no_address: list[int], too_long: list[int]):
    """Mark the file's members sent, the rest suppressed or failed, and log the contacts.

    :raises ExportConflict: some exported member is no longer pending (another export
        of the campaign marked it): nothing is marked, so no one is in two files.
    """
    now = timezone.now()
    pending = CampaignMember.objects.filter(
        campaign=campaign, arm=MemberArm.TREATMENT, status=MemberStatus.PENDING
    )
    marked = 0
    for chunk in _chunks(exported):
        marked += pending.filter(pk__in=chunk).update(
            status=MemberStatus.SENT, sent_at=now, updated_at=now
        )
    if marked != len(exported):
        raise ExportConflict(
            f"{len(exported) - marked} member(s) of this file were exported by another run"
        )
    for chunk in _chunks(no_address):
        pending.filter(pk__in=chunk).update(
            status=MemberStatus.SUPPRESSED,
            suppression_reason=SuppressionReason.NO_ADDRESS,
            updated_at=now,
        )
    for chunk in _chunks(too_long):
        pending.filter(pk__in=chunk).update(status=MemberStatus.FAILED, updated_at=now)
    campaign_contacts_timeline_log(campaign=campaign, member_ids=exported)


@task()
def campaign_export_task(campaign_id: int, job_id: int) -> dict:
    """Run the export of ``campaign_id`` under the progress of ``job_id``."""
    campaign = Campaign.objects.get(pk=campaign_id)
    with job_running(job_id=job_id) as progress:
        report = campaign_export_run(campaign=campaign, job_id=job_id, progress=progress)
    return asdict(report)


@transaction.atomic
def campaign_export(*, campaign: Campaign, actor) -> Job:
    """Queue the provider file of a launched SMS or direct-mail campaign; return the job.

    :raises ValidationError: not an SMS or direct-mail campaign, not launched, or a file
        for it is being made (a job queued or running).
    """
    if campaign.channel not in (CampaignChannel.SMS, CampaignChannel.MAIL):
        raise ValidationError(
            "Only SMS and direct-mail campaigns are exported",
            code=MarketingErrorCode.INVALID,
            field="channel",
        )
    if campaign.launched_at is None or campaign.status not in (
        CampaignStatus.RUNNING,
        CampaignStatus.SCHEDULED,
    ):
        raise ValidationError(
            "Launch the campaign before exporting it",
            code=MarketingErrorCode.INVALID,
            field="status",
        )
    running = Job.objects.filter(
        kind=JOB_KIND,
        params__campaign_id=campaign.pk,
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
    )
    if running.exists():
        raise ValidationError(
            "A file for this campaign is already being made", code=MarketingErrorCode.INVALID
        )
    job = job_create(kind=JOB_KIND, created_by=actor, params={"campaign_id": campaign.pk})
    task_enqueue_on_commit(campaign_export_task, campaign_id=campaign.pk, job_id=job.pk)
    return job


def campaign_export_file(*, job_id: int, user) -> Path:
    """Return the finished export file of ``job_id`` if ``user`` may download it.

    :raises NotFoundError: no such job for this user, not an export, or not finished.
    """
    job = job_get(job_id=job_id, user=user)
    name = (job.result or {}).get("file", "")
    if job.kind != JOB_KIND or not job.finished or not name or "/" in name or "\\" in name:
        raise NotFoundError("No such export", field="job_id")
    path = export_dir() / name
    if not path.is_file():
        raise NotFoundError("No such export", field="job_id")
    return path


def _file_rows_drop(path: Path, member_ids: set[str]) -> int:
    """Rewrite ``path`` without the rows of ``member_ids`` (atomically); return rows dropped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    kept = [rows[0], *(row for row in rows[1:] if row and row[0] not in member_ids)] if rows else []
    dropped = len(rows) - len(kept)
    if dropped:
        partial = path.with_suffix(".erasing")
        with partial.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(kept)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    return dropped


def campaign_exports_erase(*, customer_id: int) -> int:
    """Remove the rows of an erased customer from every kept provider file; return them.

    The files (``export_dir``) name the person, their phone and postal address; after a
    personal-data erasure (docs/privacy.md) their rows go, found by the member ids of
    their campaign memberships (the first column). Idempotent.
    """
    by_campaign: dict[int, set[str]] = {}
    members = CampaignMember.objects.filter(
        customer_id=customer_id, campaign__channel__in=[CampaignChannel.SMS, CampaignChannel.MAIL]
    ).values_list("campaign_id", "pk")
    for campaign_id, pk in members:
        by_campaign.setdefault(campaign_id, set()).add(str(pk))
    dropped = 0
    for campaign_id, ids in by_campaign.items():
        for path in sorted(export_dir().glob(f"campaign-{campaign_id}-*.csv")):
            dropped += _file_rows_drop(path, ids)
    return dropped


@task()
def campaign_exports_erase_task(customer_id: int) -> int:
    """Remove an erased customer's rows from the kept provider files (after the erasure)."""
    return campaign_exports_erase(customer_id=customer_id)


def campaign_exports_erasure_schedule(*, customer_id: int) -> None:
    """Remove ``customer_id``'s rows from the provider files once this transaction commits."""
    task_enqueue_on_commit(campaign_exports_erase_task, customer_id=customer_id)
