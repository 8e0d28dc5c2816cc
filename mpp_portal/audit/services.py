import ipaddress

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from mpp_portal.audit.models import AuditEntry

SYSTEM_LABEL = "sistem"
ANONYMOUS_LABEL = "anonim"


def client_ip(request):
    """Return the client's address, or None when it is not a valid IP.

    X-Forwarded-For is trusted only when ``AUDIT_TRUST_X_FORWARDED_FOR`` is
    on (behind a proxy that sets it); otherwise anyone could forge it.
    """
    if request is None:
        return None
    candidates = []
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        candidates.append(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for value in candidates:
        try:
            return str(ipaddress.ip_address(value))
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
