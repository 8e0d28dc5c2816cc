"""API token authentication with the token's user kept briefly in the cache.

A kiosk sends its token with every ticket and a display or an agency system
polls; reading the token and its user from the database on every request was
a measurable share of a ticket issue (issue 15). The user is cached for
``TOKEN_CACHE_SECONDS`` under a hash of the key (never the key itself).
Rotating a token, or any change to its user (switched off, another role or
hall), drops the entry at once (``forget_tokens``), so "the old token is
refused at once" stays true.
"""

import hashlib

from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

TOKEN_CACHE_SECONDS = 10


def _cache_key(key):
    return "token-user:" + hashlib.sha256(key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the token's user at most every few seconds."""

    def authenticate_credentials(self, key):
        cache_key = _cache_key(key)
        user = cache.get(cache_key)
        if user is not None:
            return user, key
        user, token = super().authenticate_credentials(key)
        cache.set(cache_key, user, TOKEN_CACHE_SECONDS)
        return user, token


def forget_tokens(user):
    """Drop the cached user of every token ``user`` holds (before it is revoked or changed)."""
    keys = list(Token.objects.filter(user=user).values_list("key", flat=True))
    if keys:
        cache.delete_many([_cache_key(key) for key in keys])


def forget_on_save(sender, instance, **kwargs):
    """post_save of User: a changed account is read again on its next request."""
    forget_tokens(instance)
