"""The declared answer of every URL to every identity (read by ``test_url_matrix.py``).

Identities, in column order: nobody signed in, the six staff roles, a portal customer and
a partner (dealer) signed in through the portal. Codes:

- ``L``: redirected to a login page (staff, admin or portal);
- ``P``: a portal account sent back to ``/portal/`` (the portal boundary);
- ``R``: another redirect (a page that moved, a form's "done" redirect, the home page);
- a number: that HTTP status (200, 401, 403, 404, 405, ...);
- ``*`` (POST rows only): allowed; not exercised by the matrix (the app's own tests post
  real data), every other column is posted with an empty body and must change nothing.

A new URL must be added here, or ``test_every_url_is_declared`` fails. Admin URLs (all
under ``admin/``) share ``ADMIN_ROW``: no role above is staff, so the admin sends every
one of them to its login.
"""

from __future__ import annotations

IDENTITIES = (
    "anon",
    "admin",
    "manager",
    "sales",
    "marketing",
    "service",
    "analyst",
    "customer",
    "partner",
)

# The value of each path converter, by URL name: a key of the test's world (an object's
# id) or a literal. A literal that is also a world key (the kind "customer") is named
# through a world key of its own ("kind:customer").
ARGS: dict[str, dict[str, str]] = {
    "api:token_detail": {"pk": "token"},
    "api:customer_detail": {"pk": "customer"},
    "api:customer_consents": {"pk": "customer"},
    "api:customer_interactions": {"pk": "customer"},
    "api:product_detail": {"pk": "product"},
    "api:order_detail": {"pk": "order"},
    "api:lead_convert": {"pk": "lead"},
    "api:opportunity_detail": {"pk": "opportunity"},
    "api:ticket_detail": {"pk": "ticket"},
    "api:ticket_messages": {"pk": "ticket"},
    "api:job_detail": {"pk": "job"},
    "api:customer_recommendations": {"pk": "customer"},
    "api:response_study_detail": {"pk": "999999"},
    "api:response_study_sample": {"pk": "999999"},
    "api:response_study_explore": {"pk": "999999"},
    "api:response_study_modify": {"pk": "999999"},
    "api:response_study_models": {"pk": "999999"},
    "api:response_model_detail": {"pk": "model_run"},
    "api:response_model_score": {"pk": "model_run"},
    "api:segment_detail": {"pk": "segment"},
    "api:segment_snapshot": {"pk": "segment"},
    "api:campaign_detail": {"pk": "campaign"},
    "api:campaign_status": {"pk": "campaign"},
    "api:campaign_review": {"pk": "campaign"},
    "api:customer_next_best_offer": {"pk": "customer"},
    "customers:export": {"suffix": "csv"},
    "customers:detail": {"pk": "customer"},
    "customers:timeline": {"pk": "customer"},
    "sales:order_export": {"suffix": "csv"},
    "service:ticket_export": {"suffix": "csv"},
    "pipeline:opportunity_export": {"suffix": "csv"},
    "sales:order_detail": {"pk": "order"},
    "analytics:model_detail": {"pk": "model_run"},
    "analytics:model_job_start": {"kind": "clv", "action": "train"},
    "analytics:response_study": {"pk": "999999"},
    "analytics:response_model_score": {"pk": "model_run"},
    "service:ticket_detail": {"pk": "ticket"},
    "service:ticket_reply": {"pk": "ticket"},
    "service:ticket_note": {"pk": "ticket"},
    "service:ticket_status": {"pk": "ticket"},
    "service:ticket_assign": {"pk": "ticket"},
    "service:survey": {"token": "survey"},
    "service:agent_customer": {"pk": "customer"},
    "pipeline:opportunity_detail": {"pk": "opportunity"},
    "pipeline:opportunity_move": {"pk": "opportunity"},
    "pipeline:lead_detail": {"pk": "lead"},
    "portal:customer_ticket": {"pk": "ticket"},
    "portal:partner_customer": {"pk": "customer"},
    "marketing:segment_edit": {"pk": "segment"},
    "marketing:segment_snapshot": {"pk": "segment"},
    "marketing:campaign_detail": {"pk": "campaign"},
    "marketing:campaign_edit": {"pk": "campaign"},
    "marketing:campaign_status": {"pk": "campaign"},
    "marketing:next_best_offer": {"pk": "customer"},
    "marketing:open": {"token": "not-a-token"},
    "marketing:click": {"token": "not-a-token"},
    "marketing:unsubscribe": {"token": "not-a-token"},
    "marketing:campaign_execution": {"pk": "campaign"},
    "marketing:campaign_execute": {"pk": "campaign"},
    "marketing:campaign_conversions": {"pk": "campaign"},
    "marketing:call_assign": {"pk": "campaign"},
    "marketing:export_download": {"job_id": "job"},
    "integration:import_detail": {"pk": "job"},
    "integration:import_summary": {"pk": "job"},
    "integration:import_rejects": {"pk": "job"},
    "job_detail": {"pk": "job"},
    "api:trash_purge": {"kind": "kind:customer", "pk": "trashed_customer"},
    "api:customer_personal_data": {"pk": "customer"},
    "api:customer_erase": {"pk": "customer"},
    "api:record_history": {"kind": "kind:customer", "pk": "customer"},
    "api:record_revert": {"kind": "kind:customer", "pk": "customer"},
    "api:record_trash": {"kind": "kind:customer", "pk": "customer"},
    "api:record_restore": {"kind": "kind:customer", "pk": "trashed_customer"},
    "api:automation_rule_detail": {"pk": "rule"},
    "api:automation_rule_runs": {"pk": "rule"},
    "api:automation_rule_test": {"pk": "rule"},
    "webanalytics:report": {"slug": "traffic"},
    "webanalytics:report_export": {"slug": "traffic"},
    "webanalytics:test_page": {"name": "a"},
    "automation:rule_edit": {"pk": "rule"},
    "automation:rule_active": {"pk": "rule"},
    "automation:rule_delete": {"pk": "rule"},
    "automation:rule_runs": {"pk": "rule"},
    "automation:rule_test": {"pk": "rule"},
    "automation:template_edit": {"pk": "email_template"},
    "audit:history": {"kind": "kind:customer", "pk": "customer"},
    "audit:revert": {"kind": "kind:customer", "pk": "customer"},
    "audit:trash_record": {"kind": "kind:customer", "pk": "customer"},
    "audit:restore": {"kind": "kind:customer", "pk": "trashed_customer"},
    "audit:purge": {"kind": "kind:customer", "pk": "trashed_customer"},
    "audit:privacy_export": {"pk": "customer"},
    "audit:privacy_erase": {"pk": "customer"},
    "customfields:edit": {"pk": "custom_field"},
    "customfields:archive": {"pk": "custom_field"},
    "customfields:delete": {"pk": "custom_field"},
    "customfields:record_edit": {"entity": "kind:customer", "pk": "customer"},
    "home_widget": {"name": "manager_trend"},
}

