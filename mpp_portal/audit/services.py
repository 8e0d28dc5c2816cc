import ipaddress

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from mpp_portal.audit.models import AuditEntry

SYSTEM_LABEL = "sistem"
ANONYMOUS_LABEL = "anonim"


def client_ip(request):
    """Return the client's address, or None when it is not a valid IP.

    Without a trusted reverse proxy (``TRUSTED_PROXY_COUNT`` 0, the default)
    it is REMOTE_ADDR and X-Forwarded-For is ignored: anyone could forge it.
    Behind N proxies it is the X-Forwarded-For entry written by the
    outermost trusted one (the Nth from the right), the rule DRF's throttles
    follow with ``NUM_PROXIES``; the login lockout uses this function too.
    """
    if request is None:
        return None
    value = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        value = hops[-min(proxies, len(hops))]
    for candidate in (value, request.META.get("REMOTE_ADDR", "")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def _actor_fields(actor):
    if actor is None:
        return None, SYSTEM_LABEL
    if not actor.is_authenticated:
        return None, ANONYMOUS_LABEL
    return actor, actor.get_username()


def record(
    *,
    actor,
    action,
    obj,
    from_status="",
    to_status="",
    note="",
    changes=None,
    request=None,
):
    """Write one audit entry for ``obj`` and return it.

    Call it inside the transaction that changes ``obj``, so the entry and
    the change commit or roll back together. ``actor`` is a user, None for
    the system (Celery tasks) or an AnonymousUser for a citizen who is not
    signed in. Never put NIK or phone numbers in ``note`` or ``changes``.
    """
    if obj.pk is None:
        raise ValueError("Save the object before recording audit entries for it.")
    user, label = _actor_fields(actor)
    return AuditEntry.objects.create(
        actor=user,
        actor_label=label[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        from_status=str(from_status or ""),
        to_status=str(to_status or ""),
        note=note or "",
        changes=changes or {},
        ip_address=client_ip(request),
    )
