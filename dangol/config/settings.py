"""Django settings for Dangol, all driven by the environment (see ``env.py``)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from dangol.config.env import (
    data_dir,
    env_bool,
    env_int,
    env_list,
    env_mapping,
    env_str,
    env_str_or_empty,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()

DEBUG = env_bool("DEBUG", default=False)

# A random key per process is safe for development and tests (sessions do not survive a
# restart); production must set DANGOL_SECRET_KEY, which `check --deploy` verifies.
SECRET_KEY = env_str("DANGOL_SECRET_KEY") or "dev-insecure-" + secrets.token_urlsafe(40)

ALLOWED_HOSTS = env_list("DANGOL_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DANGOL_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dangol.core",
    "dangol.accounts",
    "dangol.customers",
    "dangol.catalog",
    "dangol.sales",
    "dangol.touchpoints",
    "dangol.analytics",
    "dangol.marketing",
    "dangol.service",
    "dangol.portal",
    "dangol.webanalytics",
    "dangol.automation",
    "dangol.integration",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dangol.accounts.security.csp.ContentSecurityPolicyMiddleware",
    "dangol.core.api.middleware.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dangol.portal.middleware.PortalBoundaryMiddleware",
    "dangol.accounts.security.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dangol.core.middleware.ServerTimingMiddleware",
]

ROOT_URLCONF = "dangol.config.urls"
WSGI_APPLICATION = "dangol.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangol.core.context_processors.navigation",
            ],
            # Constant {% url %} tags computed once, not per render (with {% translate %}:
            # dangol/core/template_cache.py; same output); fixed ``|date`` formats in Python.
            "builtins": [
                "dangol.core.templatetags.fast_url",
                "dangol.core.templatetags.fast_date",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'dangol.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets readers run beside the writer; NORMAL sync is durable across app crashes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-dangol.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parallel workers take ~50 ms to start on a small machine and the app's queries read
    # pages through indexes (a manager's customer search at 1M rows: 88 ms -> 10 ms).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c max_parallel_workers_per_gather=0"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Every login (staff, portal, admin) goes through the throttled backend (docs/security.md).
AUTHENTICATION_BACKENDS = ["dangol.accounts.security.backends.ThrottledModelBackend"]
DANGOL_LOGIN_THROTTLE = {
    "max_failures": env_int("DANGOL_LOGIN_MAX_FAILURES", 5),
    "max_failures_per_address": env_int("DANGOL_LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
    "window": env_int("DANGOL_LOGIN_WINDOW_SECONDS", 15 * 60),
    "lock": env_int("DANGOL_LOGIN_LOCK_SECONDS", 15 * 60),
    "max_lock": env_int("DANGOL_LOGIN_MAX_LOCK_SECONDS", 24 * 60 * 60),
}
# Staff roles that must use two-factor login (empty: optional for everyone).
DANGOL_2FA_REQUIRED_ROLES = env_list("DANGOL_2FA_REQUIRED_ROLES", [])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_str("DANGOL_LANGUAGE", "ko")
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DANGOL_TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start when it is missing
# The demo and tests serve static files straight from the apps (no collectstatic step).
# Production runs `dangol collectstatic` and sets DANGOL_STATIC_COLLECTED=1: WhiteNoise then
# serves the collected files, gzip/brotli-compressed, under content-hashed names with
# far-future cache headers (docs/operations.md, "Production server").
STATIC_COLLECTED = env_bool("DANGOL_STATIC_COLLECTED", default=False) and not DEBUG
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
if STATIC_COLLECTED:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Django's database sessions, the row read with prepared SQL (dangol/core/sessions.py).
SESSION_ENGINE = "dangol.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DANGOL_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy with per-request nonces (accounts/security/csp.py), on everywhere
# so development and the browser tests see what production sees.
DANGOL_CSP = env_bool("DANGOL_CSP", default=True)
DANGOL_CSP_REPORT_ONLY = env_bool("DANGOL_CSP_REPORT_ONLY", default=False)

# Production (docs/operations.md): DANGOL_PRODUCTION=1 turns on HTTPS-only cookies, HSTS
# and the redirect to HTTPS; `dangol check --deploy` is clean with it (a test checks).
DANGOL_PRODUCTION = env_bool("DANGOL_PRODUCTION", default=False)
SILENCED_SYSTEM_CHECKS: list[str] = []
if DANGOL_PRODUCTION:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_AGE = env_int("DANGOL_SESSION_SECONDS", 12 * 60 * 60)
    SECURE_HSTS_SECONDS = env_int("DANGOL_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DANGOL_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DANGOL_HSTS_PRELOAD", default=True)
    SECURE_SSL_REDIRECT = env_bool("DANGOL_SSL_REDIRECT", default=True)
    if env_bool("DANGOL_BEHIND_PROXY", default=False):
        # The proxy terminates TLS and says so; trust it only when it strips the header
        # from clients (docs/operations.md).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_SSL_REDIRECT:
        # The proxy in front redirects plain HTTP itself (DANGOL_SSL_REDIRECT=0 says so).
        SILENCED_SYSTEM_CHECKS.append("security.W008")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")  # preload is an opt-in choice

# Business settings (read by app code at call time through django.conf.settings).
DANGOL_CURRENCY = env_str("DANGOL_CURRENCY", "KRW")
DANGOL_PAGE_SIZE = env_int("DANGOL_PAGE_SIZE", 25)

# REST API under /api/v1/ (dangol/core/api, docs/api.md): JSON in and out, problem+json
# errors, per-user bearer tokens or the browser session, rates per token/user/address.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dangol.core.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["dangol.core.api.permissions.HasRole"],
    "DEFAULT_THROTTLE_CLASSES": ["dangol.core.api.throttles.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "dangol.core.api.schema.DangolAutoSchema",
    "EXCEPTION_HANDLER": "dangol.core.api.exceptions.problem_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
DANGOL_API_RATES = {
    "token": env_str("DANGOL_API_RATE_TOKEN", "600/minute"),
    "user": env_str("DANGOL_API_RATE_USER", "600/minute"),
    "anon": env_str("DANGOL_API_RATE_ANON", "60/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dangol API",
    "DESCRIPTION": "The Dangol CRM REST API. See docs/api.md for tokens, cursors and errors.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "dangol.customers.choices.LifecycleStatus",
        "OrderStatusEnum": "dangol.sales.choices.OrderStatus",
        "SalesChannelEnum": "dangol.sales.choices.SalesChannel",
        "InteractionChannelEnum": "dangol.touchpoints.choices.InteractionChannel",
        "ConsentChannelEnum": "dangol.customers.choices.ConsentChannel",
        "AcquisitionChannelEnum": "dangol.customers.choices.AcquisitionChannel",
        "RegionEnum": "dangol.customers.choices.Region",
        "CustomerKindEnum": "dangol.customers.choices.CustomerKind",
        "TicketChannelEnum": "dangol.service.choices.TicketChannel",
        "TicketKindEnum": "dangol.service.choices.TicketKind",
        "TicketStatusEnum": "dangol.service.choices.TicketStatus",
        "TicketPriorityEnum": "dangol.service.choices.TicketPriority",
        "TicketMessageKindEnum": "dangol.service.choices.MessageKind",
        "TicketMessageInputKindEnum": "dangol.service.choices.WRITABLE_MESSAGE_KINDS",
        "LeadStatusEnum": "dangol.sales.choices.LeadStatus",
        "LeadSourceEnum": "dangol.sales.choices.LeadSource",
        "OpportunityChannelEnum": "dangol.sales.choices.OpportunityChannel",
        "LossReasonEnum": "dangol.sales.choices.LossReason",
    },
}

# Background work (django-tasks; docs/webhooks.md): "database" runs with `dangol worker`,
# "redis" with the same command against DANGOL_REDIS_URL, "immediate" runs tasks inline.
DANGOL_TASK_BACKEND = env_str("DANGOL_TASK_BACKEND", "database")
_TASK_BACKENDS = {
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "redis": {
        "BACKEND": "dangol.core.tasks_redis.RedisBackend",
        "OPTIONS": {"url": env_str("DANGOL_REDIS_URL", "redis://127.0.0.1:6379/0")},
    },
}
TASKS = {"default": _TASK_BACKENDS[DANGOL_TASK_BACKEND]}
# Run by `dangol worker` at start and every --sweep-interval: re-enqueue work that is due.
DANGOL_WORKER_SWEEPS = [
    "dangol.integration.webhooks.services.webhook_retry_due",
    "dangol.service.services.ticket_escalate_due",
    "dangol.service.mailbox.mailbox_fetch_configured",
    "dangol.sales.work_services.task_reminders_send",
]
# Webhooks: refuse loopback/private/link-local targets unless allowed (SSRF guard).
DANGOL_WEBHOOK_ALLOW_PRIVATE = env_bool("DANGOL_WEBHOOK_ALLOW_PRIVATE", default=False)
DANGOL_WEBHOOK_MAX_ATTEMPTS = env_int("DANGOL_WEBHOOK_MAX_ATTEMPTS", 6)
DANGOL_WEBHOOK_TIMEOUT = env_int("DANGOL_WEBHOOK_TIMEOUT", 5)
# Scorers run after each warehouse refresh, in order, once RFM and tiers are written back.
# Each is a dotted path to ``fn(*, as_of: date, progress: JobProgress | None) -> int``
# (customers scored); the predictive models (CLV, churn, recommendations) add theirs here.
DANGOL_SCORERS_AFTER_REFRESH: list[str] = []
# Customer service: the address replies and surveys come from (and customers write to),
# and the site's public address for links in emails.
DANGOL_SERVICE_FROM_EMAIL = env_str("DANGOL_SERVICE_FROM_EMAIL", "support@dangol.local")
DANGOL_SITE_URL = env_str("DANGOL_SITE_URL", "http://127.0.0.1:8000")
# The support mailbox the worker fetches: imap[s]://user:password@host:port/FOLDER (empty: off).
DANGOL_SERVICE_IMAP_URL = env_str("DANGOL_SERVICE_IMAP_URL", "")
# Nightly warehouse refresh (then the scorers above), "HH:MM" local time; empty disables.
# `dangol worker`'s sweep enqueues it once a day (docs/analytics.md, "Refresh schedule").
DANGOL_WAREHOUSE_REFRESH_AT = env_str_or_empty("DANGOL_WAREHOUSE_REFRESH_AT", "02:30")
DANGOL_WORKER_SWEEPS.append("dangol.analytics.pipeline.warehouse_refresh_sweep")
# Erasures the warehouse missed (it was busy when the erasure task ran): see docs/privacy.md.
DANGOL_WORKER_SWEEPS.append("dangol.analytics.warehouse.services.warehouse_erasures_due")
# Web analytics (docs/webanalytics.md): /collect limits, the proxies whose X-Forwarded-For
# is believed, whether headless browsers count as people; the worker's sweep ingests.
DANGOL_WEBANALYTICS = {
    "max_body_bytes": env_int("DANGOL_WEBANALYTICS_MAX_BODY", 64 * 1024),
    "max_events": env_int("DANGOL_WEBANALYTICS_MAX_EVENTS", 100),
    "trusted_proxies": env_list("DANGOL_TRUSTED_PROXIES", []),
    "allow_headless": env_bool("DANGOL_WEBANALYTICS_ALLOW_HEADLESS", default=False),
}
DANGOL_WEBANALYTICS_TEST_PAGES = env_bool("DANGOL_WEBANALYTICS_TEST_PAGES", default=False)
DANGOL_WORKER_SWEEPS.append("dangol.webanalytics.ingest.webanalytics_ingest_sweep")
# Reminders (docs/home.md): the worker's sweep queues `reminders_run_task` at most every
# DANGOL_REMINDERS_EVERY_MINUTES; follow-ups for deals closing within N days, deals with no
# change for N days, leads still new after N days; SLA warnings N minutes ahead.
DANGOL_REMINDERS_EVERY_MINUTES = env_int("DANGOL_REMINDERS_EVERY_MINUTES", 5)
DANGOL_REMINDERS = {
    "closing_days": env_int("DANGOL_REMINDERS_CLOSING_DAYS", 7),
    "stale_days": env_int("DANGOL_REMINDERS_STALE_DAYS", 14),
    "lead_days": env_int("DANGOL_REMINDERS_LEAD_DAYS", 2),
    "sla_warning_minutes": env_int("DANGOL_REMINDERS_SLA_WARNING_MINUTES", 60),
    "sla_breach_lookback_days": env_int("DANGOL_REMINDERS_SLA_LOOKBACK_DAYS", 7),
}
DANGOL_WORKER_SWEEPS.append("dangol.accounts.reminders.reminders_sweep")

# Predictive models (issue 5, docs/analytics.md): CLV horizon and yearly discount rate, the
# CLV validation holdout, and churn = no purchase in DANGOL_CHURN_DAYS after a cutoff.
DANGOL_PREDICTIVE = {
    "clv_horizon_weeks": env_int("DANGOL_CLV_HORIZON_WEEKS", 52),
    "clv_discount_rate": float(env_str("DANGOL_CLV_DISCOUNT_RATE", "0.10")),
    "clv_holdout_weeks": env_int("DANGOL_CLV_HOLDOUT_WEEKS", 26),
    "churn_days": env_int("DANGOL_CHURN_DAYS", 180),
    "churn_top_share": float(env_str("DANGOL_CHURN_TOP_SHARE", "0.10")),
    "threads": env_int("DANGOL_MODEL_THREADS", 1),
}
DANGOL_SCORERS_AFTER_REFRESH += [
    "dangol.analytics.clv.services.clv_scorer",
    "dangol.analytics.churn.services.churn_scorer",
]
DANGOL_SCORERS_AFTER_REFRESH.append(
    "dangol.analytics.recommend.services.recommendations_score_after_refresh"
)
# Workflow automation (docs/automation.md): rules on score thresholds are checked after the
# scorers above; the worker's sweep runs date, score and schedule rules.
DANGOL_SCORERS_AFTER_REFRESH.append("dangol.automation.engine.score_rules_after_refresh")
DANGOL_WORKER_SWEEPS.append("dangol.automation.engine.automation_sweep")
# A chain of rules firing rules is stopped at this many firings.
DANGOL_AUTOMATION_MAX_DEPTH = env_int("DANGOL_AUTOMATION_MAX_DEPTH", 5)
# Date and score rules are re-checked by the worker at most this often.
DANGOL_AUTOMATION_SWEEP_MINUTES = env_int("DANGOL_AUTOMATION_SWEEP_MINUTES", 60)
# Recommendations (cross-sell, up-sell): see dangol/analytics/recommend/services.py DEFAULTS.
DANGOL_RECOMMEND: dict = {}
# Cost to serve per interaction channel in the currency, e.g. "phone=3000,email=300,chat=1000".
# Unset: the defaults in dangol/analytics/profitability.py; set: exactly these channels.
DANGOL_COST_PER_INTERACTION = env_mapping("DANGOL_COST_PER_INTERACTION")
# Campaign response models: where a past campaign's contacts and responses come from.
DANGOL_RESPONSE_CAMPAIGN_SOURCE = (
    "dangol.marketing.campaigns.selectors.campaign_contacts_for_response_model"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DANGOL_LOG_LEVEL", "WARNING")},
}

# E-mail (campaign execution, docs/marketing.md): Django's SMTP backend in production.
EMAIL_BACKEND = env_str("DANGOL_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("DANGOL_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DANGOL_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DANGOL_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("DANGOL_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("DANGOL_EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("DANGOL_EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("DANGOL_EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DANGOL_EMAIL_FROM", "Dangol <noreply@localhost>")
# Campaign mail: its sender (else DEFAULT_FROM_EMAIL), messages per second, the domain of
# the deterministic Message-IDs, and an optional ``fn(message_ids) -> set`` that asks the
# mail provider which of them it accepted (settles sends a crash left in doubt).
DANGOL_MARKETING_FROM_EMAIL = env_str("DANGOL_MARKETING_FROM_EMAIL")
DANGOL_MARKETING_EMAIL_RATE = float(env_str("DANGOL_MARKETING_EMAIL_RATE", "10"))
DANGOL_EMAIL_MESSAGE_ID_DOMAIN = env_str("DANGOL_EMAIL_MESSAGE_ID_DOMAIN")
DANGOL_MARKETING_SENT_LOOKUP = env_str("DANGOL_MARKETING_SENT_LOOKUP")
# The free opt-out line Korean law wants at the end of advertising texts (SMS exports).
DANGOL_MARKETING_SMS_OPT_OUT = env_str("DANGOL_MARKETING_SMS_OPT_OUT")
# The address customers reach this site at: links in e-mails (tracking, unsubscribe).
DANGOL_PUBLIC_URL = env_str("DANGOL_PUBLIC_URL", "http://localhost:8000")
# Campaign conversions are recounted by the worker while attribution windows are open.
DANGOL_WORKER_SWEEPS += [
    "dangol.marketing.execution.attribution.campaign_conversions_attribute_due"
]
# Scheduled campaigns are launched (members built, control held out) when their time comes.
DANGOL_WORKER_SWEEPS += ["dangol.marketing.campaigns.services.campaign_launch_due"]
