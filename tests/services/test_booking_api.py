"""Booking API: slots, booking, cancelling with the token, checking in at the kiosk."""

import datetime

import pytest
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from services import booking as bookings
from services.models import Booking, Ticket
from tests.services.conftest import make_schedule

T = datetime.time
TODAY = datetime.date(2026, 12, 1)
WED = datetime.date(2026, 12, 2)
NIK_F = "1707014101900001"
NIK_M = "1707011501900002"
NINE = T(9)


@pytest.fixture
def schedule(service_a):
    return make_schedule(service_a, seats_per_slot=1, daily_quota=10)


def _book(service, nik=NIK_F, phone="081234567890", day=WED, start=NINE, **extra):
    return bookings.booking_create(
        service=service, day=day, slot_start=start, name="Siti", nik=nik, phone=phone, **extra
    )


def _slots_url(service):
    return f"/api/v1/services/{service.pk}/slots/"


def _payload(service, **extra):
    return {
        "service": service.pk,
        "date": "2026-12-02",
        "slot_start": "09:00",
        "name": "Siti Aminah",
        "nik": NIK_F,
        "phone": "081234567890",
        "email": "siti@example.test",
        **extra,
    }


class TestSlots:
    def test_it_lists_free_seats(self, api_client, schedule, service_a):
        _book(service_a)
        response = api_client.get(_slots_url(service_a), {"date": "2026-12-02"})
        assert response.status_code == 200
        body = response.json()
        assert body["closed_reason"] is None
        assert body["slots"][0] == {"start": "08:00", "end": "08:30", "free": 1}
        assert {"start": "09:00", "end": "09:30", "free": 0} in body["slots"]

    def test_a_closed_day_says_why(self, api_client, schedule, service_a):
        response = api_client.get(_slots_url(service_a), {"date": "2026-12-05"})
        assert response.status_code == 200
        assert response.json()["slots"] == []
        assert "Tidak ada layanan pemesanan" in response.json()["closed_reason"]

    def test_bad_or_missing_date(self, api_client, schedule, service_a):
        response = api_client.get(_slots_url(service_a))
        assert response.status_code == 400
        assert "date" in response.json()["errors"]
        response = api_client.get(_slots_url(service_a), {"date": "02-12-2026"})
        assert response.status_code == 400
        assert response.json()["errors"]["date"] == ["Format tanggal harus YYYY-MM-DD."]

    def test_unknown_service(self, api_client, schedule):
        assert (
            api_client.get("/api/v1/services/999999/slots/", {"date": "2026-12-02"}).status_code
            == 404
        )


