"""When is the hall open: one answer (mpp_portal.organizations.opening) for the
home page and the kiosk's first screen, holidays and cuti bersama included."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.translation import override

from mpp_portal.organizations.models import OfficeHours
from mpp_portal.organizations.opening import hall_opening
from mpp_portal.workdays import JAKARTA
from mpp_portal.workdays.models import CalendarDay
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=JAKARTA)


def text(hall, moment, language="id"):
    with override(language):
        return hall_opening(hall, moment).text


def test_open_now_says_when_it_closes(hall):
    opening = hall_opening(hall, at(1, 10))  # Tuesday
    assert opening.is_open
    assert opening.text == "Buka sekarang, tutup 16.00"
    assert text(hall, at(1, 10), "en") == "Open now, closes at 16:00"


def test_before_opening_it_opens_today(hall):
    assert text(hall, at(1, 7, 30)) == "Tutup, buka lagi hari ini 08.00"
    assert text(hall, at(1, 7, 30), "en") == "Closed, opens again today at 08:00"


def test_after_closing_it_opens_tomorrow(hall):
    assert text(hall, at(1, 16, 0)) == "Tutup, buka lagi besok 08.00"
    assert text(hall, at(1, 23, 59)) == "Tutup, buka lagi besok 08.00"


def test_friday_evening_and_the_weekend_point_at_monday(hall):
    assert text(hall, at(4, 17)) == "Tutup, buka lagi Senin 08.00"
    assert text(hall, at(5, 10)) == "Tutup (Sabtu), buka lagi Senin 08.00"
    assert text(hall, at(5, 10), "en") == "Closed (Saturday), opens again Monday at 08:00"


def test_christmas_and_its_cuti_bersama_are_skipped(hall):
    # 24 December 2026 is cuti bersama, 25 Christmas, then the weekend.
    opening = hall_opening(hall, at(23, 17))
    assert opening.reopens == at(28, 8)
    assert opening.text == "Tutup, buka lagi Senin 08.00"
    on_the_day = hall_opening(hall, at(25, 10))
    assert not on_the_day.is_open
    assert on_the_day.reason  # the holiday's name
    assert on_the_day.reason in on_the_day.text


def test_a_date_the_admin_closed_counts_and_a_reopened_saturday_opens(hall):
    CalendarDay.objects.create(date=datetime.date(2026, 12, 2), name="Rapat kerja", hall=hall)
    assert text(hall, at(1, 17)) == "Tutup, buka lagi Kamis 08.00"
    assert text(hall, at(2, 9)) == "Tutup (Rapat kerja), buka lagi besok 08.00"
    CalendarDay.objects.create(
        date=datetime.date(2026, 12, 5), kind=CalendarDay.Kind.OPEN, name="Hari kerja pengganti"
    )
    assert text(hall, at(4, 17)) == "Tutup, buka lagi besok 08.00"
    assert hall_opening(hall, at(5, 9)).is_open


def test_the_halls_own_hours(hall):
    for day in range(5):
        OfficeHours.objects.create(
            hall=hall, weekday=day, opens=datetime.time(7, 30), closes=datetime.time(15, 0)
        )
    OfficeHours.objects.create(
        hall=hall, weekday=5, opens=datetime.time(8, 0), closes=datetime.time(12, 0)
    )
    assert text(hall, at(1, 14)) == "Buka sekarang, tutup 15.00"
    assert text(hall, at(1, 7)) == "Tutup, buka lagi hari ini 07.30"
    # Saturday is a weekend day in the calendar: an admin reopens it, not the hours.
    assert text(hall, at(4, 16)) == "Tutup, buka lagi Senin 07.30"


def test_far_reopening_gives_the_date(hall):
    for offset in range(2, 14):
        CalendarDay.objects.create(date=datetime.date(2026, 12, offset), name="Renovasi")
    assert text(hall, at(1, 17)) == "Tutup, buka lagi Senin, 14 Desember 2026 08.00"


def test_a_calendar_with_no_working_day_says_only_closed(hall):
    for offset in range(0, 70):
        CalendarDay.objects.create(
            date=datetime.date(2026, 12, 1) + datetime.timedelta(days=offset), name="Tutup"
        )
    opening = hall_opening(hall, at(1, 10))
    assert not opening.is_open and opening.reopens is None
    assert opening.text == "Tutup"


def test_it_costs_two_queries_when_open(hall, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert hall_opening(hall, at(1, 10)).is_open


# --- the pages ------------------------------------------------------------------------------


def test_home_says_open_now(client, hall):
    with time_machine.travel(at(1, 10), tick=False):
        html = client.get("/").content.decode()
    assert "Buka sekarang, tutup 16.00" in html
    assert "Pesan jadwal online" not in html


def test_home_when_closed_offers_online_booking(client, hall):
    with time_machine.travel(at(4, 18), tick=False):
        html = client.get("/").content.decode()
    assert "Tutup, buka lagi Senin 08.00" in html
    assert "Pesan jadwal online" in html
    assert f'href="{reverse("services:booking_start")}"' in html


def test_home_in_english(client, hall):
    client.cookies["django_language"] = "en"
    with time_machine.travel(at(4, 18), tick=False):
        html = client.get("/").content.decode()
    assert "Closed, opens again Monday at 08:00" in html


@pytest.fixture
def kiosk(client, kiosk_user, agency_a):
    ServiceFactory(agency=agency_a, code="A")
    client.force_login(kiosk_user)
    return client


def test_kiosk_first_screen_says_closed_and_points_to_booking(kiosk, hall):
    with time_machine.travel(at(5, 10), tick=False):
        html = kiosk.get(reverse("services:kiosk", args=[hall.slug])).content.decode()
    assert "data-closed-notice" in html
    assert "Tutup (Sabtu), buka lagi Senin 08.00" in html
    assert "/pesan/" in html


def test_kiosk_first_screen_when_open(kiosk, hall):
    with time_machine.travel(at(1, 10), tick=False):
        html = kiosk.get(reverse("services:kiosk", args=[hall.slug])).content.decode()
    assert "data-closed-notice" not in html
    assert "Buka sekarang, tutup 16.00" in html


def test_kiosk_refuses_a_citizen(client, citizen, hall):
    client.force_login(citizen)
    response = client.get(reverse("services:kiosk", args=[hall.slug]))
    assert response.status_code in (403, 404)
