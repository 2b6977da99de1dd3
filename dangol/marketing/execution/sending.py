"""Campaign e-mail through the configured SMTP server: throttled, resumable, at most once.

The send runs as a background task (``campaign_email_send`` queues it; a ``core.Job``
shows the progress). For each member it:

1. claims the member: one committed ``UPDATE ... SET status='sending' WHERE
   status='pending'`` (with the deterministic Message-ID), so no other run can take it;
2. hands the message to SMTP;
3. marks it ``sent`` (or ``failed`` when the server refused that recipient for good);
4. after each batch, writes the batch's contacts to the customer timelines in bulk.

**At most once.** A crash (the process killed, the connection dropped while the server
was answering) can leave a member in ``sending``: we cannot know whether the server
accepted the message. Resuming never resends such a member: it is marked
``skipped_unknown`` and counted in the job's result, unless the optional
``DANGOL_MARKETING_SENT_LOOKUP`` (a callable given the Message-IDs in doubt, returning
those the mail provider's log shows as accepted) proves it went out; then it is marked
``sent``. A customer may thus miss one campaign message after a crash, but never gets two:
for marketing a duplicate is the worse failure (complaints, spam reports, the unsubscribe
it provokes). A refusal the server states (a 4xx/5xx reply) is certain: a temporary one
puts the member back to ``pending`` and stops the run (resume later), a permanent one
marks it ``failed``.

Only treatment members that are still ``pending`` after ``campaign_members_suppress``
(run right before sending) are ever contacted; the control arm is never selected (and a
database constraint forbids it leaving ``pending``/``suppressed``).
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from dangol.core.jobs import JobProgress, job_create, job_running
from dangol.core.models import Job, JobStatus
from dangol.core.tasks import task_enqueue_on_commit
from dangol.marketing.choices import (
    CampaignChannel,
    CampaignStatus,
    MemberArm,
    MemberStatus,
    SuppressionReason,
)
from dangol.marketing.errors import MarketingErrorCode, ValidationError
from dangol.marketing.execution.render import Recipient, email_render, message_id_for
from dangol.marketing.execution.suppress import members_suppress
from dangol.marketing.execution.timeline import campaign_contacts_timeline_log
from dangol.marketing.models import Campaign, CampaignMember

logger = logging.getLogger(__name__)

JOB_KIND = "marketing.email_send"
SENDABLE = (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED)
BATCH_SIZE = 200
RECIPIENT_FIELDS = (
    "pk",
    "customer_id",
    "customer__name",
    "customer__email",
    "customer__custom_fields",
    "customer__score__value_tier",
    "customer__status",
)


class SendInterrupted(Exception):
    """The run stopped part-way (server unreachable or gone); resume it later."""


@dataclass
class SendReport:
    """What one run did (kept as the job's result)."""

    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    no_address: int = 0
    unknown_skipped: int = 0
    unknown_proven_sent: int = 0
    timeline_logged: int = 0
    # Set when the run stopped because the campaign was paused or cancelled meanwhile.
    stopped: str = ""


def _now():
    return timezone.now()


def recipients_load(member_ids: list[int], *, campaign: Campaign) -> list[Recipient]:
    """Return the personalisation data of these members, read in one query."""
    from dangol.marketing.execution.render import recipient_language

    rows = CampaignMember.objects.filter(pk__in=member_ids).values_list(*RECIPIENT_FIELDS)
    by_id = {
        pk: Recipient(
            member_id=pk,
            campaign_id=campaign.pk,
            customer_id=customer_id,
            name=name,
            email=email,
            language=recipient_language(custom),
            tier_code=tier or "",
            status=status,
        )
        for pk, customer_id, name, email, custom, tier, status in rows
    }
    return [by_id[pk] for pk in member_ids if pk in by_id]


def email_message_build(recipient: Recipient, *, campaign: Campaign) -> EmailMultiAlternatives:
    """Return the e-mail for one member: personalised, tracked, with List-Unsubscribe."""
    rendered = email_render(recipient, campaign=campaign)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DANGOL_MARKETING_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": rendered.message_id,
            # RFC 2369 and RFC 8058: mail clients show their own "unsubscribe" button,
            # and one POST to the link unsubscribes without opening a page.
            "List-Unsubscribe": f"<{rendered.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": rendered.language,
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def _sent_lookup() -> Callable[[list[str]], set[str]] | None:
    path = getattr(settings, "DANGOL_MARKETING_SENT_LOOKUP", "")
    return import_string(path) if path else None


def campaign_send_resume(*, campaign: Campaign) -> tuple[int, int]:
    """Settle members a crashed run left in ``sending``; return (proven sent, skipped).

    Never resends them (see the module docstring): each is marked ``sent`` when the
    configured lookup proves its Message-ID was accepted, else ``skipped_unknown``.
    """
    in_doubt = dict(
        CampaignMember.objects.filter(campaign=campaign, status=MemberStatus.SENDING).values_list(
            "pk", "message_id"
        )
    )
    if not in_doubt:
        return 0, 0
    proven: set[int] = set()
    lookup = _sent_lookup()
    if lookup is not None:
        accepted = set(lookup(sorted(mid for mid in in_doubt.values() if mid)))
        proven = {pk for pk, mid in in_doubt.items() if mid and mid in accepted}
    now = _now()
    with transaction.atomic():
        proven_count = CampaignMember.objects.filter(
            pk__in=proven, status=MemberStatus.SENDING
        ).update(status=MemberStatus.SENT, sent_at=now, updated_at=now)
        skipped = CampaignMember.objects.filter(
            pk__in=set(in_doubt) - proven, status=MemberStatus.SENDING
        ).update(status=MemberStatus.SKIPPED_UNKNOWN, updated_at=now)
    if skipped:
        logger.warning(
            "Campaign %s: %d member(s) left in 'sending' by an interrupted run were not "
            "resent (outcome unknown)",
            campaign.pk,
            skipped,
        )
    return proven_count, skipped


def _claim(member_id: int, message_id: str) -> bool:
    """Take the member for this run, committed before SMTP sees the message."""
    with transaction.atomic():
        return bool(
            CampaignMember.objects.filter(
                pk=member_id, status=MemberStatus.PENDING, arm=MemberArm.TREATMENT
            ).update(
                status=MemberStatus.SENDING,
                message_id=message_id,
                attempts=F("attempts") + 1,
                updated_at=_now(),
            )
        )


def _settle(member_id: int, status: str, *, sent_at=None) -> None:
    """Record how the member's send ended.

    Only the claim must be durable before SMTP sees the message. If this commit were
    lost (a database crash), the member would be found in ``sending`` and skipped, never
    resent; so PostgreSQL may acknowledge it without waiting for the disk, which halves
    the flushes per message.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        CampaignMember.objects.filter(pk=member_id, status=MemberStatus.SENDING).update(
            status=status, sent_at=sent_at, updated_at=_now()
        )


class _Throttle:
    """Space sends to at most ``rate`` a second (0: as fast as the server takes them)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(self.next_at, now) + self.interval


def _pending_ids(campaign: Campaign, *, after: int) -> list[int]:
    return list(
        CampaignMember.objects.filter(
            campaign=campaign,
            arm=MemberArm.TREATMENT,
            status=MemberStatus.PENDING,
            pk__gt=after,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )


def _send_one(connection, recipient: Recipient, *, campaign: Campaign, report: SendReport) -> bool:
    """Claim, send and settle one member; return whether it was sent.

    :raises SendInterrupted: the server went away or refused for now; stop the run.
    """
    if not recipient.email:
        with transaction.atomic():
            report.no_address += CampaignMember.objects.filter(
                pk=recipient.member_id, status=MemberStatus.PENDING
            ).update(
                status=MemberStatus.SUPPRESSED,
                suppression_reason=SuppressionReason.NO_ADDRESS,
                updated_at=_now(),
            )
        return False
    message = email_message_build(recipient, campaign=campaign)
    if not _claim(
        recipient.member_id, message_id_for(campaign_id=campaign.pk, member_id=recipient.member_id)
    ):
        return False  # another run took it, or it was suppressed meanwhile
    try:
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused:
        _settle(recipient.member_id, MemberStatus.FAILED)
        report.failed += 1
        return False
    except smtplib.SMTPSenderRefused as exc:
        # Our sender address is refused: true for every member, so stop, send nothing.
        _settle(recipient.member_id, MemberStatus.PENDING)
        raise SendInterrupted(f"SMTP refused the sender: {exc.smtp_error!r}") from exc
    except smtplib.SMTPResponseException as exc:
        # The server answered "no": certain that it did not take the message.
        if 400 <= exc.smtp_code < 500:
            _settle(recipient.member_id, MemberStatus.PENDING)
            raise SendInterrupted(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        _settle(recipient.member_id, MemberStatus.FAILED)
        report.failed += 1
        return False
    except (smtplib.SMTPException, OSError) as exc:
        # Gone mid-conversation: the message may or may not have been taken. Leave the
        # member in 'sending' for the resume to settle (never resend; see above).
        raise SendInterrupted(f"SMTP connection lost: {exc}") from exc
    _settle(recipient.member_id, MemberStatus.SENT, sent_at=_now())
    report.sent += 1
    return True


def campaign_email_send_run(
    *, campaign: Campaign, progress: JobProgress | None = None, rate: float | None = None
) -> SendReport:
    """Send the campaign's e-mail to every pending treatment member; return the report.

    Safe to run again after any crash (see the module docstring). Runs outside a
    transaction: each claim and each outcome is committed on its own.

    :param rate: messages per second; ``DANGOL_MARKETING_EMAIL_RATE`` when omitted.
    :raises SendInterrupted: the SMTP server could not be reached or went away; the
        members not yet claimed stay pending for the next run.
    """
    if campaign.channel != CampaignChannel.EMAIL:
        raise ValidationError(
            "Only an e-mail campaign is sent by e-mail", code=MarketingErrorCode.INVALID
        )
    report = SendReport()
    report.unknown_proven_sent, report.unknown_skipped = campaign_send_resume(campaign=campaign)
    # A crash between sending and logging leaves contacts off the timeline: catch up.
    report.timeline_logged += campaign_contacts_timeline_log(campaign=campaign)
    report.suppressed = members_suppress(campaign=campaign)
    total = CampaignMember.objects.filter(
        campaign=campaign, arm=MemberArm.TREATMENT, status=MemberStatus.PENDING
    ).count()
    if progress:
        progress(done=0, total=total, message=_("Sending"), force=True)
    throttle = _Throttle(settings.DANGOL_MARKETING_EMAIL_RATE if rate is None else rate)
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        raise SendInterrupted(f"SMTP server unreachable: {exc}") from exc
    after = 0
    done = 0
    try:
        while ids := _pending_ids(campaign, after=after):
            after = ids[-1]
            status = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True)
            if status.first() not in SENDABLE:
                # Paused or cancelled while sending: stop between batches; a later run
                # (after resuming the campaign) picks up the members still pending.
                report.stopped = str(status.first())
                break
            sent_ids = []
            try:
                for recipient in recipients_load(ids, campaign=campaign):
                    throttle.wait()
                    if _send_one(connection, recipient, campaign=campaign, report=report):
                        sent_ids.append(recipient.member_id)
                    done += 1
                    if progress:
                        progress(done=done)
            finally:
                # Even when the run stops part-way, what went out goes on the timeline.
                report.timeline_logged += campaign_contacts_timeline_log(
                    campaign=campaign, member_ids=sent_ids
                )
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    if progress:
        progress.result = asdict(report)
    return report


@task()
def campaign_email_send_task(campaign_id: int, job_id: int) -> dict:
    """Run the send of ``campaign_id`` under the progress of ``job_id``."""
    campaign = Campaign.objects.get(pk=campaign_id)
    with job_running(job_id=job_id) as progress:
        report = campaign_email_send_run(campaign=campaign, progress=progress)
    return asdict(report)


def _send_jobs(campaign: Campaign):
    return Job.objects.filter(
        kind=JOB_KIND,
        params__campaign_id=campaign.pk,
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
    )


@transaction.atomic
def campaign_email_send(*, campaign: Campaign, actor, resume_abandoned: bool = False) -> Job:
    """Queue the e-mail send of a launched campaign; return the job to watch.

    :param resume_abandoned: a previous send job is still marked queued or running but
        its worker died (killed, machine restarted); mark it failed and start a new run,
        which settles the members that run left in doubt.
    :raises ValidationError: not an e-mail campaign, not launched, or a send is under way.
    """
    if campaign.channel != CampaignChannel.EMAIL:
        raise ValidationError(
            "Only an e-mail campaign is sent by e-mail",
            code=MarketingErrorCode.INVALID,
            field="channel",
        )
    if campaign.launched_at is None or campaign.status not in SENDABLE:
        raise ValidationError(
            "Launch the campaign before sending it", code=MarketingErrorCode.INVALID, field="status"
        )
    running = _send_jobs(campaign)
    if running.exists():
        if not resume_abandoned:
            raise ValidationError(
                "This campaign is already being sent", code=MarketingErrorCode.INVALID
            )
        running.update(
            status=JobStatus.FAILED, error="abandoned: resumed by a new run", finished_at=_now()
        )
    job = job_create(kind=JOB_KIND, created_by=actor, params={"campaign_id": campaign.pk})
    task_enqueue_on_commit(campaign_email_send_task, campaign_id=campaign.pk, job_id=job.pk)
    return job
