"""Signed tokens carried by the links of a campaign message.

A token names one campaign member (and, for a click, the one URL the link leads to) and
is signed with the site's secret, so nobody can forge a link for another member or make
the click endpoint redirect anywhere the message did not link to (no open redirect).
Tokens do not expire: an unsubscribe link must keep working for as long as the message
sits in someone's mailbox (the law asks for that, and a dead link is a complaint).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

# One salt per purpose: a token minted for the pixel is useless as an unsubscribe token.
SALT_OPEN = "dangol.marketing.open"
SALT_CLICK = "dangol.marketing.click"
SALT_UNSUBSCRIBE = "dangol.marketing.unsubscribe"


class BadToken(Exception):
    """The token was not made by this site for this purpose (forged or damaged)."""


@dataclass(frozen=True)
class ClickTarget:
    member_id: int
    url: str


def _dumps(value, *, salt: str) -> str:
    return signing.dumps(value, salt=salt, compress=True)


def _loads(token: str, *, salt: str):
    try:
        return signing.loads(token, salt=salt)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken(str(exc)) from exc


def _member_id(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise BadToken("The token does not name a member")
    return value


def open_token(member_id: int) -> str:
    """Return the token of ``member_id``'s open-tracking pixel."""
    return _dumps(member_id, salt=SALT_OPEN)


def open_token_read(token: str) -> int:
    """Return the member id in an open token; raise ``BadToken`` if it is not ours."""
    return _member_id(_loads(token, salt=SALT_OPEN))


def click_token(member_id: int, url: str) -> str:
    """Return the token of a tracked link from ``member_id``'s message to ``url``."""
    return _dumps([member_id, url], salt=SALT_CLICK)


def click_token_read(token: str) -> ClickTarget:
    """Return the member and URL in a click token; raise ``BadToken`` if it is not ours."""
    value = _loads(token, salt=SALT_CLICK)
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], str):
        raise BadToken("The token does not name a link")
    return ClickTarget(member_id=_member_id(value[0]), url=value[1])


def unsubscribe_token(member_id: int) -> str:
    """Return the token of ``member_id``'s unsubscribe link."""
    return _dumps(member_id, salt=SALT_UNSUBSCRIBE)


def unsubscribe_token_read(token: str) -> int:
    """Return the member id in an unsubscribe token; raise ``BadToken`` if it is not ours."""
    return _member_id(_loads(token, salt=SALT_UNSUBSCRIBE))
