"""The reads of marketing, one import for every caller (UI, API, other apps)."""

from dangol.marketing.campaigns.selectors import (
    RESPONSE_FRAME_COLUMNS,
    CampaignReview,
    campaign_get,
    campaign_list,
    campaign_response_frame,
    campaign_review,
    campaign_review_list,
    member_status_counts,
)
from dangol.marketing.segments.selectors import (
    rule_count,
    rule_customers,
    segment_contains,
    segment_count,
    segment_customers,
    segment_get,
    segment_list,
)

__all__ = [
    "RESPONSE_FRAME_COLUMNS",
    "CampaignReview",
    "campaign_get",
    "campaign_list",
    "campaign_response_frame",
    "campaign_review",
    "campaign_review_list",
    "member_status_counts",
    "rule_count",
    "rule_customers",
    "segment_contains",
    "segment_count",
    "segment_customers",
    "segment_get",
    "segment_list",
]
