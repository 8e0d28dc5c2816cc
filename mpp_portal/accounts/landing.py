"""Where each role lands after signing in: its work page.

One dict, ``LANDING_PAGES``: role -> URL name. A name whose URL takes the
hall (the kiosk) gets the user's hall. Roles whose pages are not built yet
land on ``accounts:coming``, which says what is coming for them (today only
the API client, whose work is the API); point a role at its page here once
it exists.

A safe ``?next=`` still wins: a link someone followed to the login page is
where they wanted to go.
"""

from django.urls import NoReverseMatch, reverse

from mpp_portal.accounts.permissions import Role

COMING = "accounts:coming"

LANDING_PAGES = {
    Role.CITIZEN: "home",
    Role.COUNTER_STAFF: "services:console",
    Role.AGENCY_ADMIN: "complaints:agency_list",
    Role.HALL_ADMIN: "complaints:inbox",
    Role.KIOSK: "services:kiosk",
    Role.SIGNATORY: "forums:signoff_list",
    Role.SIPABES_OFFICER: "sipabes:home",
    Role.API_CLIENT: COMING,
}

# URL names that take the user's hall as their ``hall`` argument.
HALL_PAGES = {"services:kiosk", "services:board"}


def landing_name(user):
    """Return the URL name of ``user``'s work page."""
    if user.is_superuser:
        return LANDING_PAGES[Role.HALL_ADMIN]
    return LANDING_PAGES.get(getattr(user, "role", None), "home")


def landing_url(user):
    """Return the path of ``user``'s work page (home when it cannot be built)."""
    name = landing_name(user)
    try:
        if name in HALL_PAGES:
            hall = user.hall or (user.agency.hall if user.agency_id else None)
            if hall is None:
                return reverse("home")
            return reverse(name, kwargs={"hall": hall.slug})
        return reverse(name)
    except NoReverseMatch:
        return reverse("home")
