"""Audit trail: one ``record()`` call for every state change.

Imported while Django loads its apps, so the functions below import the
models only when called.
"""


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
    """Write one AuditEntry for ``obj`` (see ``services.record``)."""
    from mpp_portal.audit.services import record as _record

    return _record(
        actor=actor,
        action=action,
        obj=obj,
        from_status=from_status,
        to_status=to_status,
        note=note,
        changes=changes,
        request=request,
    )


def history_for(obj, *, limit=None):
    """Return ``obj``'s audit entries, newest first (see ``selectors.history_for``)."""
    from mpp_portal.audit.selectors import history_for as _history_for

    return _history_for(obj, limit=limit)


__all__ = ["history_for", "record"]
