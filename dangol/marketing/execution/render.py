"""One campaign message personalised for one member, in Korean or English.

The campaign's subject and body are Django template text written by a marketer. They
see only plain values (never model objects, whose attributes would reach other data):

- ``name``: the customer's name as stored (Korean names family name first, 김민수;
  others as written), ``greeting``: the salutation in the message's language
  ("김민수 고객님", "Dear Jane Smith");
- ``tier`` (the customer tier of ``personalisation.py``: General .. Premium, in the
  message's language), ``tier_code`` (general .. premium), ``benefits`` (the tier's
  benefits) and ``value_tier`` (the Pareto value tier's label: Top 20% ..);
- ``offer``, ``campaign``;
- ``recommendations``: product names from ``dangol.analytics.recommend`` when that
  module exists (asked only when the template mentions them), else an empty list;
- ``unsubscribe_url``.

Every ``href="http..."`` in the rendered body is replaced by a tracked link whose signed
token carries the original URL; the click endpoint redirects only there. The layout
(``marketing/email/campaign.html`` and ``.txt``) adds the open pixel and the
unsubscribe footer.
"""

from __future__ import annotations

import html
import importlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail.utils import DNS_NAME
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from dangol.customers.choices import ValueTier
from dangol.marketing.execution import tokens

LANGUAGES = ("ko", "en")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_HREF = re.compile(r"""href\s*=\s*(["'])(https?://[^"']+)\1""", re.IGNORECASE)
_ANCHOR = re.compile(r"""<a\s[^>]*href\s*=\s*(["'])([^"']+)\1[^>]*>(.*?)</a>""", re.I | re.S)
RECOMMENDATION_LIMIT = 3


class TemplateError(ValueError):
    """The campaign's subject or body is not valid template text."""


@dataclass(frozen=True)
class Recipient:
    """What personalisation needs of one member (plain values, read in bulk)."""

    member_id: int
    campaign_id: int
    customer_id: int
    name: str
    email: str = ""
    phone: str = ""
    language: str = ""
    tier_code: str = ""
    status: str = ""
    address: str = ""
    postal_code: str = ""


@dataclass
class RenderedMessage:
    """A message for one recipient: what to send and the links it carries."""

    language: str
    subject: str
    text: str
    html: str
    message_id: str
    unsubscribe_url: str
    links: list[str] = field(default_factory=list)


def public_url(path: str) -> str:
    """Return the absolute URL of ``path`` on the public site (links in messages)."""
    return settings.DANGOL_PUBLIC_URL.rstrip("/") + path


def message_id_for(*, campaign_id: int, member_id: int) -> str:
    """Return the deterministic Message-ID of a member's campaign e-mail.

    The same member always gets the same id, so after a crash a provider's log (or the
    receiving server) can tell whether the one message in doubt went out.
    """
    domain = getattr(settings, "DANGOL_EMAIL_MESSAGE_ID_DOMAIN", "") or str(DNS_NAME)
    return f"<dangol.c{campaign_id}.m{member_id}@{domain}>"


def greeting_for(name: str, language: str) -> str:
    """Return the salutation for ``name`` in ``language``.

    Korean salutations follow the name with 고객님 ("김민수 고객님"); English ones put
    "Dear" before the name as the customer wrote it (a Korean name stays family name
    first, as Koreans write it in Latin letters too when given in Hangul).
    """
    name = " ".join(name.split())
    if language == "ko":
        return f"{name} 고객님" if name else "고객님"
    return f"Dear {name}" if name else "Dear customer"


