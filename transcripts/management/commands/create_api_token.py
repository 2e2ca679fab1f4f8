"""Create a personal access token for a user and print it (only the token, for scripts).

python manage.py create_api_token alice --name ci --style schema
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from transcripts.models import ApiToken
from transcripts.services.api_tokens import TokenError, create_token


class Command(BaseCommand):
    help = "Create an API token for USERNAME for the /v1/stt/* endpoints and print it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What will use the token.")
        parser.add_argument(
            "--style",
            choices=ApiToken.StatusStyle.values,
            default=ApiToken.StatusStyle.LEGACY,
            help="Pending statuses: legacy = waiting/active (vendor example scripts), "
            "schema = queued/generating (vendor schema).",
        )

    def handle(self, *args, username: str, name: str, style: str, **options) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive.")
        try:
            _token, secret = create_token(user=user, name=name, status_style=style)
        except TokenError as error:
            raise CommandError(error.message) from None
        self.stdout.write(secret)
