from django.db import transaction
from rest_framework.authtoken.models import Token

from mpp_portal.accounts.authentication import forget_tokens
from mpp_portal.accounts.models import User
from mpp_portal.audit import record


def token_issue(*, user: User, rotate: bool = False, by: User | None = None, request=None) -> str:
    """Return the API token of ``user``, creating it (or a new one) as needed.

    ``rotate`` revokes the old token (a kiosk stolen or its token leaked)
    and issues a new one in the same transaction, with an audit entry that
    names who rotated it (``by``; None from ``manage.py issue_token``) and
    never the token itself.
    """
    with transaction.atomic():
        if rotate:
            forget_tokens(user)
            revoked = Token.objects.filter(user=user).delete()[0]
        token, _created = Token.objects.get_or_create(user=user)
        if rotate:
            record(
                actor=by,
                action="accounts.token_rotate",
                obj=user,
                note="old token revoked, new token issued" if revoked else "new token issued",
                request=request,
            )
    return token.key
