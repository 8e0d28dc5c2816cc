"""Navigation for the page header, chosen by the signed-in user's role."""

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.permissions import HALL_WIDE_ROLES, Role, roles_with

ANONYMOUS = "anonymous"
# What a citizen (or a visitor) uses; staff see what their capabilities allow.
PUBLIC = {ANONYMOUS, Role.CITIZEN}

# (url name, label, roles that see it, menu). roles None = everyone, signed in or
# not; staff items take the roles of the capability their page asks for
# (accounts.permissions). menu MANAGE puts the item in the "Kelola" drop-down so
# the bar stays one line on a laptop. Pages another app has not built yet are
# skipped by the NoReverseMatch guard in nav_items_for(), so an app may be
# listed here early.
MANAGE = "manage"
PUBLIC_INFO = "public_info"
NAV_ITEMS = [
    ("home", _("Beranda"), None, None),
    ("services:catalogue", _("Layanan"), None, None),
    ("services:booking_start", _("Pesan jadwal"), PUBLIC, None),
    ("services:track_lookup", _("Lacak antrean"), PUBLIC, None),
    ("complaints:home", _("Pengaduan"), PUBLIC, None),
    ("services:my_bookings", _("Pemesanan saya"), {Role.CITIZEN}, None),
    ("services:console", _("Konsol loket"), roles_with("queue.operate"), None),
    # The officer's own work sits in the bar; the hall admin's in "Kelola".
    ("sipabes:home", _("SIPABES"), roles_with("sipabes.register") - HALL_WIDE_ROLES, None),
    ("forums:signoff_list", _("Persetujuan berita acara"), roles_with("forum.sign"), None),
    # What the hall publishes, for everybody, in one drop-down.
    ("forums:public_list", _("Forum konsultasi publik"), None, PUBLIC_INFO),
    ("sipabes:dashboard", _("Investasi SIPABES"), None, PUBLIC_INFO),
    ("sipabes:lookup", _("Cek pendaftaran NIB"), None, PUBLIC_INFO),
    ("regency:public_index", _("Dasbor publik"), None, PUBLIC_INFO),
    ("regency:dashboard", _("Dasbor kabupaten"), roles_with("dashboard.view"), MANAGE),
    ("regency:evidence", _("Paket bukti MCP KPK"), roles_with("evidence.export"), MANAGE),
    ("services:booking_staff", _("Pemesanan hari ini"), roles_with("booking.manage"), MANAGE),
    (
        "complaints:new_counter",
        _("Catat pengaduan di loket"),
        roles_with("complaint.file_at_counter"),
        MANAGE,
    ),
    (
        "complaints:agency_list",
        _("Pengaduan untuk instansi"),
        roles_with("complaint.staff_pages") - roles_with("complaint.verify"),
        MANAGE,
    ),
    ("complaints:inbox", _("Pengaduan masuk"), roles_with("complaint.verify"), MANAGE),
    ("complaints:overdue", _("Pengaduan terlambat"), roles_with("complaint.verify"), MANAGE),
    ("services:manage", _("Kelola layanan"), roles_with("catalogue.manage"), MANAGE),
    ("services:stats", _("Statistik antrean"), roles_with("stats.view"), MANAGE),
    ("services:ikm", _("Indeks kepuasan (IKM)"), roles_with("ikm.view"), MANAGE),
    ("sipabes:home", _("SIPABES"), roles_with("sipabes.register") & HALL_WIDE_ROLES, MANAGE),
    (
        "sipabes:visits",
        _("Kunjungan SIPABES"),
        roles_with("sipabes.plan") & HALL_WIDE_ROLES,
        MANAGE,
    ),
    (
        "sipabes:staff_list",
        _("Pendaftaran SIPABES"),
        roles_with("sipabes.plan") & HALL_WIDE_ROLES,
        MANAGE,
    ),
    ("forums:manage_list", _("Forum konsultasi"), roles_with("forum.manage"), MANAGE),
    (
        "forums:agency_items",
        _("Tindak lanjut forum"),
        roles_with("forum.follow_up") - HALL_WIDE_ROLES - {Role.API_CLIENT},
        MANAGE,
    ),
    ("agreements:list", _("Perjanjian kerja sama"), roles_with("agreements.view"), MANAGE),
    ("agreements:coverage", _("Cakupan layanan"), roles_with("agreements.view"), MANAGE),
    ("admin:index", _("Administrasi"), roles_with("admin.site"), MANAGE),
    ("api-docs", _("Dokumentasi API"), roles_with("api.docs"), MANAGE),
]
# Apps whose pages arrive with later issues; every other name must resolve
# (tests/platform/test_navigation.py), so a typo cannot hide a menu item.
NOT_YET_BUILT = set()
MENU_LABELS = {MANAGE: _("Kelola"), PUBLIC_INFO: _("Informasi publik")}


def role_of(user):
    """Return the role navigation is chosen by; a superuser counts as hall admin."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    if user.is_superuser:
        return Role.HALL_ADMIN
    return getattr(user, "role", None) or Role.CITIZEN


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
