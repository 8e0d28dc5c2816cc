"""WCAG 2.1 AA basics on the public pages, measured in Chromium as rendered.

For every visible piece of text: the contrast between its colour and the
first opaque background behind it is at least 4.5:1 (3:1 for large text,
24 px, or 18.66 px bold). Text over an image or gradient is skipped: its
background is not one colour. Every form control has an accessible name,
every image a text alternative, and the page has one h1 and a lang.
"""

import pytest
from django.urls import reverse

from services.models import BookingSchedule
from tests.e2e.steps import accessibility_problems, log_in
from tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bookable(agency_a):
    service = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")
    BookingSchedule.objects.create(service=service, weekdays=[0, 1, 2, 3, 4])
    return service


@pytest.mark.parametrize(
    "path",
    [
        "/",
        reverse("services:catalogue"),
        reverse("services:booking_start"),
        reverse("services:track_lookup"),
        reverse("complaints:home"),
        reverse("complaints:new"),
        reverse("complaints:public_list"),
        reverse("accounts:login"),
        "/verifikasi/",
    ],
)
@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_public_pages_meet_the_basics(
    live_server, device, hall, agency_a, bookable, path, viewport
):
    page = device(*viewport)
    response = page.goto(live_server.url + path)
    assert response.status == 200
    assert accessibility_problems(page) == []


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("staff_a", reverse("services:console")),
        ("hall_admin", reverse("services:stats")),
        ("hall_admin", reverse("services:ikm")),
        ("hall_admin", reverse("services:booking_staff")),
        ("hall_admin", reverse("complaints:inbox")),
        ("staff_a", reverse("complaints:agency_list")),
    ],
)
def test_staff_pages_meet_the_basics(live_server, device, request, hall, bookable, persona, path):
    user = request.getfixturevalue(persona)
    page = device(1366, 900)
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + path)
    log_in(page, user.username)
    page.wait_for_url(live_server.url + path)
    assert accessibility_problems(page) == []
