"""How API requests say who they are: a per-user bearer token, or the browser session."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from dangol.accounts.models import ApiToken, User
from dangol.accounts.security.lockout import client_address, login_failure_record, login_lock_find
from dangol.accounts.selectors import api_token_authenticate
from dangol.accounts.services import api_token_mark_used

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate ``Authorization: Bearer <token>`` with a per-user API token.

    ``request.auth`` is the ``ApiToken``; rate limits are counted per token.
    """

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: expected 'Bearer <token>'")
            )
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid API token")) from exc
        address = client_address(request)
        lock = login_lock_find(username="", address=address, api=True)
        if lock is not None:
            # A run of bad tokens from this address: refuse before looking tokens up.
            raise exceptions.Throttled(
                wait=lock.seconds_left, detail=_("Too many invalid API tokens from this address")
            )
        token = api_token_authenticate(plaintext=plaintext)
        if token is None:
            login_failure_record(username="", address=address, api=True)
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API token"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is deactivated"))
        api_token_mark_used(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{KEYWORD} realm="api"'
