"""Fixtures of the execution tests: a real SMTP server, customers, launched campaigns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dangol.customers.models import CustomerScore
from dangol.customers.tests.factories import CustomerFactory
from dangol.marketing.choices import CampaignChannel, CampaignStatus, MemberArm
from dangol.marketing.models import Campaign, CampaignMember, Segment
from dangol.marketing.tests.execution import smtp

LAUNCH = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LINK = '<a href="https://shop.dangol.test/coats?src=mail">'


@pytest.fixture
def smtp_server(settings):
    server = smtp.SmtpServer()
    server.start()
    smtp.CURRENT = server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DANGOL_MARKETING_FROM_EMAIL = "Dangol Shop <shop@dangol.test>"
    settings.DANGOL_EMAIL_MESSAGE_ID_DOMAIN = "dangol.test"
    settings.DANGOL_MARKETING_EMAIL_RATE = 0
    yield server
    smtp.CURRENT = None
    server.stop()


@pytest.fixture(autouse=True)
def _public_url(settings, tmp_path):
    settings.DANGOL_PUBLIC_URL = "https://crm.dangol.test"
    settings.DATA_DIR = tmp_path
    settings.DANGOL_MARKETING_SMS_OPT_OUT = ""
    settings.DANGOL_MARKETING_SENT_LOOKUP = ""


def customer(**fields):
    """Create a customer who consents to everything unless told otherwise."""
    tier = fields.pop("tier", "")
    values = {
        "consent_email": True,
        "consent_sms": True,
        "consent_phone": True,
        "consent_post": True,
        **fields,
    }
    made = CustomerFactory(**values)
    if tier:
        CustomerScore.objects.create(customer=made, value_tier=tier)
    return made


def launched_campaign(
    *,
    channel: str = CampaignChannel.EMAIL,
    treated=(),
    control=(),
    launched_at: dt.datetime = LAUNCH,
    **fields,
) -> Campaign:
    """Return a running campaign whose members are ``treated`` and ``control``.

    Members are written directly: building them from a segment is the campaign
    services' job (tested there); these tests start where a launch ends.
    """
    segment = Segment.objects.create(name="Test segment", rule={})
    values = {
        "name": "Autumn offer",
        "goal": "retention",
        "offer": "10% off winter coats",
        "subject_en": "{{ greeting }}, an offer for you",
        "subject_ko": "{{ greeting }}, 특별 혜택",
        "body_en": f"<p>{{{{ greeting }}}},</p><p>{{{{ offer }}}}. {LINK}Shop now</a></p>",
        "body_ko": f"<p>{{{{ greeting }}}},</p><p>{{{{ offer }}}}. {LINK}보러 가기</a></p>",
        **fields,
    }
    campaign = Campaign.objects.create(
        segment=segment,
        channel=channel,
        status=CampaignStatus.RUNNING,
        launched_at=launched_at,
        **values,
    )
    CampaignMember.objects.bulk_create(
        [CampaignMember(campaign=campaign, customer=c, arm=MemberArm.TREATMENT) for c in treated]
        + [CampaignMember(campaign=campaign, customer=c, arm=MemberArm.CONTROL) for c in control]
    )
    return campaign


def member_of(campaign: Campaign, customer_obj) -> CampaignMember:
    return CampaignMember.objects.get(campaign=campaign, customer=customer_obj)


def now() -> dt.datetime:
    return timezone.now()
