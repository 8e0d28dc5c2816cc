"""Anti-calo: the weekly limit of active bookings per NIK, whatever the phone."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from services import booking as bookings
from services.models import Booking, BookingSchedule, BookingSeat

T = datetime.time
NIK = "1707014101900001"  # Lebong Utara, a woman born 1 Jan 1990
OTHER_NIK = "1707011501900002"
# The clock stands on Tuesday 1 December 2026 (tests/services/conftest.py).
WED, THU, FRI = datetime.date(2026, 12, 2), datetime.date(2026, 12, 3), datetime.date(2026, 12, 4)
MON = datetime.date(2026, 12, 7)
NINE = T(9)


def _schedule(service):
    return BookingSchedule.objects.create(
        service=service,
        weekdays=[0, 1, 2, 3, 4],
        opens=T(8),
        closes=T(12),
        slot_minutes=30,
        seats_per_slot=2,
        daily_quota=10,
        days_ahead=14,
        same_day_cutoff=T(10),
    )


@pytest.fixture
def schedules(service_a, service_a2, service_b):
    return [_schedule(service) for service in (service_a, service_a2, service_b)]


_phones = iter(range(10_000_000, 99_999_999))


def _book(service, day, nik=NIK, start=NINE):
    # A new phone number every time: the calo's trick that passed the phone rule.
    return bookings.booking_create(
        service=service,
        day=day,
        slot_start=start,
        name="Siti",
        nik=nik,
        phone=f"0812{next(_phones)}",
    )


class TestLimitPerNik:
    def test_the_fourth_active_booking_of_a_nik_is_refused_on_any_phone(
        self, schedules, service_a, service_a2, service_b
    ):
        _book(service_a, WED)
        _book(service_a2, THU)
        _book(service_b, FRI)
        with pytest.raises(ValidationError) as excinfo:
            _book(service_a, MON)
        assert list(excinfo.value.message_dict) == ["nik"]
        assert "3 pemesanan aktif" in excinfo.value.message_dict["nik"][0]
        assert Booking.objects.filter(nik=NIK).count() == 3
        # The refused booking took no seat, and another NIK still books.
        assert not BookingSeat.objects.filter(date=MON).exists()
        _book(service_a, MON, nik=OTHER_NIK)

    def test_the_limit_is_a_setting(self, schedules, service_a, settings):
        settings.BOOKING_MAX_PER_NIK_PER_WEEK = 1
        _book(service_a, WED)
        with pytest.raises(ValidationError, match="1 pemesanan aktif"):
            _book(service_a, THU)

    def test_a_cancelled_booking_gives_its_place_back(self, schedules, service_a):
        _book(service_a, WED)
        _book(service_a, THU)
        booking, token = _book(service_a, FRI)
        bookings.booking_cancel(booking=booking, token=token)
        _book(service_a, MON)

    def test_checked_in_and_no_show_bookings_count(self, schedules, service_a, service_a2):
        """Each held a seat: using it, or letting it go to waste, is not giving it back."""
        today = datetime.date(2026, 12, 1)
        booked, _token = _book(service_a, today, start=T(9, 30))
        bookings.booking_check_in(code=booked.code, by=None)
        absent, _token = _book(service_a2, today, start=T(9, 30))
        Booking.objects.filter(pk=absent.pk).update(date=datetime.date(2026, 11, 30))
        bookings.booking_mark_no_shows()
        assert set(Booking.objects.values_list("status", flat=True)) == {"checked_in", "no_show"}
        _book(service_a, WED)
        with pytest.raises(ValidationError, match="pemesanan aktif"):
            _book(service_a, THU)

    def test_what_active_means(self, schedules, service_a):
        """Made in the last seven days, or with a slot in the coming seven."""
        old = datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)
        made_long_ago_for_this_week, _t = _book(service_a, WED)
        made_long_ago_for_later, _t = _book(service_a, datetime.date(2026, 12, 14))
        made_this_week_for_later, _t = _book(service_a, datetime.date(2026, 12, 11))
        Booking.objects.filter(
            pk__in=[made_long_ago_for_this_week.pk, made_long_ago_for_later.pk]
        ).update(created_at=old)
        active = bookings.nik_active_bookings(NIK)
        assert set(active) == {made_long_ago_for_this_week, made_this_week_for_later}
        # The booking made long ago for a later week leaves room for a third.
        _book(service_a, THU)
        with pytest.raises(ValidationError, match="pemesanan aktif"):
            _book(service_a, FRI)
        # On the 8th the slot of the 14th is within seven days: it counts again.
        now = datetime.datetime(2026, 12, 8, 2, tzinfo=datetime.UTC)
        assert made_long_ago_for_later in bookings.nik_active_bookings(NIK, now=now)
        # A slot seven days ahead is outside "the coming seven days".
        now = datetime.datetime(2026, 12, 7, 2, tzinfo=datetime.UTC)
        assert made_long_ago_for_later not in bookings.nik_active_bookings(NIK, now=now)


@pytest.mark.django_db(transaction=True)
def test_bookings_sent_at_once_from_many_phones_never_pass_the_limit(service_a):
    _schedule(service_a)
    days = [WED, THU, FRI, MON, datetime.date(2026, 12, 8), datetime.date(2026, 12, 9)]
    threads = len(days)
    barrier = threading.Barrier(threads)

    def book(n):
        try:
            barrier.wait(timeout=10)
            bookings.booking_create(
                service=service_a,
                day=days[n],
                slot_start=T(9),
                name=f"W{n}",
                nik=NIK,
                phone=f"0813{n:08d}",
            )
            return "ok"
        except ValidationError as exc:
            return list(exc.message_dict)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(book, range(threads)))
    assert results.count("ok") == 3
    assert sorted(r for r in results if r != "ok") == [["nik"]] * 3
    assert Booking.objects.filter(nik=NIK).count() == 3
    assert sum(BookingSeat.objects.filter(slot_start=None).values_list("taken", flat=True)) == 3


class TestWhereTheCitizenSeesIt:
    def test_the_booking_form_marks_the_nik_field(self, client, schedules, service_a):
        _book(service_a, WED)
        _book(service_a, THU)
        _book(service_a, FRI)
        url = reverse("services:booking_service", args=[service_a.pk])
        data = {
            "tanggal": "2026-12-07",
            "jam": "09:00",
            "name": "Siti Aminah",
            "nik": "1707 0141 0190 0001",
            "phone": "0812-9999-0000",
            "email": "",
            "step": "book",
        }
        response = client.post(url, data)
        assert response.status_code == 200
        assert "pemesanan aktif dalam seminggu" in response.context["form"].errors["nik"][0]
        assert Booking.objects.filter(nik=NIK).count() == 3

    def test_the_api_answers_400_on_the_nik_field(self, api_client, schedules, service_a):
        _book(service_a, WED)
        _book(service_a, THU)
        _book(service_a, FRI)
        payload = {
            "service": service_a.pk,
            "date": "2026-12-07",
            "slot_start": "09:00",
            "name": "Siti Aminah",
            "nik": NIK,
            "phone": "081299990000",
        }
        response = api_client.post("/api/v1/bookings/", payload, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert list(body["errors"]) == ["nik"]
        assert "pemesanan aktif" in body["errors"]["nik"][0]
