"""Campaign execution and responses: sending, tracking, exports, call lists, attribution.

Modules, from low level to high level:

- ``tokens``: signed tokens in the links of a message (open pixel, click, unsubscribe).
- ``render``: a message personalised for one member (name, tier, recommendations) in
  Korean or English, with tracked links.
- ``timeline``: contacts and responses written to the customer's timeline in bulk.
- ``sending``: the throttled, resumable, at-most-once e-mail send (a background task).
- ``tracking``: opens, clicks and unsubscribes recorded from the tracking endpoints.
- ``exports``: SMS and direct-mail files for a provider (a background task).
- ``calls``: call lists assigned to agents and the outcomes they record.
- ``attribution``: purchases within the attribution window counted as conversions.
- ``dispatch``: ``campaign_execute``, the one entry point by channel.
- ``suppress``: the call into the campaign services' suppression, run before any contact.
- ``selectors``, ``views``, ``urls``: the execution page, tracking endpoints, call lists.

See docs/marketing.md, "Execution and responses".
"""
