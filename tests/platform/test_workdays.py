"""The working-day calendar against the real 2026 Indonesian calendar.

``holidays`` 0.109 gives, around Nyepi and Idul Fitri 2026:
Wed 18 Mar cuti bersama Nyepi, Thu 19 Mar Nyepi, Fri 20 Mar cuti bersama
Idul Fitri, Sat-Sun 21-22 Mar Idul Fitri, Mon-Tue 23-24 Mar cuti bersama
Idul Fitri. So Tue 17 Mar is the last working day before, Wed 25 Mar the
first after.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse
from django.utils import translation

from mpp_portal.organizations.models import OfficeHours
from mpp_portal.workdays import (
    add_working_days,
    closed_reason,
    day_start,
    day_status,
    deadline,
    describe_remaining,
    is_working_day,
    next_working_day,
    received_on,
    working_days_between,
    working_days_remaining,
)
from mpp_portal.workdays.calendar import package_holiday, working_days_between_many
from mpp_portal.workdays.models import CalendarDay
from tests.factories import HallFactory, UserFactory

WIB = ZoneInfo("Asia/Jakarta")
D = dt.date


def wib(*args):
    return dt.datetime(*args, tzinfo=WIB)


@pytest.fixture(autouse=True)
def _indonesian():
    with translation.override("id"):
        yield


# --------------------------------------------------------------------------
# The package's calendar, as the tests below assume it
# --------------------------------------------------------------------------
def test_package_knows_nyepi_and_idul_fitri_2026():
    closed = {
        D(2026, 3, 18): "Cuti Bersama Hari Suci Nyepi",
        D(2026, 3, 19): "Hari Suci Nyepi",
        D(2026, 3, 20): "Cuti Bersama Hari Raya Idul Fitri",
        D(2026, 3, 21): "Hari Raya Idul Fitri",
        D(2026, 3, 23): "Cuti Bersama Hari Raya Idul Fitri",
        D(2026, 3, 24): "Cuti Bersama Hari Raya Idul Fitri",
    }
    for day, name in closed.items():
        assert package_holiday(day) == name
    assert package_holiday(D(2026, 3, 17)) is None
    assert package_holiday(D(2026, 3, 25)) is None


@pytest.mark.django_db
def test_is_working_day():
    assert is_working_day(D(2026, 3, 17))  # Tuesday
    assert not is_working_day(D(2026, 3, 18))  # cuti bersama Nyepi
    assert not is_working_day(D(2026, 3, 19))  # Nyepi
    assert not is_working_day(D(2026, 3, 24))  # cuti bersama Idul Fitri
    assert is_working_day(D(2026, 3, 25))
    assert not is_working_day(D(2026, 3, 28))  # Saturday
    assert not is_working_day(D(2026, 3, 29))  # Sunday
    assert closed_reason(D(2026, 3, 19)) == "Hari Suci Nyepi"
    assert closed_reason(D(2026, 3, 28)) == "Sabtu"
    assert closed_reason(D(2026, 3, 25)) is None


@pytest.mark.django_db
def test_add_working_days_across_nyepi_and_idul_fitri():
    assert add_working_days(D(2026, 3, 16), 1) == D(2026, 3, 17)
    assert add_working_days(D(2026, 3, 17), 1) == D(2026, 3, 25)
    assert add_working_days(D(2026, 3, 16), 2) == D(2026, 3, 25)
    assert add_working_days(D(2026, 3, 13), 3) == D(2026, 3, 25)
    # Starting on a holiday: the holiday itself never counts.
    assert add_working_days(D(2026, 3, 19), 1) == D(2026, 3, 25)
    # 10 working days from Mon 16 Mar: 17, 25, 26, 27, 30, 31, 1, 2, 6, 7 Apr
    # (Fri 3 Apr is Wafat Yesus Kristus).
    assert add_working_days(D(2026, 3, 16), 10) == D(2026, 4, 7)
    assert next_working_day(D(2026, 3, 17)) == D(2026, 3, 25)


@pytest.mark.django_db
def test_add_working_days_across_the_year_end():
    # 24 Dec cuti bersama, 25 Dec Natal, 26-27 weekend.
    assert add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 28)
    assert add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)  # 1 Jan 2027 holiday


@pytest.mark.django_db
def test_add_working_days_zero_and_negative():
    assert add_working_days(D(2026, 3, 19), 0) == D(2026, 3, 19)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 3, 16), -1)
    with pytest.raises(TypeError):
        add_working_days(D(2026, 3, 16), 1.5)


@pytest.mark.django_db
def test_working_days_between():
    assert working_days_between(D(2026, 3, 17), D(2026, 3, 25)) == 1
    assert working_days_between(D(2026, 3, 13), D(2026, 3, 26)) == 4  # 16, 17, 25, 26
    assert working_days_between(D(2026, 3, 26), D(2026, 3, 13)) == -4
    assert working_days_between(D(2026, 3, 18), D(2026, 3, 24)) == 0
    assert working_days_between(D(2026, 3, 17), D(2026, 3, 17)) == 0


@pytest.mark.django_db
def test_working_days_between_inverts_add_working_days():
    start = D(2026, 3, 1)
    for offset in range(0, 40, 3):
        for n in (0, 1, 2, 5, 9):
            a = start + dt.timedelta(days=offset)
            assert working_days_between(a, add_working_days(a, n)) == n


# --------------------------------------------------------------------------
# deadline()
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_deadline_filed_friday_after_closing_counts_from_monday():
    # Received Mon 16 Mar; day 1 = 17 Mar, day 2 = 25 Mar, day 3 = 26 Mar.
    due = deadline(wib(2026, 3, 13, 17, 0), 3)
    assert due == wib(2026, 3, 26, 16, 0)
    assert due.utcoffset() == dt.timedelta(hours=7)


@pytest.mark.django_db
def test_deadline_filed_during_office_hours_counts_that_day():
    assert deadline(wib(2026, 3, 17, 15, 59), 1) == wib(2026, 3, 25, 16, 0)
    # Before opening the filing is on the desk when the office opens.
    assert deadline(wib(2026, 3, 17, 6, 30), 1) == wib(2026, 3, 25, 16, 0)
    # At closing time it is too late for the day.
    assert deadline(wib(2026, 3, 17, 16, 0), 1) == wib(2026, 3, 26, 16, 0)


@pytest.mark.django_db
def test_deadline_filed_on_saturday_and_on_a_holiday():
    assert deadline(wib(2026, 3, 14, 10, 0), 1) == wib(2026, 3, 17, 16, 0)
    assert deadline(wib(2026, 3, 19, 10, 0), 1) == wib(2026, 3, 26, 16, 0)


@pytest.mark.django_db
def test_deadline_takes_any_time_zone_and_answers_in_wib():
    # 10:00 UTC is 17:00 WIB (after closing); 08:30 UTC is 15:30 WIB.
    utc = dt.UTC
    assert deadline(dt.datetime(2026, 3, 13, 10, 0, tzinfo=utc), 3) == wib(2026, 3, 26, 16)
    due = deadline(dt.datetime(2026, 3, 17, 8, 30, tzinfo=utc), 1)
    assert due == wib(2026, 3, 25, 16)
    assert due.tzinfo == WIB
    # Asia/Jakarta has no DST: every deadline of the year is UTC+7.
    for month in range(1, 13):
        assert deadline(wib(2026, month, 2, 9), 1).utcoffset() == dt.timedelta(hours=7)


@pytest.mark.django_db
def test_deadline_zero_days_and_bad_input():
    assert deadline(wib(2026, 3, 13, 17, 0), 0) == wib(2026, 3, 16, 16, 0)
    assert deadline(wib(2026, 3, 16, 9, 0), 0) == wib(2026, 3, 16, 16, 0)
    with pytest.raises(ValueError):
        deadline(wib(2026, 3, 16, 9, 0), -1)
    with pytest.raises(ValueError):
        deadline(dt.datetime(2026, 3, 16, 9, 0), 1)  # naive


@pytest.mark.django_db
def test_deadline_uses_the_hall_office_hours():
    hall = HallFactory()
    for weekday in range(4):
        OfficeHours.objects.create(
            hall=hall, weekday=weekday, opens=dt.time(7, 30), closes=dt.time(15, 0)
        )
    OfficeHours.objects.create(hall=hall, weekday=4, is_closed=True)  # Friday
    # Mon 16 Mar 15:30 is after this hall's closing: received Tue 17 Mar;
    # Fri 27 Mar is closed here, so day 2 after 25, 26 Mar is Mon 30 Mar.
    assert deadline(wib(2026, 3, 16, 15, 30), 3, hall) == wib(2026, 3, 30, 15, 0)
    assert not is_working_day(D(2026, 3, 27), hall)
    assert is_working_day(D(2026, 3, 27))
    # The default calendar is unchanged.
    assert deadline(wib(2026, 3, 16, 15, 30), 3) == wib(2026, 3, 26, 16, 0)
    assert received_on(wib(2026, 3, 16, 15, 30), hall) == D(2026, 3, 17)
    assert received_on(wib(2026, 3, 16, 15, 30)) == D(2026, 3, 16)


@pytest.mark.django_db
def test_office_hours_are_read_fresh_and_the_hall_is_left_alone():
    hall = HallFactory()
    assert is_working_day(D(2026, 3, 27), hall)
    assert "office_hours" not in getattr(hall, "_prefetched_objects_cache", {})
    OfficeHours.objects.create(hall=hall, weekday=4, is_closed=True)
    assert not is_working_day(D(2026, 3, 27), hall)


# --------------------------------------------------------------------------
# Admin-edited days
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_admin_closed_day_for_every_hall():
    CalendarDay.objects.create(
        date=D(2026, 3, 25), kind=CalendarDay.Kind.CLOSED, name="Cuti bersama tambahan"
    )
    assert not is_working_day(D(2026, 3, 25), HallFactory())
    assert closed_reason(D(2026, 3, 25)) == "Cuti bersama tambahan"
    assert add_working_days(D(2026, 3, 17), 1) == D(2026, 3, 26)
    assert deadline(wib(2026, 3, 17, 10), 1) == wib(2026, 3, 26, 16)


@pytest.mark.django_db
def test_admin_reopened_day():
    CalendarDay.objects.create(
        date=D(2026, 3, 24), kind=CalendarDay.Kind.OPEN, name="Cuti bersama dibatalkan"
    )
    assert is_working_day(D(2026, 3, 24))
    assert add_working_days(D(2026, 3, 17), 1) == D(2026, 3, 24)
    assert working_days_between(D(2026, 3, 17), D(2026, 3, 25)) == 2


@pytest.mark.django_db
def test_admin_reopened_saturday_keeps_default_hours():
    CalendarDay.objects.create(date=D(2026, 3, 28), kind=CalendarDay.Kind.OPEN, name="Ganti hari")
    assert is_working_day(D(2026, 3, 28))
    assert deadline(wib(2026, 3, 27, 10), 1) == wib(2026, 3, 28, 16)


@pytest.mark.django_db
def test_hall_closed_day_only_affects_that_hall():
    lebong, other = HallFactory(), HallFactory()
    CalendarDay.objects.create(
        date=D(2026, 3, 25), kind=CalendarDay.Kind.CLOSED, name="Hari jadi", hall=lebong
    )
    assert add_working_days(D(2026, 3, 17), 1, lebong) == D(2026, 3, 26)
    assert add_working_days(D(2026, 3, 17), 1, other) == D(2026, 3, 25)
    assert add_working_days(D(2026, 3, 17), 1) == D(2026, 3, 25)


@pytest.mark.django_db
def test_hall_row_wins_over_row_for_every_hall():
    lebong, other = HallFactory(), HallFactory()
    CalendarDay.objects.create(date=D(2026, 3, 26), kind=CalendarDay.Kind.CLOSED, name="Tutup")
    CalendarDay.objects.create(
        date=D(2026, 3, 26), kind=CalendarDay.Kind.OPEN, name="Tetap buka", hall=lebong
    )
    assert is_working_day(D(2026, 3, 26), lebong)
    assert not is_working_day(D(2026, 3, 26), other)


@pytest.mark.django_db
def test_changes_are_read_fresh():
    assert is_working_day(D(2026, 3, 25))
    row = CalendarDay.objects.create(date=D(2026, 3, 25), name="Penutupan kantor")
    assert not is_working_day(D(2026, 3, 25))
    row.delete()
    assert is_working_day(D(2026, 3, 25))


@pytest.mark.django_db
def test_one_row_per_date_and_hall():
    hall = HallFactory()
    CalendarDay.objects.create(date=D(2026, 3, 25), name="A")
    CalendarDay.objects.create(date=D(2026, 3, 25), name="B", hall=hall)
    with pytest.raises(IntegrityError):
        CalendarDay.objects.create(date=D(2026, 3, 25), name="C")


@pytest.mark.django_db
def test_working_days_between_many_equals_one_at_a_time(django_assert_max_num_queries):
    # Short disjoint ranges (counted one by one) and long overlapping ones
    # (one pass over the span): both equal working_days_between, with a
    # hall's closed day, a reopened day, the package's holidays, and b < a.
    hall = HallFactory()
    CalendarDay.objects.create(date=D(2026, 3, 26), name="Tutup", hall=hall)
    CalendarDay.objects.create(date=D(2026, 3, 24), kind=CalendarDay.Kind.OPEN, name="Buka")
    first = D(2026, 3, 1)
    short = [(D(2026, 3, 16), D(2026, 3, 18)), (D(2026, 3, 27), D(2026, 3, 25))]
    long = [(first, first + dt.timedelta(days=n)) for n in range(0, 80, 3)]
    long += [(D(2026, 4, 30), D(2026, 3, 2)), (D(2026, 3, 17), D(2026, 3, 25))]
    for pairs in (short, long):
        for where in (None, hall):
            expected = [working_days_between(a, b, where) for a, b in pairs]
            with django_assert_max_num_queries(2):
                assert working_days_between_many(pairs, where) == expected
    assert working_days_between_many([]) == []


# --------------------------------------------------------------------------
# Query counts
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_query_counts(django_assert_max_num_queries):
    hall = HallFactory()
    for weekday in range(5):
        OfficeHours.objects.create(hall=hall, weekday=weekday)
    CalendarDay.objects.create(date=D(2026, 3, 26), name="Tutup", hall=hall)
    with django_assert_max_num_queries(1):
        assert add_working_days(D(2026, 3, 16), 10) == D(2026, 4, 7)
    with django_assert_max_num_queries(2):  # admin rows + office hours
        add_working_days(D(2026, 3, 16), 10, hall)
    with django_assert_max_num_queries(2):
        deadline(wib(2026, 3, 13, 17), 10, hall)
    with django_assert_max_num_queries(1):
        assert working_days_between(D(2026, 1, 1), D(2026, 12, 31)) > 200
    with django_assert_max_num_queries(4):
        add_working_days(D(2026, 1, 1), 200)  # runs past the prefetched span


# --------------------------------------------------------------------------
# Remaining time
# --------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "left", "text"),
    [
        (wib(2026, 3, 17, 10), 2, "sisa 2 hari kerja"),
        (wib(2026, 3, 20, 10), 2, "sisa 2 hari kerja"),  # holiday: nothing used yet
        (wib(2026, 3, 25, 10), 1, "sisa 1 hari kerja"),
        (wib(2026, 3, 26, 10), 0, "batas akhir hari ini"),
        (wib(2026, 3, 26, 17), -1, "terlambat 1 hari kerja"),
        (wib(2026, 3, 27, 9), -1, "terlambat 1 hari kerja"),
        (wib(2026, 3, 30, 9), -2, "terlambat 2 hari kerja"),
    ],
)
def test_remaining(now, left, text):
    due = wib(2026, 3, 26, 16)
    with time_machine.travel(now, tick=False):
        assert working_days_remaining(due) == left
        assert describe_remaining(due) == text


# --------------------------------------------------------------------------
# Admin
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_admin_records_who_added_a_day(client):
    admin_user = UserFactory(username="super.uji", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.get(reverse("admin:workdays_calendarday_changelist"))
    assert response.status_code == 200
    response = client.post(
        reverse("admin:workdays_calendarday_add"),
        {"date": "2026-03-25", "kind": "closed", "name": "Hari jadi Kabupaten Lebong"},
    )
    assert response.status_code == 302
    row = CalendarDay.objects.get()
    assert row.created_by == admin_user
    assert row.hall is None
    response = client.get(
        reverse("admin:workdays_calendarday_changelist"), {"kind__exact": "closed"}
    )
    assert "Hari jadi Kabupaten Lebong" in response.content.decode()
    CalendarDay.objects.create(date=D(2026, 3, 19), kind="open", name="Uji")
    response = client.get(reverse("admin:workdays_calendarday_changelist"))
    assert "Hari Suci Nyepi" in response.content.decode()  # what the row overrides


@pytest.mark.django_db
def test_admin_is_closed_to_counter_staff(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("admin:workdays_calendarday_changelist"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_hall_admin_adds_a_closed_day_for_their_own_hall(client):
    hall = HallFactory(name="MPP Perigo Agung", slug="perigo-agung")
    other = HallFactory(name="MPP Lain", slug="mpp-lain")
    admin_user = UserFactory(username="admin.hall", role="hall_admin", hall=hall)
    national = CalendarDay.objects.create(date=D(2026, 3, 18), name="Cuti bersama")
    foreign = CalendarDay.objects.create(date=D(2026, 3, 20), name="Lain", hall=other)
    assert admin_user.is_staff and not admin_user.is_superuser
    client.force_login(admin_user)

    changelist = client.get(reverse("admin:workdays_calendarday_changelist"))
    assert changelist.status_code == 200
    assert "Cuti bersama" in changelist.content.decode()
    assert ">Lain<" not in changelist.content.decode()
    response = client.post(
        reverse("admin:workdays_calendarday_add"),
        {"date": "2026-12-02", "kind": "closed", "name": "Hari jadi Kabupaten Lebong"},
    )
    assert response.status_code == 302
    row = CalendarDay.objects.get(name="Hari jadi Kabupaten Lebong")
    assert row.hall == hall and row.created_by == admin_user
    assert not is_working_day(D(2026, 12, 2), hall=hall)
    assert is_working_day(D(2026, 12, 2), hall=other)

    # The national row is read-only to them; another hall's row does not exist for them.
    change_national = reverse("admin:workdays_calendarday_change", args=[national.pk])
    assert (
        client.post(
            change_national, {"date": "2026-03-18", "kind": "open", "name": "x"}
        ).status_code
        == 403
    )
    delete_national = reverse("admin:workdays_calendarday_delete", args=[national.pk])
    assert client.post(delete_national, {"post": "yes"}).status_code == 403
    change_foreign = reverse("admin:workdays_calendarday_change", args=[foreign.pk])
    assert client.get(change_foreign).status_code == 302
    national.refresh_from_db()
    assert national.kind == CalendarDay.Kind.CLOSED


@pytest.mark.django_db
def test_a_demoted_hall_admin_loses_the_admin(client):
    user = UserFactory(username="bekas.admin", role="hall_admin", hall=HallFactory())
    user.role = "citizen"
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:workdays_calendarday_changelist")).status_code == 403


# --------------------------------------------------------------------------
# Cache policy: read fresh (calendar.py docstring)
# --------------------------------------------------------------------------
CLOSED_TODAY = "bukan hari layanan"


def _kiosk_answer(client, service):
    """Return the kiosk page of ``service``'s hall at its ticket step."""
    url = reverse("services:kiosk", args=[service.agency.hall.slug])
    response = client.get(url, {"service": service.pk})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def two_halls(db):
    from mpp_portal.accounts.models import User
    from tests.factories import AgencyFactory, ServiceFactory

    halls = {}
    for key in ("a", "b"):
        hall = HallFactory(name=f"MPP {key.upper()}", slug=f"mpp-{key}")
        service = ServiceFactory(agency=AgencyFactory(hall=hall))
        halls[key] = {
            "hall": hall,
            "service": service,
            "admin": UserFactory(username=f"admin.{key}", role=User.Role.HALL_ADMIN, hall=hall),
            "kiosk": UserFactory(username=f"kios.{key}", role=User.Role.KIOSK, hall=hall),
        }
    return halls


