"""Anti-calo: the weekly limit of active bookings per NIK, whatever the phone."""

import datetime
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from mpp_portal.notifications.models import OutboxMessage
from services import booking as bookings
from services.models import Booking, BookingConfirmation, BookingSchedule, BookingSeat

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


# ---------------------------------------------------------------------------
# One-time code to the phone (BOOKING_OTP)
# ---------------------------------------------------------------------------
def _sent_code(phone="+6281234567890"):
    message = OutboxMessage.objects.filter(recipient=phone, body__contains="Kode konfirmasi")
    return re.search(r"\b(\d{6})\b", message.latest("pk").body).group(1)


def _request(service, day=WED, phone="081234567890", nik=NIK):
    return bookings.booking_request(
        service=service, day=day, slot_start=NINE, name="Siti", nik=nik, phone=phone
    )


class TestOneTimeCode:
    @pytest.mark.parametrize(
        ("mode", "gateway", "required"),
        [
            ("auto", None, False),
            ("auto", "http://gateway.test/send", True),
            ("on", None, True),
            ("off", "http://gateway.test/send", False),
        ],
    )
    def test_when_a_code_is_asked(self, settings, mode, gateway, required):
        settings.BOOKING_OTP, settings.SMS_GATEWAY_URL = mode, gateway
        assert bookings.booking_otp_required() is required

    def test_the_code_goes_to_the_phone_hashed_and_no_seat_is_held(self, schedules, service_a):
        pending, secret = _request(service_a)
        code = _sent_code()
        assert not Booking.objects.exists()
        assert not BookingSeat.objects.exists()
        stored = BookingConfirmation.objects.values().get()
        assert not any(code in str(value) for value in stored.values())
        assert secret not in str(stored)
        booking, token = bookings.booking_confirm(secret=secret, code=code)
        assert booking.check_manage_token(token)
        assert (booking.nik, booking.phone) == (NIK, "+6281234567890")
        assert not BookingConfirmation.objects.exists()
        assert BookingSeat.objects.get(slot_start=None).taken == 1

    def test_a_request_is_checked_like_a_booking(self, schedules, service_a, service_a2):
        _book(service_a, THU)
        _book(service_a2, THU)
        _book(service_a, FRI)
        with pytest.raises(ValidationError) as excinfo:
            _request(service_a)
        assert list(excinfo.value.message_dict) == ["nik"]
        assert not OutboxMessage.objects.filter(body__contains="Kode konfirmasi").exists()

    def test_a_phone_gets_at_most_three_codes_at_a_time(self, schedules, service_a):
        """The form must not be a way to flood somebody's number with messages."""
        for day in (WED, THU, FRI):
            _request(service_a, day=day)
        with pytest.raises(ValidationError, match="Sudah ada 3 kode"):
            _request(service_a, day=MON)
        assert OutboxMessage.objects.filter(body__contains="Kode konfirmasi").count() == 3

    def test_five_wrong_codes_drop_the_request(self, schedules, service_a):
        _pending, secret = _request(service_a)
        code = _sent_code()
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for left in (4, 3, 2, 1):
            with pytest.raises(ValidationError, match=f"Sisa percobaan: {left}"):
                bookings.booking_confirm(secret=secret, code=wrong)
        with pytest.raises(bookings.ConfirmationGone, match="5 kali"):
            bookings.booking_confirm(secret=secret, code=wrong)
        with pytest.raises(bookings.ConfirmationGone):
            bookings.booking_confirm(secret=secret, code=code)
        assert not Booking.objects.exists()

    def test_an_expired_code_is_refused_and_purged(self, schedules, service_a):
        pending, secret = _request(service_a)
        code = _sent_code()
        BookingConfirmation.objects.filter(pk=pending.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        with pytest.raises(bookings.ConfirmationGone):
            bookings.booking_confirm(secret=secret, code=code)
        _fresh, _secret = _request(service_a, phone="081298765432", nik=OTHER_NIK)
        assert bookings.booking_confirmations_purge() == 1
        assert list(BookingConfirmation.objects.values_list("nik", flat=True)) == [OTHER_NIK]

    def test_a_slot_taken_while_the_code_travels_is_refused_at_confirmation(
        self, schedules, service_a
    ):
        """No seat was held: the last seats went to others meanwhile."""
        _pending, secret = _request(service_a)
        code = _sent_code()
        _book(service_a, WED, nik="1707011501900031")
        _book(service_a, WED, nik="1707011501900032")
        with pytest.raises(bookings.SlotFull):
            bookings.booking_confirm(secret=secret, code=code)
        assert Booking.objects.count() == 2
        # The same code books once only.
        other_pending, other_secret = _request(service_a, day=THU, nik=OTHER_NIK)
        other_code = _sent_code()
        bookings.booking_confirm(secret=other_secret, code=other_code)
        with pytest.raises(bookings.ConfirmationGone):
            bookings.booking_confirm(secret=other_secret, code=other_code)

    def test_the_booking_pages_ask_for_the_code(self, client, schedules, service_a, settings):
        settings.BOOKING_OTP = "on"
        url = reverse("services:booking_service", args=[service_a.pk])
        data = {
            "tanggal": "2026-12-02",
            "jam": "09:00",
            "name": "Siti Aminah",
            "nik": NIK,
            "phone": "0812-3456-7890",
            "email": "",
            "step": "book",
        }
        response = client.post(url, data)
        verify = reverse("services:booking_verify")
        assert response["Location"] == verify
        assert not Booking.objects.exists()
        page = client.get(verify)
        assert "0812" in page.content.decode() and "567890" not in page.content.decode()
        wrong = client.post(verify, {"code": "000000" if _sent_code() != "000000" else "111111"})
        assert wrong.status_code == 400
        assert "Sisa percobaan: 4" in wrong.content.decode()
        done = client.post(verify, {"code": _sent_code()})
        booking = Booking.objects.get()
        assert done["Location"] == reverse("services:booking_done", args=[booking.code])
        assert client.get(done["Location"]).status_code == 200
        # The step is over: the page now says so.
        assert "tidak berlaku" in client.get(verify).content.decode()

    def test_the_api_answers_202_then_books_on_confirm(self, api_client, schedules, service_a):
        from django.test import override_settings

        payload = {
            "service": service_a.pk,
            "date": "2026-12-02",
            "slot_start": "09:00",
            "name": "Siti Aminah",
            "nik": NIK,
            "phone": "081234567890",
        }
        with override_settings(BOOKING_OTP="on"):
            pending = api_client.post("/api/v1/bookings/", payload, format="json")
            assert pending.status_code == 202, pending.content
            secret = pending.json()["confirmation_token"]
            assert not Booking.objects.exists()
            url = "/api/v1/bookings/confirm/"
            wrong = api_client.post(
                url, {"confirmation_token": secret, "code": "12345"}, format="json"
            )
            assert wrong.status_code == 400 and list(wrong.json()["errors"]) == ["code"]
            booked = api_client.post(
                url, {"confirmation_token": secret, "code": _sent_code()}, format="json"
            )
            assert booked.status_code == 201, booked.content
            assert booked.json()["code"] == Booking.objects.get().code
            again = api_client.post(
                url, {"confirmation_token": secret, "code": _sent_code()}, format="json"
            )
            assert (again.status_code, again.json()["code"]) == (409, "confirmation_expired")
