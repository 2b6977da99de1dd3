"""Reads of accounts: API tokens."""

from __future__ import annotations

from dangol.accounts.errors import NotFoundError
from dangol.accounts.models import ApiToken, User
from dangol.accounts.services import api_token_hash
from dangol.core.prepared import PreparedQuery

# secrets.token_urlsafe(32) gives 43 characters; anything far longer is not a token and
# is not worth hashing.
MAX_TOKEN_LENGTH = 200


def api_token_authenticate(*, plaintext: str) -> ApiToken | None:
    """Return the active token whose text is ``plaintext`` (with its user), else ``None``.

    The lookup is by hash on a unique index, so comparing is not timing-sensitive: an
    attacker never sees the stored hashes to aim at.
    """
    if not plaintext or len(plaintext) > MAX_TOKEN_LENGTH:
        return None
    rows = _active_token_by_hash(api_token_hash(plaintext))
    return rows[0] if rows else None


# Every API request looks its token up: compiled once per connection (core/prepared.py).
# ``first()`` on the model's ordering, as before.
_active_token_by_hash = PreparedQuery(
    lambda key_hash: ApiToken.objects.select_related("user").filter(
        key_hash=key_hash, revoked_at__isnull=True
    )[:1]
)


def api_token_list(*, user: User, include_revoked: bool = False) -> list[ApiToken]:
    """Return the tokens of ``user``, newest first."""
    queryset = ApiToken.objects.filter(user=user)
    if not include_revoked:
        queryset = queryset.filter(revoked_at__isnull=True)
    return list(queryset.order_by("-created_at", "-id"))


def api_token_get(*, user: User | None, pk: int) -> ApiToken:
    """Return token ``pk`` of ``user`` (any user's when ``user`` is ``None``).

    :raises NotFoundError: no such token, or it belongs to someone else.
    """
    queryset = ApiToken.objects.select_related("user").filter(pk=pk)
    if user is not None:
        queryset = queryset.filter(user=user)
    token = queryset.first()
    if token is None:
        raise NotFoundError("No such API token")
    return token


def team_managers(*, team_ids) -> dict[int, list]:
    """Return the active managers of each team in ``team_ids`` (queue leads), by team id."""
    from dangol.accounts.roles import Role

    managers: dict[int, list] = {}
    users = User.objects.filter(
        team_id__in=set(team_ids), is_active=True, groups__name=Role.MANAGER.value
    ).order_by("id")
    for user in users.distinct():
        managers.setdefault(user.team_id, []).append(user)
    return managers