# Tuesday 1 December 2026, 09:00 WIB: a working day, during office hours.
TUESDAY_MORNING = wib(2026, 12, 1, 9, 0)


@pytest.mark.django_db
def test_an_admin_edit_is_seen_at_once_by_deadlines_and_the_kiosk_per_hall(client, two_halls):
    """Add, reopen and delete a closed day in the Django admin of hall A:
    hall A's deadlines and kiosk follow each edit at once; hall B never moves."""
    from django.test import Client

    a, b = two_halls["a"], two_halls["b"]
    kiosk_a, kiosk_b = Client(), Client()
    kiosk_a.force_login(a["kiosk"])
    kiosk_b.force_login(b["kiosk"])
    filed = wib(2026, 11, 30, 10, 0)  # Monday
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        # Ask every question first, so any cache would now hold "open".
        for hall in (a, b):
            assert add_working_days(D(2026, 11, 30), 1, hall["hall"]) == D(2026, 12, 1)
            assert deadline(filed, 1, hall["hall"]) == wib(2026, 12, 1, 16)
        assert CLOSED_TODAY not in _kiosk_answer(kiosk_a, a["service"])
        assert CLOSED_TODAY not in _kiosk_answer(kiosk_b, b["service"])

        client.force_login(a["admin"])
        response = client.post(
            reverse("admin:workdays_calendarday_add"),
            {"date": "2026-12-01", "kind": "closed", "name": "Banjir"},
        )
        assert response.status_code == 302
        row = CalendarDay.objects.get(name="Banjir")
        assert row.hall == a["hall"]
        assert add_working_days(D(2026, 11, 30), 1, a["hall"]) == D(2026, 12, 2)
        assert deadline(filed, 1, a["hall"]) == wib(2026, 12, 2, 16)
        assert CLOSED_TODAY in _kiosk_answer(kiosk_a, a["service"])
        assert add_working_days(D(2026, 11, 30), 1, b["hall"]) == D(2026, 12, 1)
        assert deadline(filed, 1, b["hall"]) == wib(2026, 12, 1, 16)
        assert CLOSED_TODAY not in _kiosk_answer(kiosk_b, b["service"])

        response = client.post(
            reverse("admin:workdays_calendarday_change", args=[row.pk]),
            {"date": "2026-12-01", "kind": "open", "name": "Banjir surut"},
        )
        assert response.status_code == 302
        assert add_working_days(D(2026, 11, 30), 1, a["hall"]) == D(2026, 12, 1)
        assert CLOSED_TODAY not in _kiosk_answer(kiosk_a, a["service"])

        client.post(
            reverse("admin:workdays_calendarday_change", args=[row.pk]),
            {"date": "2026-12-01", "kind": "closed", "name": "Banjir lagi"},
        )
        assert CLOSED_TODAY in _kiosk_answer(kiosk_a, a["service"])
        response = client.post(
            reverse("admin:workdays_calendarday_delete", args=[row.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert not CalendarDay.objects.exists()
        assert add_working_days(D(2026, 11, 30), 1, a["hall"]) == D(2026, 12, 1)
        assert CLOSED_TODAY not in _kiosk_answer(kiosk_a, a["service"])


@pytest.mark.django_db
def test_a_write_from_elsewhere_is_seen_at_once(two_halls):
    """A write that no code of this process sees happen (``update()`` sends
    no signal, like a write from another process) still reaches the next
    answer: nothing is cached, so nothing can be stale."""
    from services.queue import ticketing_closed_reason

    a, b = two_halls["a"], two_halls["b"]
    for hall in (a, b):
        for weekday in range(5):
            OfficeHours.objects.create(hall=hall["hall"], weekday=weekday)
    row = CalendarDay.objects.create(
        date=D(2026, 12, 1), kind=CalendarDay.Kind.OPEN, name="Uji", hall=a["hall"]
    )
    with time_machine.travel(TUESDAY_MORNING, tick=False):
        assert ticketing_closed_reason(a["service"]) is None
        assert add_working_days(D(2026, 11, 30), 1, a["hall"]) == D(2026, 12, 1)
        CalendarDay.objects.filter(pk=row.pk).update(kind=CalendarDay.Kind.CLOSED)
        assert CLOSED_TODAY in ticketing_closed_reason(a["service"])
        assert add_working_days(D(2026, 11, 30), 1, a["hall"]) == D(2026, 12, 2)
        assert ticketing_closed_reason(b["service"]) is None

        CalendarDay.objects.filter(pk=row.pk).delete()
        assert ticketing_closed_reason(a["service"]) is None
        OfficeHours.objects.filter(hall=a["hall"], weekday=1).update(opens=dt.time(10))
        assert "belum dibuka" in ticketing_closed_reason(a["service"])
        assert ticketing_closed_reason(b["service"]) is None
        OfficeHours.objects.filter(hall=a["hall"], weekday=1).update(is_closed=True)
        assert CLOSED_TODAY in ticketing_closed_reason(a["service"])
        assert add_working_days(D(2026, 11, 30), 1, a["hall"]) == D(2026, 12, 2)
        assert add_working_days(D(2026, 11, 30), 1, b["hall"]) == D(2026, 12, 1)


def test_no_signal_keeps_the_calendar():
    """One policy: no post_save/post_delete receiver stands between an edit
    and the calendar (a receiver would mean a cache somewhere to clear)."""
    from django.db.models.signals import post_delete, post_save

    from mpp_portal.organizations.models import Hall

    for model in (CalendarDay, OfficeHours, Hall):
        assert not post_save.has_listeners(model), model
        assert not post_delete.has_listeners(model), model


@pytest.mark.django_db
def test_day_status_reads_the_calendar_and_hours_in_two_queries(
    django_assert_num_queries,
):
    hall = HallFactory()
    OfficeHours.objects.create(hall=hall, weekday=1, opens=dt.time(9), closes=dt.time(15))
    with django_assert_num_queries(2):
        status = day_status(D(2026, 12, 1), hall)
    assert status.is_working and status.hours == (dt.time(9), dt.time(15))
    status = day_status(D(2026, 12, 2), hall)  # a Wednesday the hall keeps no hours for
    assert not status.is_working and status.hours is None
    assert day_status(D(2026, 12, 25)).closed_reason  # Christmas, every hall


def test_day_start_is_midnight_in_jakarta_whatever_the_session_zone():
    start = day_start(dt.date(2026, 12, 31))
    assert start == dt.datetime(2026, 12, 31, tzinfo=WIB)
    assert start.utcoffset() == dt.timedelta(hours=7)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 12, 30, 17, tzinfo=dt.UTC)
