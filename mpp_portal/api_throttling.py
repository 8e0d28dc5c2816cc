"""One throttle whose rate depends on who is calling.

Anonymous callers share the ``anon`` rate per address; kiosk devices and
staff get the generous ``trusted`` rate so that a busy hall never sees
429 at the kiosk; every other account gets ``user``.
"""

from rest_framework.throttling import SimpleRateThrottle

from mpp_portal.accounts.permissions import can


class RoleRateThrottle(SimpleRateThrottle):
    def __init__(self):
        # The scope is known only per request (allow_request).
        pass

    def get_scope(self, request):
        user = request.user
        if not (user and user.is_authenticated):
            return "anon"
        if can(user, "api.trusted_rate"):
            return "trusted"
        return "user"

    def allow_request(self, request, view):
        self.scope = self.get_scope(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