def language_for(*, customer_language: str, campaign) -> str:
    """Pick the message language: the customer's if known, else the campaign's default.

    The campaign's default is its ``language`` field when it has one, else the language
    it has text for (Korean first, the site's default), else the site's language. A
    language without a subject and body in the campaign falls back to the other one.
    """
    chosen = customer_language if customer_language in LANGUAGES else ""
    if not chosen:
        default = getattr(campaign, "language", "") or ""
        if default in LANGUAGES:
            chosen = default
        elif campaign.body_ko.strip() and not campaign.body_en.strip():
            chosen = "ko"
        elif campaign.body_en.strip() and not campaign.body_ko.strip():
            chosen = "en"
        else:
            site = (settings.LANGUAGE_CODE or "ko")[:2]
            chosen = site if site in LANGUAGES else "ko"
    if not _has_text(campaign, chosen):
        other = "en" if chosen == "ko" else "ko"
        if _has_text(campaign, other):
            return other
    return chosen


def _has_text(campaign, language: str) -> bool:
    return bool(getattr(campaign, f"body_{language}", "").strip())


def recipient_language(custom_fields: dict[str, Any] | None) -> str:
    """Return the language a customer record says they read (``custom_fields``), or ''."""
    value = str((custom_fields or {}).get("language", "")).strip().lower()[:2]
    return value if value in LANGUAGES else ""


def tier_label(tier_code: str, language: str) -> str:
    """Return the value tier's label in ``language`` ('' when the tier is unknown)."""
    if tier_code not in ValueTier.values or not tier_code:
        return ""
    with translation.override(language):
        return str(ValueTier(tier_code).label)


def customer_tier_context(*, status: str, value_tier: str, language: str) -> dict[str, Any]:
    """Return the customer's tier (general .. premium), its label and benefits."""
    try:
        from dangol.marketing import personalisation
    except ImportError:  # personalisation not installed: fall back to the value tier
        return {
            "tier_code": value_tier,
            "tier": tier_label(value_tier, language),
            "benefits": [],
        }
    tier = personalisation.customer_tier(status=status, value_tier=value_tier)
    with translation.override(language):
        return {
            "tier_code": tier,
            "tier": str(personalisation.TIER_LABELS.get(tier, tier)),
            "benefits": personalisation.tier_benefits(tier),
        }


@lru_cache(maxsize=64)
def _compiled(text: str) -> Template:
    try:
        return Template(text)
    except TemplateSyntaxError as exc:
        raise TemplateError(str(exc)) from exc


def template_check(text: str) -> None:
    """Raise ``TemplateError`` if ``text`` is not valid template text."""
    _compiled(text)


RECOMMENDER_MODULES = ("dangol.analytics.recommend.selectors", "dangol.analytics.recommend")


def recommendations_for(customer_id: int, *, limit: int = RECOMMENDATION_LIMIT) -> list[str]:
    """Return up to ``limit`` recommended product names, or [] without a recommender.

    Imported lazily: the recommender is another issue's module and may be absent.
    """
    selector = None
    for path in RECOMMENDER_MODULES:
        try:
            module = importlib.import_module(path)
        except ImportError:
            continue
        selector = getattr(module, "recommendations_for_customer", None)
        if selector is not None:
            break
    if selector is None:
        return []
    names = []
    for item in selector(customer_id=customer_id, limit=limit) or []:
        name = _item_name(item)
        if name:
            names.append(name)
    return names[:limit]


def _item_name(item: Any) -> str:
    for key in ("name", "product_name", "title"):
        value = item.get(key) if isinstance(item, dict) else getattr(item, key, None)
        if value:
            return str(value)
    product = item.get("product") if isinstance(item, dict) else getattr(item, "product", None)
    if product is not None and product is not item:
        return _item_name(product)
    return ""


def personal_context(recipient: Recipient, *, campaign, language: str) -> dict[str, Any]:
    """Return the plain values a campaign template may use for ``recipient``."""
    uses_recommendations = "recommendations" in (
        getattr(campaign, f"body_{language}", "") + getattr(campaign, f"subject_{language}", "")
    )
    unsubscribe = public_url(
        reverse(
            "marketing:unsubscribe",
            kwargs={"token": tokens.unsubscribe_token(recipient.member_id)},
        )
    )
    return {
        "name": recipient.name,
        "greeting": greeting_for(recipient.name, language),
        **customer_tier_context(
            status=recipient.status, value_tier=recipient.tier_code, language=language
        ),
        "value_tier": tier_label(recipient.tier_code, language),
        "offer": campaign.offer,
        "campaign": campaign.name,
        "recommendations": (
            recommendations_for(recipient.customer_id) if uses_recommendations else []
        ),
        "unsubscribe_url": unsubscribe,
    }