# Pages anyone may open without signing in (checked on top of the rows below: no other
# URL may answer 200 to nobody, and no URL outside the portal may answer 200 to a portal
# account).
PUBLIC = frozenset(
    {
        "set_language",
        "api:schema",  # the OpenAPI description and its viewers: no data, only the shape
        "api:docs",
        "api:redoc",
        "accounts:login",
        "portal:login",
        "service:contact",  # the public contact form (creates a ticket)
        "service:survey",  # a satisfaction survey, reached by its secret token
        "pipeline:lead_form_public",  # the public lead form
        "admin:login",
        "webanalytics_collect",  # the tracker's beacon, sent by any visitor's browser
    }
)

# A valid body for POSTs whose empty body would be refused before the role is checked,
# so the matrix reaches the permission check (others post an empty body).
POST_BODIES: dict[str, dict[str, str]] = {
    "service:ticket_reply": {"body": "Matrix reply", "version": "1"},
    "service:ticket_note": {"body": "Matrix note"},
    "service:ticket_status": {"status": "pending", "version": "1"},
    "service:ticket_assign": {"queue": "", "assignee": ""},
    "pipeline:opportunity_move": {"stage": "won", "version": "1"},
    "customfields:record_edit": {"cf_matrix": "Matrix value"},
}

#                anon admin mgr sales mkt svc analyst customer partner
ADMIN_ROW = "L L L L L L L P P"

# The admin's own login and logout answer everyone.
ADMIN_EXCEPTIONS = {
    "admin:login": "200 200 200 200 200 200 200 P P",
    "admin:logout": "R R R R R R R P P",
}

