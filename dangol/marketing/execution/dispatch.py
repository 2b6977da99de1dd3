"""Start the execution of a launched campaign on its channel: one call for any caller.

The execution page calls it; so can the campaign services after a launch (a scheduled
campaign launched by the worker's sweep) to start sending at once.
"""

from __future__ import annotations

from dangol.core.models import Job
from dangol.marketing.choices import CampaignChannel
from dangol.marketing.models import Campaign


def campaign_execute(*, campaign: Campaign, actor, resume_abandoned: bool = False) -> Job | None:
    """Queue the send (e-mail) or the provider file (SMS, mail); return the job.

    Outbound-call campaigns return ``None``: their members are dealt to agents chosen by
    a person (``calls.campaign_call_list_assign``).

    :raises ValidationError: the campaign is not launched, or a run is under way.
    """
    from dangol.marketing.execution import exports, sending

    if campaign.channel == CampaignChannel.EMAIL:
        return sending.campaign_email_send(
            campaign=campaign, actor=actor, resume_abandoned=resume_abandoned
        )
    if campaign.channel in (CampaignChannel.SMS, CampaignChannel.MAIL):
        return exports.campaign_export(campaign=campaign, actor=actor)
    return None
