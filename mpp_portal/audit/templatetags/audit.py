from django import template
from django.core.exceptions import FieldDoesNotExist

from mpp_portal.audit.selectors import history_for

register = template.Library()


def _status_labels(obj):
    """Return {code: label} from the choices of ``obj``'s status field.

    The field is ``obj.AUDIT_STATUS_FIELD`` if the model names one, else
    ``status``. Entries store codes ("submitted"); people read labels.
    """
    name = getattr(obj, "AUDIT_STATUS_FIELD", "status")
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return {}
    return {str(code): label for code, label in (field.flatchoices or [])}


@register.inclusion_tag("audit/_history.html")
def audit_history(obj, limit=50):
    """Render ``obj``'s audit trail: ``{% load audit %}{% audit_history obj %}``."""
    labels = _status_labels(obj)
    entries = list(history_for(obj, limit=limit))
    for entry in entries:
        entry.from_status_label = labels.get(entry.from_status, entry.from_status)
        entry.to_status_label = labels.get(entry.to_status, entry.to_status)
    return {"entries": entries, "object": obj}
