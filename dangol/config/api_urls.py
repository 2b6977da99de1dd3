"""The REST API, version 1: ``/api/v1/``. Each domain adds its endpoints here.

Integer path converters keep malformed ids out of the views; anything else under
``/api/`` that matches no route gets a problem+json 404 from ``ApiErrorMiddleware``.
"""

from django.urls import path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from dangol.accounts import api as accounts_api
from dangol.analytics import api as analytics_api
from dangol.analytics.recommend import api as recommend_api
from dangol.analytics.response import api as response_api
from dangol.automation import api as automation_api
from dangol.catalog import api as catalog_api
from dangol.core.api import jobs as jobs_api
from dangol.core.audit import api as audit_api
from dangol.customers import api as customers_api
from dangol.marketing import api as marketing_api
from dangol.sales import api as sales_api
from dangol.sales import pipeline_api
from dangol.service import api as service_api
from dangol.touchpoints import api as touchpoints_api
from dangol.webanalytics import api as webanalytics_api

app_name = "api"

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("tokens/", accounts_api.ApiTokenCollectionApi.as_view(), name="token_list"),
    path("tokens/<int:pk>/", accounts_api.ApiTokenItemApi.as_view(), name="token_detail"),
    path("customers/", customers_api.CustomerCollectionApi.as_view(), name="customer_list"),
    path("customers/<int:pk>/", customers_api.CustomerItemApi.as_view(), name="customer_detail"),
    path(
        "customers/<int:pk>/consents/",
        customers_api.CustomerConsentApi.as_view(),
        name="customer_consents",
    ),
    path(
        "customers/<int:pk>/interactions/",
        touchpoints_api.CustomerInteractionApi.as_view(),
        name="customer_interactions",
    ),
    path("products/", catalog_api.ProductCollectionApi.as_view(), name="product_list"),
    path("products/<int:pk>/", catalog_api.ProductItemApi.as_view(), name="product_detail"),
    path("orders/", sales_api.OrderCollectionApi.as_view(), name="order_list"),
    path("orders/<int:pk>/", sales_api.OrderItemApi.as_view(), name="order_detail"),
    path("leads/", pipeline_api.LeadCollectionApi.as_view(), name="lead_list"),
    path("leads/<int:pk>/convert/", pipeline_api.LeadConvertApi.as_view(), name="lead_convert"),
    path(
        "opportunities/",
        pipeline_api.OpportunityCollectionApi.as_view(),
        name="opportunity_list",
    ),
    path(
        "opportunities/<int:pk>/",
        pipeline_api.OpportunityItemApi.as_view(),
        name="opportunity_detail",
    ),
    path("inbound-email/", service_api.InboundEmailApi.as_view(), name="inbound_email"),
    path("tickets/", service_api.TicketCollectionApi.as_view(), name="ticket_list"),
    path("tickets/<int:pk>/", service_api.TicketItemApi.as_view(), name="ticket_detail"),
    path(
        "tickets/<int:pk>/messages/",
        service_api.TicketMessageCollectionApi.as_view(),
        name="ticket_messages",
    ),
    path("jobs/<int:pk>/", jobs_api.JobItemApi.as_view(), name="job_detail"),
    path("trash/", audit_api.TrashListApi.as_view(), name="trash_list"),
    path("trash/<str:kind>/<int:pk>/", audit_api.TrashItemApi.as_view(), name="trash_purge"),
    path(
        "customers/<int:pk>/personal-data/",
        audit_api.PersonalDataApi.as_view(),
        name="customer_personal_data",
    ),
    path("customers/<int:pk>/erase/", audit_api.EraseApi.as_view(), name="customer_erase"),
    path(
        "<str:kind>/<int:pk>/history/",
        audit_api.HistoryApi.as_view(),
        name="record_history",
    ),
    path(
        "<str:kind>/<int:pk>/history/revert/",
        audit_api.RevertApi.as_view(),
        name="record_revert",
    ),
    path("<str:kind>/<int:pk>/trash/", audit_api.TrashRecordApi.as_view(), name="record_trash"),
    path(
        "<str:kind>/<int:pk>/restore/",
        audit_api.RestoreRecordApi.as_view(),
        name="record_restore",
    ),
    path("olap/query", analytics_api.OlapQueryApi.as_view(), name="olap_query"),
    path(
        "customers/<int:pk>/recommendations/",
        recommend_api.CustomerRecommendationsApi.as_view(),
        name="customer_recommendations",
    ),
    path(
        "recommendations/refresh/",
        recommend_api.RecommendationsRefreshApi.as_view(),
        name="recommendations_refresh",
    ),
    path(
        "response/studies/",
        response_api.ResponseStudyCollectionApi.as_view(),
        name="response_study_list",
    ),
    path(
        "response/studies/<int:pk>/",
        response_api.ResponseStudyItemApi.as_view(),
        name="response_study_detail",
    ),
    path(
        "response/studies/<int:pk>/sample/",
        response_api.ResponseStudySampleApi.as_view(),
        name="response_study_sample",
    ),
    path(
        "response/studies/<int:pk>/explore/",
        response_api.ResponseStudyExploreApi.as_view(),
        name="response_study_explore",
    ),
    path(
        "response/studies/<int:pk>/modify/",
        response_api.ResponseStudyModifyApi.as_view(),
        name="response_study_modify",
    ),
    path(
        "response/studies/<int:pk>/models/",
        response_api.ResponseStudyModelsApi.as_view(),
        name="response_study_models",
    ),
    path(
        "response/models/<int:pk>/",
        response_api.ResponseModelItemApi.as_view(),
        name="response_model_detail",
    ),
    path(
        "response/models/<int:pk>/score/",
        response_api.ResponseModelScoreApi.as_view(),
        name="response_model_score",
    ),
    # Workflow automation: rules, run logs, dry runs, e-mail templates.
    path("automation/rules/", automation_api.RuleCollectionApi.as_view(), name="automation_rules"),
    path(
        "automation/rules/<int:pk>/",
        automation_api.RuleItemApi.as_view(),
        name="automation_rule_detail",
    ),
    path(
        "automation/rules/<int:pk>/runs/",
        automation_api.RuleRunsApi.as_view(),
        name="automation_rule_runs",
    ),
    path(
        "automation/rules/<int:pk>/test/",
        automation_api.RuleTestApi.as_view(),
        name="automation_rule_test",
    ),
    path(
        "automation/templates/",
        automation_api.EmailTemplateCollectionApi.as_view(),
        name="automation_templates",
    ),
    # Marketing: segments, campaigns, reviews, next best offer.
    path("segments/", marketing_api.SegmentCollectionApi.as_view(), name="segment_list"),
    path("segments/fields", marketing_api.SegmentFieldsApi.as_view(), name="segment_fields"),
    path("segments/count", marketing_api.SegmentCountApi.as_view(), name="segment_count"),
    path("segments/<int:pk>/", marketing_api.SegmentItemApi.as_view(), name="segment_detail"),
    path(
        "segments/<int:pk>/snapshot",
        marketing_api.SegmentSnapshotApi.as_view(),
        name="segment_snapshot",
    ),
    path("campaigns/", marketing_api.CampaignCollectionApi.as_view(), name="campaign_list"),
    path(
        "campaigns/review", marketing_api.CampaignReviewListApi.as_view(), name="campaign_reviews"
    ),
    path("campaigns/<int:pk>/", marketing_api.CampaignItemApi.as_view(), name="campaign_detail"),
    path(
        "campaigns/<int:pk>/status",
        marketing_api.CampaignStatusApi.as_view(),
        name="campaign_status",
    ),
    path(
        "campaigns/<int:pk>/review",
        marketing_api.CampaignReviewApi.as_view(),
        name="campaign_review",
    ),
    path(
        "customers/<int:pk>/next-best-offer",
        marketing_api.NextBestOfferApi.as_view(),
        name="customer_next_best_offer",
    ),
    *(
        path(
            f"webanalytics/reports/{slug}/",
            view.as_view(),
            name=f"webanalytics_report_{slug.replace('-', '_')}",
        )
        for slug, view in webanalytics_api.REPORT_APIS.items()
    ),
]
