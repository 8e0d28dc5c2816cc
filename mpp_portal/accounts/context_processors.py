"""Navigation for the page header, chosen by the signed-in user's role."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, roles that see it; None = everyone)
NAV_ITEMS = [
    ("home", _("Beranda"), None),
    ("admin:index", _("Administrasi"), {"hall_admin"}),
    ("api-docs", _("Dokumentasi API"), {"hall_admin", "agency_admin", "api_client"}),
]


def nav_items_for(user):
    role = getattr(user, "role", None) if user.is_authenticated else None
    if user.is_authenticated and user.is_superuser:
        role = "hall_admin"
    items = []
    for url_name, label, roles in NAV_ITEMS:
        if roles is not None and role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "name": url_name})
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_items": nav_items_for(user)}
