"""Navigation for the page header, chosen by the signed-in user's role."""

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

ANONYMOUS = "anonymous"
STAFF_ROLES = {"counter_staff", "agency_admin", "sipabes_officer", "hall_admin", "signatory"}

# (url name, label, roles that see it; None = everyone, signed in or not).
# Pages that another app has not built yet are skipped by the NoReverseMatch
# guard in nav_items_for(), so an app adds its page here before it exists.
NAV_ITEMS = [
    ("home", _("Beranda"), None),
    ("services:catalogue", _("Layanan"), None),
    ("services:ticket_track", _("Lacak antrean"), {ANONYMOUS, "citizen"}),
    ("complaints:create", _("Pengaduan"), {ANONYMOUS, "citizen"}),
    ("services:console", _("Konsol loket"), {"counter_staff", "agency_admin", "hall_admin"}),
    ("services:agency_services", _("Layanan instansi"), {"agency_admin"}),
    ("complaints:inbox", _("Pengaduan masuk"), {"agency_admin", "hall_admin"}),
    ("sipabes:home", _("SIPABES"), {"sipabes_officer", "hall_admin"}),
    ("forums:list", _("Forum konsultasi"), {"hall_admin", "signatory"}),
    ("agreements:list", _("Perjanjian kerja sama"), {"hall_admin", "agency_admin"}),
    ("admin:index", _("Administrasi"), {"hall_admin"}),
    ("api-docs", _("Dokumentasi API"), {"hall_admin", "agency_admin", "api_client"}),
]


def role_of(user):
    """Return the role navigation is chosen by; a superuser counts as hall admin."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    if user.is_superuser:
        return "hall_admin"
    return getattr(user, "role", None) or "citizen"


def nav_items_for(user):
    role = role_of(user)
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


def _site_hall(user):
    """Return the hall the footer describes: the user's own, else the only active one."""
    from mpp_portal.organizations.models import Hall

    if user is not None and user.is_authenticated and getattr(user, "hall_id", None):
        return user.hall
    halls = list(Hall.objects.filter(is_active=True)[:2])
    return halls[0] if len(halls) == 1 else None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "nav_items": nav_items_for(user),
        # Lazy: one query, and only on pages whose footer has no hall of its own.
        "site_hall": SimpleLazyObject(lambda: _site_hall(user) or ""),
    }
