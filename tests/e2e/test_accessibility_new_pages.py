"""WCAG basics (tests/e2e/steps.AUDIT) on the pages issue 13 added
or changed: a role's coming-soon page, the running-text editor, a service page
with its actions, the kiosk with its keypad, the home page's opening line."""

import pytest
import time_machine
from django.urls import reverse

from mpp_portal.accounts.models import User
from mpp_portal.workdays import JAKARTA
from services.models import BookingSchedule
from tests.e2e.steps import accessibility_problems, log_in
from tests.factories import ServiceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def service(agency_a):
    service = ServiceFactory(
        agency=agency_a,
        name="Perekaman KTP-el",
        slug="ktp-el",
        code="A",
        procedure="1. Ambil nomor antrean.\n2. Tunggu panggilan.",
    )
    BookingSchedule.objects.create(service=service, weekdays=[0, 1, 2, 3, 4])
    return service


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_public_pages(live_server, device, hall, service, viewport):
    page = device(*viewport)
    import datetime

    with time_machine.travel(datetime.datetime(2026, 12, 5, 10, 0, tzinfo=JAKARTA), tick=True):
        for path in ("/", service.get_absolute_url()):
            assert page.goto(live_server.url + path).status == 200
            assert accessibility_problems(page) == [], path


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("api_client", "accounts:coming"),
        ("hall_admin", "services:board_announcement"),
        ("kiosk_user", "services:kiosk_check_in"),
    ],
)
def test_signed_in_pages(live_server, device, request, hall, service, who, path):
    if who == "api_client":
        agency = request.getfixturevalue("agency_a")
        user = UserFactory(username="api.a11y", role=User.Role.API_CLIENT, agency=agency)
    else:
        user = request.getfixturevalue(who)
    url = reverse(path, args=[hall.slug]) if path != "accounts:coming" else reverse(path)
    page = device(1280, 900)
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, user.username)
    page.wait_for_url(live_server.url + url)
    assert accessibility_problems(page) == []