class TestCreate:
    def test_it_books(self, api_client, schedule, service_a):
        response = api_client.post("/api/v1/bookings/", _payload(service_a), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        booking = Booking.objects.get()
        assert body["code"] == booking.code
        assert body["service"] == service_a.pk
        assert (body["date"], body["slot_start"], body["status"]) == (
            "2026-12-02",
            "09:00",
            "booked",
        )
        assert booking.check_manage_token(body["manage_token"])
        assert body["manage_token"] in body["manage_url"]
        # Never the whole NIK or phone number.
        assert NIK_F not in response.content.decode()
        assert "81234567890" not in response.content.decode()
        assert body["nik"] == "1707********0001"

    def test_bad_input_field_by_field(self, api_client, schedule, service_a):
        payload = _payload(service_a, nik="1707013201900001", phone="12", slot_start="09:10")
        response = api_client.post("/api/v1/bookings/", payload, format="json")
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert set(errors) == {"nik", "phone"}
        assert "NIK" in errors["nik"][0]
        response = api_client.post(
            "/api/v1/bookings/", _payload(service_a, slot_start="09:10"), format="json"
        )
        assert response.status_code == 400
        assert "slot_start" in response.json()["errors"]
        response = api_client.post("/api/v1/bookings/", {}, format="json")
        assert response.status_code == 400
        assert {"service", "date", "nik"} <= set(response.json()["errors"])
        assert not Booking.objects.exists()

    def test_a_full_slot_is_409(self, api_client, schedule, service_a):
        _book(service_a, nik=NIK_M, phone="081298765432")
        response = api_client.post("/api/v1/bookings/", _payload(service_a), format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "slot_full"
        assert Booking.objects.count() == 1

    def test_it_is_throttled_by_its_own_scope(self, api_client, schedule, service_a, monkeypatch):
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "bookings", "2/hour")
        for n in range(2):
            api_client.post(
                "/api/v1/bookings/",
                _payload(service_a, nik=f"17070115019000{10 + n}", phone=f"08120000000{n}"),
                format="json",
            )
        response = api_client.post("/api/v1/bookings/", _payload(service_a), format="json")
        assert response.status_code == 429
        assert "bookings" in api_settings.DEFAULT_THROTTLE_RATES


class TestCancel:
    def test_with_the_token(self, api_client, schedule, service_a):
        booking, token = _book(service_a)
        response = api_client.post(
            f"/api/v1/bookings/{booking.code}/cancel/", {"token": token}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED

    def test_wrong_token_or_code_is_404(self, api_client, schedule, service_a):
        booking, _token = _book(service_a)
        url = f"/api/v1/bookings/{booking.code}/cancel/"
        assert api_client.post(url, {"token": "salah"}, format="json").status_code == 404
        assert api_client.post(url, {}, format="json").status_code == 404
        response = api_client.post("/api/v1/bookings/ZZZZ2222/cancel/", {"token": "x"})
        assert response.status_code == 404
        booking.refresh_from_db()
        assert booking.status == Booking.Status.BOOKED

    def test_twice_is_409(self, api_client, schedule, service_a):
        booking, token = _book(service_a)
        url = f"/api/v1/bookings/{booking.code}/cancel/"
        api_client.post(url, {"token": token}, format="json")
        response = api_client.post(url, {"token": token}, format="json")
        assert response.status_code == 409


class TestCheckIn:
    def test_the_kiosk_gets_a_ticket(self, token_client, schedule, service_a, kiosk_user):
        booking, _token = _book(service_a, day=TODAY, start=T(9, 30))
        response = token_client(kiosk_user).post(f"/api/v1/bookings/{booking.code}/check-in/")
        assert response.status_code == 201, response.json()
        ticket = Ticket.objects.get()
        assert response.json()["code"] == ticket.code
        assert response.json()["tracking_code"] == ticket.tracking_code
        booking.refresh_from_db()
        assert booking.ticket == ticket

    def test_too_early_is_409(self, token_client, schedule, service_a, staff_a):
        booking, _token = _book(service_a)
        response = token_client(staff_a).post(f"/api/v1/bookings/{booking.code}/check-in/")
        assert response.status_code == 409
        assert response.json()["code"] == "too_early"
        assert not Ticket.objects.exists()

    def test_too_late_is_409(self, token_client, schedule, service_a, kiosk_user):
        import time_machine

        from mpp_portal.workdays import JAKARTA

        booking, _token = _book(service_a, day=TODAY, start=T(9, 30))
        client = token_client(kiosk_user)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 30, tzinfo=JAKARTA)):
            response = client.post(f"/api/v1/bookings/{booking.code}/check-in/")
        assert response.status_code == 409
        assert response.json()["code"] == "too_late"

    def test_citizens_may_not(self, token_client, api_client, schedule, service_a, citizen):
        booking, _token = _book(service_a, day=TODAY, start=T(9, 30))
        response = token_client(citizen).post(f"/api/v1/bookings/{booking.code}/check-in/")
        assert response.status_code == 403
        assert api_client.post(f"/api/v1/bookings/{booking.code}/check-in/").status_code == 401
        booking.refresh_from_db()
        assert booking.status == Booking.Status.BOOKED

    def test_unknown_code_is_404(self, token_client, kiosk_user):
        response = token_client(kiosk_user).post("/api/v1/bookings/ZZZZ2222/check-in/")
        assert response.status_code == 404


class TestList:
    def test_staff_see_their_agency_masked(
        self, token_client, schedule, service_a, staff_a, staff_b, django_assert_max_num_queries
    ):
        for n in range(4):
            _book(
                service_a,
                nik=f"17070115019000{10 + n}",
                phone=f"08120000000{n}",
                start=[T(8), T(8, 30), T(9), T(9, 30)][n],
            )
        client = token_client(staff_a)
        with django_assert_max_num_queries(6):
            response = client.get("/api/v1/bookings/", {"date": "2026-12-02"})
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == 4
        assert all("*" in row["nik"] and "*" in row["phone"] for row in results)
        assert "1707011501900010" not in response.content.decode()
        assert token_client(staff_b).get("/api/v1/bookings/").json()["results"] == []

    def test_a_citizen_sees_only_their_own(self, token_client, schedule, service_a, citizen):
        mine, _t = _book(service_a, user=citizen)
        _book(service_a, nik=NIK_M, phone="081298765432", start=T(10))
        response = token_client(citizen).get("/api/v1/bookings/")
        assert [row["code"] for row in response.json()["results"]] == [mine.code]

    def test_anonymous_gets_401(self, api_client):
        assert api_client.get("/api/v1/bookings/").status_code == 401
