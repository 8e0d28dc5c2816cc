from django import template

from mpp_portal.audit.selectors import history_for

register = template.Library()


@register.inclusion_tag("audit/_history.html")
def audit_history(obj, limit=50):
    """Render ``obj``'s audit trail: ``{% load audit %}{% audit_history obj %}``."""
    return {"entries": list(history_for(obj, limit=limit)), "object": obj}
