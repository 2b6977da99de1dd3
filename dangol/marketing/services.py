"""The writes of marketing, one import for every caller (UI, API, admin, execution).

The code lives by subdomain: ``segments/services.py``, ``campaigns/services.py``,
``personalisation.py``; the execution (sending, tracking) in ``execution/``.
"""

from dangol.marketing.campaigns.services import (
    campaign_create,
    campaign_launch,
    campaign_launch_due,
    campaign_members_build,
    campaign_members_suppress,
    campaign_status_set,
    campaign_update,
)
from dangol.marketing.segments.services import (
    segment_create,
    segment_delete,
    segment_size_refresh,
    segment_snapshot,
    segment_update,
)

__all__ = [
    "campaign_create",
    "campaign_launch",
    "campaign_launch_due",
    "campaign_members_build",
    "campaign_members_suppress",
    "campaign_status_set",
    "campaign_update",
    "segment_create",
    "segment_delete",
    "segment_size_refresh",
    "segment_snapshot",
    "segment_update",
]
