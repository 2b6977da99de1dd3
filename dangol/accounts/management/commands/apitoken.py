"""``dangol apitoken create|revoke|list``: manage per-user API tokens from the shell."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangol.accounts.errors import NotFoundError, ValidationError
from dangol.accounts.models import User
from dangol.accounts.selectors import api_token_get, api_token_list
from dangol.accounts.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, revoke or list per-user API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the token is for.")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("token_id", type=int)
        listing = sub.add_parser("list", help="List tokens (of one user, or everyone's).")
        listing.add_argument("username", nargs="?")
        listing.add_argument("--all", action="store_true", help="Include revoked tokens.")

    def handle(self, *args, action: str, **options) -> None:
        try:
            if action == "create":
                self._create(options["username"], options["name"])
            elif action == "revoke":
                token = api_token_revoke(token=api_token_get(user=None, pk=options["token_id"]))
                self.stdout.write(f"Revoked token {token.pk} ({token.prefix}…) of {token.user}")
            else:
                self._list(options.get("username"), include_revoked=options["all"])
        except (NotFoundError, ValidationError) as exc:
            raise CommandError(exc.message) from exc

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}")
        return user

    def _create(self, username: str, name: str) -> None:
        token, plaintext = api_token_create(user=self._user(username), name=name)
        self.stdout.write(f"Created token {token.pk} for {username}. It is shown only once:")
        self.stdout.write(plaintext)

    def _list(self, username: str | None, *, include_revoked: bool) -> None:
        users = [self._user(username)] if username else list(User.objects.order_by("username"))
        for user in users:
            for token in api_token_list(user=user, include_revoked=include_revoked):
                revoked = f" revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else ""
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk}\t{user.username}\t{token.prefix}…\t{token.name}\t"
                    f"used {used}{revoked}"
                )
