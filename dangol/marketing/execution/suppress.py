"""The one call into the campaign services that execution needs: suppression.

Suppression (consent, unsubscribe, frequency cap, bottom tier) is the campaign
services' rule; execution runs it right before any contact and reads the result
from the members' status. Imported at call time: the campaign services import execution
to dispatch a launch, and this keeps the two free of an import cycle.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

SUPPRESS = "dangol.marketing.campaigns.services.campaign_members_suppress"


def members_suppress(*, campaign) -> int:
    """Suppress the campaign's pending treated members that may not be contacted now.

    Return how many were suppressed by this call.
    """
    result = import_string(SUPPRESS)(campaign=campaign)
    if isinstance(result, int):
        return result
    if isinstance(result, dict):
        return sum(v for v in result.values() if isinstance(v, int))
    return 0
