"""Navigation for the page header, chosen by the signed-in user's role."""

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

ANONYMOUS = "anonymous"
STAFF_ROLES = {"counter_staff", "agency_admin", "sipabes_officer", "hall_admin", "signatory"}

# (url name, label, roles that see it, menu). roles None = everyone, signed in or
# not. menu MANAGE puts the item in the "Kelola" drop-down so the bar stays one line
# on a laptop. Pages another app has not built yet are skipped by the
# NoReverseMatch guard in nav_items_for(), so an app may be listed here early.
MANAGE = "manage"
NAV_ITEMS = [
    ("home", _("Beranda"), None, None),
    ("services:catalogue", _("Layanan"), None, None),
    ("services:booking_start", _("Pesan jadwal"), {ANONYMOUS, "citizen"}, None),
    ("services:track_lookup", _("Lacak antrean"), {ANONYMOUS, "citizen"}, None),
    ("complaints:home", _("Pengaduan"), {ANONYMOUS, "citizen"}, None),
    ("services:my_bookings", _("Pemesanan saya"), {"citizen"}, None),
    ("services:console", _("Konsol loket"), {"counter_staff", "agency_admin", "hall_admin"}, None),
    ("sipabes:home", _("SIPABES"), {"sipabes_officer"}, None),
    ("forums:signing", _("Tanda tangan berita acara"), {"signatory"}, None),
    (
        "services:booking_staff",
        _("Pemesanan hari ini"),
        {"counter_staff", "agency_admin", "hall_admin"},
        MANAGE,
    ),
    (
        "complaints:new_counter",
        _("Catat pengaduan di loket"),
        {"counter_staff", "hall_admin"},
        MANAGE,
    ),
    (
        "complaints:agency_list",
        _("Pengaduan untuk instansi"),
        {"counter_staff", "agency_admin"},
        MANAGE,
    ),
    ("complaints:inbox", _("Pengaduan masuk"), {"hall_admin"}, MANAGE),
    ("complaints:overdue", _("Pengaduan terlambat"), {"hall_admin"}, MANAGE),
    ("services:manage", _("Kelola layanan"), {"agency_admin", "hall_admin"}, MANAGE),
    ("services:stats", _("Statistik antrean"), {"agency_admin", "hall_admin"}, MANAGE),
    ("services:ikm", _("Indeks kepuasan (IKM)"), {"agency_admin", "hall_admin"}, MANAGE),
    ("sipabes:home", _("SIPABES"), {"hall_admin"}, MANAGE),
    ("forums:list", _("Forum konsultasi"), {"hall_admin"}, MANAGE),
    ("agreements:list", _("Perjanjian kerja sama"), {"hall_admin", "agency_admin"}, MANAGE),
    ("admin:index", _("Administrasi"), {"hall_admin"}, MANAGE),
    ("api-docs", _("Dokumentasi API"), {"hall_admin", "agency_admin", "api_client"}, MANAGE),
]
# Apps whose pages arrive with later issues; every other name must resolve
# (tests/platform/test_navigation.py), so a typo cannot hide a menu item.
NOT_YET_BUILT = {"sipabes", "forums", "agreements"}
MENU_LABELS = {MANAGE: _("Kelola")}


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
    for url_name, label, roles, menu in NAV_ITEMS:
        if roles is not None and role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "name": url_name, "menu": menu})
    return items


def nav_menu_for(items):
    """Return the header's entries: links, and drop-downs ({"label", "children"}).

    A drop-down with a single link is shown as that link.
    """
    entries, menus = [], {}
    for item in items:
        if item["menu"] is None:
            entries.append(item)
            continue
        if item["menu"] not in menus:
            menus[item["menu"]] = {"label": MENU_LABELS[item["menu"]], "children": []}
            entries.append(menus[item["menu"]])
        menus[item["menu"]]["children"].append(item)
    return [e["children"][0] if len(e.get("children", ())) == 1 else e for e in entries]


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
    items = nav_items_for(user)
    return {
        "nav_items": items,
        "nav_menu": nav_menu_for(items),
        # Lazy: one query, and only on pages whose footer has no hall of its own.
        "site_hall": SimpleLazyObject(lambda: _site_hall(user) or ""),
    }
