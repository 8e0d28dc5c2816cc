"""Who may do what: the platform's one table of roles and capabilities.

A view, a viewset, a service or a queryset never lists roles of its own; it
asks ``can(user, "queue.operate")`` (optionally about one hall's or one
agency's object) or filters with ``scope()``, which the models'
``visible_to(user)`` queryset methods call. Changing who may do something
means changing ``CAPABILITIES`` below and its test
(tests/platform/test_permissions.py), nowhere else.

Reach: a hall admin acts on everything of their own hall; counter staff,
agency admins and API clients on what belongs to their own agency; a
superuser on everything. Other roles (kiosk, SIPABES officer, signatory)
act only through capabilities checked against their hall.

Nothing here imports a model at import time: ``accounts.models`` builds the
``User`` model from ``Role`` and the role groups below.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Warga")
    COUNTER_STAFF = "counter_staff", _("Petugas loket")
    AGENCY_ADMIN = "agency_admin", _("Admin instansi")
    SIPABES_OFFICER = "sipabes_officer", _("Petugas SIPABES")
    HALL_ADMIN = "hall_admin", _("Admin MPP")
    SIGNATORY = "signatory", _("Penandatangan")
    KIOSK = "kiosk", _("Perangkat kios")
    API_CLIENT = "api_client", _("Klien API")


R = Role

# Roles whose work is for one agency: they must have one, and their reach
# is that agency.
AGENCY_ROLES = frozenset({R.COUNTER_STAFF, R.AGENCY_ADMIN, R.API_CLIENT})
# Roles whose reach is their whole hall.
HALL_WIDE_ROLES = frozenset({R.HALL_ADMIN})
# Roles that act inside one hall (a hall, or an agency that has one).
HALL_ROLES = frozenset(set(R) - {R.CITIZEN})
# People who work for the hall (not a citizen, not a device or a script).
STAFF_ROLES = frozenset(
    {R.COUNTER_STAFF, R.AGENCY_ADMIN, R.SIPABES_OFFICER, R.HALL_ADMIN, R.SIGNATORY}
)

# capability -> roles that hold it. A superuser holds every capability.
CAPABILITIES = {
    # Take a ticket for a visitor (kiosk page, POST /api/v1/tickets/).
    "queue.issue": frozenset({R.KIOSK, R.COUNTER_STAFF, R.AGENCY_ADMIN, R.HALL_ADMIN}),
    # Run a counter: open, close, call, recall, skip, transfer, serve.
    "queue.operate": frozenset({R.COUNTER_STAFF, R.AGENCY_ADMIN, R.HALL_ADMIN}),
    # Step in for a colleague: close a counter someone else opened, move a
    # ticket held at another counter, choose which services a counter serves.
    "queue.supervise": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN}),
    # Today's bookings: list, check in.
    "booking.manage": frozenset({R.COUNTER_STAFF, R.AGENCY_ADMIN, R.HALL_ADMIN}),
    # Close a whole booking day of the hall.
    "booking.close_day": frozenset({R.HALL_ADMIN}),
    # The service catalogue and its schedules.
    "catalogue.manage": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN}),
    "stats.view": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN}),
    "ikm.view": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN}),
    # Read complaints in reach (pages and API).
    "complaint.read": frozenset({R.COUNTER_STAFF, R.AGENCY_ADMIN, R.HALL_ADMIN, R.API_CLIENT}),
    # The staff pages of complaints (an API client has the API only).
    "complaint.staff_pages": frozenset({R.COUNTER_STAFF, R.AGENCY_ADMIN, R.HALL_ADMIN}),
    # Record a complaint brought to the counter.
    "complaint.file_at_counter": frozenset({R.COUNTER_STAFF, R.HALL_ADMIN}),
    # Verify, dispatch, archive, request information, accept for the reporter.
    "complaint.verify": frozenset({R.HALL_ADMIN}),
    # Answer or hand back what was dispatched to the agency.
    "complaint.follow_up": frozenset({R.AGENCY_ADMIN, R.API_CLIENT}),
    # File complaints through the API without the citizens' spam throttle.
    "complaint.file_unthrottled": frozenset(
        {R.KIOSK, R.COUNTER_STAFF, R.AGENCY_ADMIN, R.HALL_ADMIN, R.SIPABES_OFFICER, R.API_CLIENT}
    ),
    # Open311: an api_key that may post requests.
    "open311.post": frozenset(STAFF_ROLES | {R.API_CLIENT}),
    # The generous API rate (a busy hall never sees 429 at the kiosk).
    "api.trusted_rate": frozenset(
        {R.KIOSK, R.COUNTER_STAFF, R.AGENCY_ADMIN, R.HALL_ADMIN, R.SIPABES_OFFICER}
    ),
    "api.docs": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN, R.API_CLIENT}),
    # The Django admin, limited to the hall's own rows (accounts.backends).
    "admin.site": frozenset({R.HALL_ADMIN}),
    # The running text (pengumuman) under the hall's queue board.
    "board.announce": frozenset({R.HALL_ADMIN}),
    "sipabes.register": frozenset({R.SIPABES_OFFICER, R.HALL_ADMIN}),
    # Plan and edit the hall's market visits, keep its markets (the agency
    # admin only of the agency that runs SIPABES, checked against the agency).
    "sipabes.plan": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN}),
    "forum.manage": frozenset({R.HALL_ADMIN}),
    "forum.sign": frozenset({R.SIGNATORY}),
    # Update the progress of the forum agreements given to the agency (and
    # the hall admin, for every agency of the hall).
    "forum.follow_up": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN, R.API_CLIENT}),
    "agreements.view": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN}),
    # Read PKS agreements in reach through the API (an agency's token its own).
    "agreements.read": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN, R.API_CLIENT}),
    # Record, amend, move and upload scans of the hall's agreements; keep the
    # list of services not yet in the MPP.
    "agreements.manage": frozenset({R.HALL_ADMIN}),
    # The regency's dashboard (/dasbor/): hall-wide for the hall admin and the
    # officials who sign (the bupati); an agency admin sees their agency's slice.
    "dashboard.view": frozenset({R.AGENCY_ADMIN, R.HALL_ADMIN, R.SIGNATORY}),
    # Build and download the evidence pack for KPK's MCP.
    "evidence.export": frozenset({R.HALL_ADMIN}),
}


def roles_with(capability):
    """Return the roles that hold ``capability`` (KeyError for a typo)."""
    return CAPABILITIES[capability]


def _id(value):
    return getattr(value, "pk", value)


def acts_for_hall(user, hall):
    """Return True when ``user`` works in ``hall`` (an instance or its id)."""
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    return hall is not None and user.hall_id is not None and user.hall_id == _id(hall)


def acts_for_agency(user, agency):
    """Return True when ``user``'s reach holds ``agency``'s objects.

    A hall admin's reach is the agencies of their hall; an agency role's
    is their own agency.
    """
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    if agency is None:
        return False
    if user.role in HALL_WIDE_ROLES:
        return user.hall_id is not None and user.hall_id == agency.hall_id
    return user.role in AGENCY_ROLES and user.agency_id == agency.pk


# Tells "no object given" from an object that is None (a complaint with no
# agency yet): the second is never in anybody's reach but a superuser's.
_ANY = object()


def can(user, capability, *, hall=_ANY, agency=_ANY):
    """Return True when ``user`` holds ``capability``.

    With ``agency`` the object must be in the user's reach
    (``acts_for_agency``); with ``hall`` (instance or id) the user must work
    in that hall.
    """
    roles = CAPABILITIES[capability]
    if not (user and user.is_authenticated and user.is_active):
        return False
    if not (user.is_superuser or user.role in roles):
        return False
    if agency is not _ANY and not acts_for_agency(user, agency):
        return False
    return hall is _ANY or acts_for_hall(user, hall)


def scope(queryset, user, capability, *, hall, agency=None, owner=None):
    """Filter ``queryset`` to the rows ``user`` may see with ``capability``.

    ``hall`` and ``agency`` are lookups from the model to the hall's and the
    agency's id (e.g. ``"service__agency__hall_id"``); ``owner`` the lookup to
    the citizen who owns a row, if citizens see their own. A model without
    ``agency`` is visible to hall-wide roles only.
    """
    if not (user and user.is_authenticated):
        return queryset.none()
    if user.is_superuser:
        return queryset
    if owner is not None and user.role == R.CITIZEN:
        return queryset.filter(**{owner: user.pk})
    if user.role not in CAPABILITIES[capability]:
        return queryset.none()
    if user.role in HALL_WIDE_ROLES:
        return queryset.filter(**{hall: user.hall_id}) if user.hall_id else queryset.none()
    if agency is not None and user.role in AGENCY_ROLES and user.agency_id:
        return queryset.filter(**{agency: user.agency_id})
    return queryset.none()