MATRIX: dict[str, dict[str, str]] = {
    "set_language": {"get": "R R R R R R R R R"},
    "api:schema": {"get": "200 200 200 200 200 200 200 403 403"},
    "api:docs": {"get": "200 200 200 200 200 200 200 403 403"},
    "api:redoc": {"get": "200 200 200 200 200 200 200 403 403"},
    "api:token_list": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:token_detail": {
        "get": "401 405 405 405 405 405 405 403 403",
        "post": "401 405 405 405 405 405 405 403 403",
    },
    "api:customer_list": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:customer_detail": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:customer_consents": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:customer_interactions": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:product_list": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:product_detail": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:order_list": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:order_detail": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:lead_list": {"get": "401 200 200 200 403 403 403 403 403"},
    "api:lead_convert": {
        "get": "401 405 405 405 405 405 405 403 403",
        "post": "401 415 415 415 403 403 403 403 403",
    },
    "api:opportunity_list": {
        "get": "401 405 405 405 405 405 405 403 403",
        "post": "401 415 415 415 403 403 403 403 403",
    },
    "api:opportunity_detail": {"get": "401 200 200 200 403 403 403 403 403"},
    "api:inbound_email": {
        "get": "401 405 403 403 403 405 403 403 403",
        "post": "401 415 403 403 403 415 403 403 403",
    },
    "api:ticket_list": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:ticket_detail": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:ticket_messages": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:job_detail": {"get": "401 200 404 404 404 404 404 403 403"},
    "api:olap_query": {
        "get": "401 405 405 403 405 403 405 403 403",
        "post": "401 415 415 403 415 403 415 403 403",
    },
    "api:customer_recommendations": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:recommendations_refresh": {
        "get": "401 405 405 403 405 403 405 403 403",
        "post": "401 * * 403 * 403 * 403 403",
    },
    "api:response_study_list": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:response_study_detail": {"get": "401 404 404 403 404 403 404 403 403"},
    "api:response_study_sample": {
        "get": "401 405 405 403 405 403 405 403 403",
        "post": "401 404 404 403 404 403 404 403 403",
    },
    "api:response_study_explore": {"get": "401 404 404 403 404 403 404 403 403"},
    "api:response_study_modify": {
        "get": "401 405 405 403 405 403 405 403 403",
        "post": "401 404 404 403 404 403 404 403 403",
    },
    "api:response_study_models": {"get": "401 404 404 403 404 403 404 403 403"},
    "api:response_model_detail": {"get": "401 404 404 403 404 403 404 403 403"},
    "api:response_model_score": {
        "get": "401 405 405 403 405 403 405 403 403",
        "post": "401 404 404 403 404 403 403 403 403",
    },
    "api:segment_list": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:segment_fields": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:segment_count": {
        "get": "401 405 405 403 405 403 405 403 403",
        "post": "401 415 415 403 415 403 415 403 403",
    },
    "api:segment_detail": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:segment_snapshot": {
        "get": "401 405 405 403 405 403 405 403 403",
        "post": "401 * * 403 * 403 403 403 403",
    },
    "api:campaign_list": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:campaign_reviews": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:campaign_detail": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:campaign_status": {
        "get": "401 405 405 403 405 403 405 403 403",
        "post": "401 415 415 403 415 403 403 403 403",
    },
    "api:campaign_review": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:customer_next_best_offer": {"get": "401 200 200 200 200 200 200 403 403"},
    "accounts:login": {"get": "200 R R R R R R P P"},
    "accounts:logout": {"get": "405 405 405 405 405 405 405 P P", "post": "* * * * * * * * *"},
    "accounts:security": {"get": "L 200 200 200 200 200 200 P P"},
    "accounts:two_factor_verify": {"get": "L R R R R R R P P"},
    "accounts:notifications": {"get": "L 200 200 200 200 200 200 P P"},
    "accounts:notifications_badge": {"get": "L 200 200 200 200 200 200 P P"},
    "customers:list": {"get": "L 200 200 200 200 200 200 P P"},
    "customers:export": {"get": "L 200 200 200 200 200 200 P P"},
    "customers:detail": {"get": "L 200 200 200 200 200 200 P P"},
    "customers:duplicates": {"get": "L 200 200 403 403 403 403 P P"},
    "customers:timeline": {"get": "L 200 200 200 200 200 200 P P"},
    "catalog:product_list": {"get": "L 200 200 200 200 200 200 P P"},
    "sales:order_list": {"get": "L 200 200 200 200 200 200 P P"},
    "sales:order_export": {"get": "L 200 200 200 200 200 200 P P"},
    "sales:order_detail": {"get": "L 200 200 200 200 200 200 P P"},
    "analytics:home": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:pivot": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:pivot_export": {"get": "L 400 400 403 400 403 400 P P"},
    "analytics:rfm": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:pareto": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:profitability": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:profitability_export": {"get": "L 409 409 403 409 403 409 P P"},
    "analytics:cohorts": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:cohorts_export": {"get": "L 409 409 403 409 403 409 P P"},
    "analytics:wallet": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:wallet_export": {"get": "L 409 409 403 409 403 409 P P"},
    "analytics:warehouse": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:warehouse_refresh": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 403 403 403 P P",
    },
    "analytics:model_list": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:model_detail": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:model_job_start": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 403 403 * P P",
    },
    "analytics:churn_at_risk": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:churn_at_risk_export": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:response": {"get": "L 200 200 403 200 403 200 P P"},
    "analytics:response_study": {"get": "L 404 404 403 404 403 404 P P"},
    "analytics:response_model_score": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L 404 404 403 404 403 403 P P",
    },
    "analytics:recommend": {"get": "L 200 200 403 200 403 200 P P"},
    "service:ticket_list": {"get": "L 200 200 200 200 200 200 P P"},
    "service:ticket_export": {"get": "L 200 200 200 200 200 200 P P"},
    "service:ticket_new": {"get": "L 200 200 200 200 200 200 P P"},
    "service:ticket_detail": {"get": "L 200 200 200 200 200 200 P P"},
    "service:ticket_reply": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * * 403 * 403 P P",
    },
    "service:ticket_note": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * * 403 * 403 P P",
    },
    "service:ticket_status": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * * 403 * 403 P P",
    },
    "service:ticket_assign": {"get": "L 405 405 405 405 405 405 P P", "post": "L * * * * * * P P"},
    "service:contact": {"get": "200 200 200 200 200 200 200 P P"},
    "service:survey": {"get": "200 200 200 200 200 200 200 200 200"},
    "service:voc": {"get": "L 200 200 403 403 200 200 P P"},
    "service:agent": {"get": "L 200 200 200 403 200 403 P P"},
    "service:agent_customer": {"get": "L 200 200 200 403 200 403 P P"},
    "pipeline:board": {"get": "L 200 200 200 403 403 403 P P"},
    "pipeline:opportunity_export": {"get": "L 200 200 200 403 403 403 P P"},
    "pipeline:opportunity_detail": {"get": "L 200 200 200 403 403 403 P P"},
    "pipeline:opportunity_move": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * * 403 403 403 P P",
    },
    "pipeline:lead_list": {"get": "L 200 200 200 403 403 403 P P"},
    "pipeline:lead_new": {"get": "L 200 200 200 403 403 403 P P"},
    "pipeline:lead_detail": {"get": "L 200 200 200 403 403 403 P P"},
    "pipeline:forecast": {"get": "L 200 200 200 403 403 403 P P"},
    "pipeline:tasks": {"get": "L 200 200 200 200 200 200 P P"},
    "pipeline:lead_form_public": {"get": "200 200 200 200 200 200 200 P P"},
    "portal:home": {"get": "L L L L L L L R R"},
    "portal:login": {"get": "200 P P P P P P P P"},
    "portal:logout": {"get": "405 405 405 405 405 405 405 405 405", "post": "* * * * * * * * *"},
    "portal:customer_home": {"get": "L 403 403 403 403 403 403 200 404"},
    "portal:customer_profile": {
        "get": "405 405 405 405 405 405 405 405 405",
        "post": "L 403 403 403 403 403 403 * 404",
    },
    "portal:customer_consent": {
        "get": "405 405 405 405 405 405 405 405 405",
        "post": "L 403 403 403 403 403 403 * 404",
    },
    "portal:customer_ticket_new": {
        "get": "405 405 405 405 405 405 405 405 405",
        "post": "L 403 403 403 403 403 403 * 404",
    },
    "portal:customer_ticket": {"get": "L 403 403 403 403 403 403 200 404"},
    "portal:partner_home": {"get": "L 403 403 403 403 403 403 404 200"},
    "portal:partner_customer": {"get": "L 403 403 403 403 403 403 404 404"},
    "portal:partner_lead_new": {
        "get": "405 405 405 405 405 405 405 405 405",
        "post": "L 403 403 403 403 403 403 404 *",
    },
    "marketing:dashboard": {"get": "L 200 200 403 200 403 200 P P"},
    "marketing:segment_list": {"get": "L 200 200 403 200 403 200 P P"},
    "marketing:segment_new": {"get": "L 200 200 403 200 403 200 P P"},
    "marketing:segment_builder": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 * 403 * P P",
    },
    "marketing:segment_count": {"get": "L 200 200 403 200 403 200 P P"},
    "marketing:segment_edit": {"get": "L 200 200 403 200 403 200 P P"},
    "marketing:segment_snapshot": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 * 403 403 P P",
    },
    "marketing:campaign_list": {"get": "L 200 200 403 200 403 200 P P"},
    "marketing:campaign_new": {"get": "L 200 200 403 200 403 403 P P"},
    "marketing:campaign_detail": {"get": "L 200 200 403 200 403 200 P P"},
    "marketing:campaign_edit": {"get": "L 200 200 403 200 403 403 P P"},
    "marketing:campaign_status": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 * 403 403 P P",
    },
    "marketing:next_best_offer": {"get": "L 200 200 200 200 200 200 P P"},
    "marketing:open": {"get": "404 404 404 404 404 404 404 404 404"},
    "marketing:click": {"get": "404 404 404 404 404 404 404 404 404"},
    "marketing:unsubscribe": {"get": "404 404 404 404 404 404 404 404 404"},
    "marketing:campaign_execution": {"get": "L 200 200 403 200 403 403 P P"},
    "marketing:campaign_execute": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 * 403 403 P P",
    },
    "marketing:campaign_conversions": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 * 403 403 P P",
    },
    "marketing:call_assign": {"get": "L 200 200 403 200 403 403 P P"},
    "marketing:export_download": {"get": "L 404 404 404 404 404 404 P P"},
    "marketing:my_calls": {"get": "L 200 200 200 200 200 200 P P"},
    "integration:imports": {"get": "L 200 200 403 403 200 403 P P"},
    "integration:import_detail": {"get": "L 200 404 404 404 404 404 P P"},
    "integration:import_summary": {"get": "L 200 404 404 404 404 404 P P"},
    "integration:import_rejects": {"get": "L 404 404 404 404 404 404 P P"},
    "job_detail": {"get": "L 200 404 404 404 404 404 P P"},
    "home": {"get": "L 200 200 200 200 200 200 P P"},
    # History, trash and personal data (docs/privacy.md): trash and personal data for
    # admins and managers; history for whoever sees the record; purge for admins.
    "api:trash_list": {"get": "401 200 200 403 403 403 403 403 403"},
    "api:trash_purge": {
        "get": "401 405 405 405 405 405 405 403 403",
        "post": "401 405 405 405 405 405 405 403 403",
    },
    "api:customer_personal_data": {"get": "401 200 200 403 403 403 403 403 403"},
    "api:customer_erase": {
        "get": "401 405 405 405 405 405 405 403 403",
        "post": "401 415 415 415 415 415 415 403 403",
    },
    "api:record_history": {"get": "401 200 200 200 200 200 200 403 403"},
    "api:record_revert": {
        "get": "401 405 405 405 405 405 405 403 403",
        "post": "401 415 415 415 415 415 415 403 403",
    },
    "api:record_trash": {
        "get": "401 405 405 405 405 405 405 403 403",
        "post": "401 * * 403 403 403 403 403 403",
    },
    "api:record_restore": {
        "get": "401 405 405 405 405 405 405 403 403",
        "post": "401 * * 403 403 403 403 403 403",
    },
    "audit:trash": {"get": "L 200 200 403 403 403 403 P P"},
    "audit:history": {"get": "L 200 200 200 200 200 200 P P"},
    # A refused role's POST is 403 (the revert: roles that may change none of the fields).
    "audit:revert": {"get": "L 405 405 405 405 405 405 P P", "post": "L R R R R R 403 P P"},
    "audit:trash_record": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 403 403 403 P P",
    },
    "audit:restore": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * * 403 403 403 403 P P",
    },
    "audit:purge": {
        "get": "L 200 403 403 403 403 403 P P",
        "post": "L 200 403 403 403 403 403 P P",
    },
    "audit:privacy_export": {"get": "L 200 200 403 403 403 403 P P"},
    "audit:privacy_erase": {
        "get": "L 200 200 403 403 403 403 P P",
        "post": "L 200 200 403 403 403 403 P P",
    },
    # Automation (docs/automation.md): admins write, managers read, others 403.
    "api:automation_rules": {
        "get": "401 200 200 403 403 403 403 403 403",
        "post": "401 415 403 403 403 403 403 403 403",
    },
    "api:automation_rule_detail": {"get": "401 200 200 403 403 403 403 403 403"},
    "api:automation_rule_runs": {"get": "401 200 200 403 403 403 403 403 403"},
    "api:automation_rule_test": {
        "get": "401 405 405 403 403 403 403 403 403",
        "post": "401 415 415 403 403 403 403 403 403",
    },
    "api:automation_templates": {
        "get": "401 200 200 403 403 403 403 403 403",
        "post": "401 415 403 403 403 403 403 403 403",
    },
    "automation:rule_list": {"get": "L 200 200 403 403 403 403 P P"},
    "automation:rule_new": {
        "get": "L 200 200 403 403 403 403 P P",
        "post": "L 400 403 403 403 403 403 P P",
    },
    "automation:rule_form": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L 200 200 403 403 403 403 P P",
    },
    "automation:rule_edit": {
        "get": "L 200 200 403 403 403 403 P P",
        "post": "L 400 403 403 403 403 403 P P",
    },
    "automation:rule_active": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * 403 403 403 403 403 P P",
    },
    "automation:rule_delete": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * 403 403 403 403 403 P P",
    },
    "automation:rule_runs": {"get": "L 200 200 403 403 403 403 P P"},
    "automation:rule_test": {"get": "L 200 200 403 403 403 403 P P"},
    "automation:template_list": {"get": "L 200 200 403 403 403 403 P P"},
    "automation:template_new": {
        "get": "L 200 200 403 403 403 403 P P",
        "post": "L 200 403 403 403 403 403 P P",
    },
    "automation:template_edit": {
        "get": "L 200 200 403 403 403 403 P P",
        "post": "L 200 403 403 403 403 403 P P",
    },
    # Custom fields (docs/custom-fields.md): definitions for admins only; a record's
    # values with the roles of the record's app.
    "customfields:list": {"get": "L 200 403 403 403 403 403 P P"},
    "customfields:create": {
        "get": "L 200 403 403 403 403 403 P P",
        "post": "L 400 403 403 403 403 403 P P",
    },
    "customfields:edit": {
        "get": "L 200 403 403 403 403 403 P P",
        "post": "L 400 403 403 403 403 403 P P",
    },
    "customfields:archive": {
        "get": "L 405 405 405 405 405 405 P P",
        "post": "L * 403 403 403 403 403 P P",
    },
    "customfields:delete": {
        "get": "L 200 403 403 403 403 403 P P",
        "post": "L 400 403 403 403 403 403 P P",
    },
    "customfields:record_edit": {
        "get": "L 200 200 200 200 200 200 P P",
        "post": "L * * * 403 403 403 P P",
    },
    # Web analytics: reports for admins, managers, marketing and analysts; the tracker's
    # collect endpoint is public (POST only).
    "webanalytics:home": {"get": "L R R 403 R 403 R P P"},
    "webanalytics:report": {"get": "L 200 200 403 200 403 200 P P"},
    "webanalytics:report_export": {"get": "L 200 200 403 200 403 200 P P"},
    "webanalytics:test_page": {"get": "404 404 404 404 404 404 404 P P"},
    "webanalytics_collect": {
        "get": "405 405 405 405 405 405 405 405 405",
        "post": "400 400 400 400 400 400 400 400 400",
    },
    "api:webanalytics_report_traffic": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_entry_pages": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_exit_pages": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_channels": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_search": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_site_search": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_technology": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_pages": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_errors": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_visitors": {"get": "401 200 200 403 200 403 200 403 403"},
    "api:webanalytics_report_goals": {"get": "401 200 200 403 200 403 200 403 403"},
    # The funnel report needs its steps: 400 to those allowed, before anything is read.
    "api:webanalytics_report_funnel": {"get": "401 400 400 403 400 403 400 403 403"},
    "accounts:settings": {"get": "L 200 200 200 200 200 200 P P"},
    # The home dashboards (docs/home.md): a widget only for the roles whose tab has it.
    "home_widget": {"get": "L 200 200 404 404 404 404 P P"},
}