def render_text(text: str, context: dict[str, Any], *, language: str, autoescape: bool) -> str:
    """Render marketer-written template ``text`` with ``context`` in ``language``."""
    with translation.override(language):
        return _compiled(text).render(Context(context, autoescape=autoescape))


def _track_links(body_html: str, member_id: int) -> tuple[str, list[str]]:
    links: list[str] = []

    def swap(match: re.Match) -> str:
        quote, url = match.group(1), html.unescape(match.group(2))
        links.append(url)
        tracked = public_url(
            reverse("marketing:click", kwargs={"token": tokens.click_token(member_id, url)})
        )
        return f"href={quote}{html.escape(tracked)}{quote}"

    return _HREF.sub(swap, body_html), links


def _html_to_text(body_html: str) -> str:
    """Return a plain-text version: each link's label followed by its (tracked) URL."""
    with_urls = _ANCHOR.sub(lambda m: f"{m.group(3)} ({html.unescape(m.group(2))})", body_html)
    with_breaks = re.sub(r"<br\s*/?>|</p>", "\n", with_urls, flags=re.I)
    lines = [" ".join(line.split()) for line in html.unescape(strip_tags(with_breaks)).split("\n")]
    return "\n".join(lines).strip()


def email_render(recipient: Recipient, *, campaign) -> RenderedMessage:
    """Return the e-mail for ``recipient`` in their language, with tracked links."""
    language = language_for(customer_language=recipient.language, campaign=campaign)
    context = personal_context(recipient, campaign=campaign, language=language)
    subject_text = getattr(campaign, f"subject_{language}") or campaign.name
    subject = " ".join(
        render_text(subject_text, context, language=language, autoescape=False).split()
    )
    body = render_text(
        getattr(campaign, f"body_{language}"), context, language=language, autoescape=True
    )
    if "<" not in body:
        # Plain text from the marketer: keep their line breaks in the HTML part.
        body = "<p>" + "<br>".join(body.strip().splitlines()) + "</p>"
    body_html, links = _track_links(body, recipient.member_id)
    pixel = public_url(
        reverse("marketing:open", kwargs={"token": tokens.open_token(recipient.member_id)})
    )
    layout = {
        "body": body_html,
        "text": _html_to_text(body_html),
        "pixel_url": pixel,
        "unsubscribe_url": context["unsubscribe_url"],
        "campaign": campaign.name,
        "language": language,
    }
    with translation.override(language):
        html_part = render_to_string("marketing/email/campaign.html", layout)
        text_part = render_to_string("marketing/email/campaign.txt", layout)
    return RenderedMessage(
        language=language,
        subject=subject,
        text=text_part,
        html=html_part,
        message_id=message_id_for(campaign_id=recipient.campaign_id, member_id=recipient.member_id),
        unsubscribe_url=context["unsubscribe_url"],
        links=links,
    )


def short_message_render(recipient: Recipient, *, campaign) -> tuple[str, str]:
    """Return (language, text) of an SMS or a letter: the body rendered as plain text."""
    language = language_for(customer_language=recipient.language, campaign=campaign)
    context = personal_context(recipient, campaign=campaign, language=language)
    text = render_text(
        getattr(campaign, f"body_{language}"), context, language=language, autoescape=False
    )
    return language, "\n".join(line.rstrip() for line in text.strip().splitlines())


def has_hangul(text: str) -> bool:
    """Return whether ``text`` contains Hangul syllables."""
    return bool(_HANGUL.search(text))
