from rest_framework.authtoken.models import Token

from mpp_portal.accounts.models import User


def token_issue(*, user: User, rotate: bool = False) -> str:
    """Return the API token of ``user``, creating it (or a new one) as needed."""
    if rotate:
        Token.objects.filter(user=user).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token.key
