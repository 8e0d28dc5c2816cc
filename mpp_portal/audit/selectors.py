from mpp_portal.audit.models import AuditEntry


def history_for(obj, *, limit=None):
    """Return ``obj``'s audit entries, newest first, with their actors."""
    entries = (
        AuditEntry.objects.for_object(obj).select_related("actor").order_by("-created_at", "-id")
    )
    if limit is not None:
        entries = entries[:limit]
    return entries
