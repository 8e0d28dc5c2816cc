from django.core.management.base import BaseCommand, CommandError

from mpp_portal.accounts.models import User
from mpp_portal.accounts.services import token_issue


class Command(BaseCommand):
    help = (
        "Print an API token for USERNAME (kiosk devices, agency systems). "
        "The token stands alone on the last line; send it as "
        "'Authorization: Token <token>'."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Revoke the old token and issue a new one."
        )

    def handle(self, *args, username, rotate, **options):
        try:
            user = User.objects.select_related("agency").get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"User {username!r} is not active.")
        key = token_issue(user=user, rotate=rotate)
        scope = f" of {user.agency}" if user.agency_id else ""
        self.stderr.write(f"API token for {username} ({user.get_role_display()}{scope}):")
        self.stdout.write(key)
