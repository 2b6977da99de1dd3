"""Fixed vocabularies of segments and campaigns (mirrored by check constraints)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SegmentKind(models.TextChoices):
    STATIC = "static", _("Static (snapshot)")
    DYNAMIC = "dynamic", _("Dynamic")


class CampaignGoal(models.TextChoices):
    RETENTION = "retention", _("Retention")
    CROSS_SELL = "cross_sell", _("Cross-sell")
    UP_SELL = "up_sell", _("Up-sell")
    WIN_BACK = "win_back", _("Win-back")
    ACQUISITION = "acquisition", _("Acquisition")


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    CALL = "call", _("Outbound call")
    MAIL = "mail", _("Direct mail")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class MemberArm(models.TextChoices):
    TREATMENT = "treatment", _("Treatment")
    CONTROL = "control", _("Control")


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUPPRESSED = "suppressed", _("Suppressed")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED_UNKNOWN = "skipped_unknown", _("Skipped (outcome unknown)")


class SuppressionReason(models.TextChoices):
    NONE = "", _("None")
    NO_CONSENT = "no_consent", _("No consent for the channel")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    FREQUENCY_CAP = "frequency_cap", _("Frequency cap reached")
    BOTTOM_TIER = "bottom_tier", _("Bottom value tier")
    NO_ADDRESS = "no_address", _("No address for the channel")
    TRASHED = "trashed", _("Customer in the trash")


class ResponseKind(models.TextChoices):
    OPEN = "open", _("Open")
    CLICK = "click", _("Click")
    CONVERSION = "conversion", _("Conversion")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe")
    CALL_OUTCOME = "call_outcome", _("Call outcome")


# Which consent a channel needs (Customer.consent_<value>).
CHANNEL_CONSENT = {
    CampaignChannel.EMAIL: "email",
    CampaignChannel.SMS: "sms",
    CampaignChannel.CALL: "phone",
    CampaignChannel.MAIL: "post",
}
