"""Booking pages: the citizen's flow, the manage link, PDF, staff lists, kiosk check-in."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.throttling import ScopedRateThrottle

from mpp_portal.audit.models import AuditEntry
from mpp_portal.workdays import JAKARTA
from services import booking as bookings
from services.models import Booking, BookingSchedule, ClosedBookingDay, Ticket
from tests.services.conftest import make_schedule

T = datetime.time
TODAY = datetime.date(2026, 12, 1)
WED = datetime.date(2026, 12, 2)
NIK_F = "1707014101900001"  # Lebong Utara, a woman born 1 Jan 1990 (day + 40)
NIK_M = "1707011501900002"
NINE = T(9)


@pytest.fixture
def schedule(service_a):
    return make_schedule(service_a, seats_per_slot=2, daily_quota=10)


def _book(service, nik=NIK_F, phone="081234567890", day=WED, start=NINE, **extra):
    return bookings.booking_create(
        service=service,
        day=day,
        slot_start=start,
        name="Siti Aminah",
        nik=nik,
        phone=phone,
        **extra,
    )


def _service_url(service, **query):
    url = reverse("services:booking_service", args=[service.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


DATA = {
    "tanggal": "2026-12-02",
    "jam": "09:00",
    "name": "Siti Aminah",
    "nik": "1707 0141 0190 0001",
    "phone": "0812-3456-7890",
    "email": "",
}


# ---------------------------------------------------------------------------
# Choosing a service, a day and a slot
# ---------------------------------------------------------------------------


def _schedule_form(**fields):
    """The schedule form as an agency admin posts it: a valid week, then ``fields``."""
    return {
        "is_active": "on",
        "weekdays": ["0"],
        "opens": "08:00",
        "closes": "12:00",
        "slot_minutes": "30",
        "seats_per_slot": "2",
        "daily_quota": "10",
        "days_ahead": "7",
        "same_day_cutoff": "",
        **fields,
    }


class TestStart:
    def test_it_lists_services_that_take_bookings(self, client, schedule, service_a, service_b):
        response = client.get(reverse("services:booking_start"))
        assert response.status_code == 200
        assert service_a.name in response.text
        assert service_b.name not in response.text  # no schedule
        assert _service_url(service_a) in response.text

    def test_search(self, client, schedule, service_a):
        response = client.get(reverse("services:booking_start"), {"q": "kendaraan"})
        assert response.status_code == 200
        assert service_a.name not in response.text
        response = client.get(reverse("services:booking_start"), {"q": "KTP"})
        assert service_a.name in response.text

    def test_list_costs_few_queries(
        self, client, schedule, service_a, service_a2, django_assert_max_num_queries
    ):
        BookingSchedule.objects.create(service=service_a2, weekdays=[0, 1, 2, 3, 4])
        with django_assert_max_num_queries(6):
            client.get(reverse("services:booking_start"))


class TestServicePage:
    def test_it_shows_requirements_and_days(self, client, schedule, service_a):
        response = client.get(_service_url(service_a))
        assert response.status_code == 200
        assert "KTP-el asli" in response.text  # the service's requirements
        assert "Gratis" in response.text or "Rp" in response.text
        assert "?tanggal=2026-12-02" in response.text
        # Saturday 5 December is shown, but closed (no link).
        assert "?tanggal=2026-12-05" not in response.text
        assert "Tidak ada layanan pemesanan pada tanggal ini." in response.text

    def test_a_day_shows_its_slots_and_full_ones_disabled(self, client, schedule, service_a):
        _book(service_a)
        _book(service_a, nik=NIK_M, phone="081298765432")
        response = client.get(_service_url(service_a, tanggal="2026-12-02"))
        assert response.status_code == 200
        assert "jam=08:00" in response.text
        assert "jam=09:00" not in response.text  # full: no link
        assert "penuh" in response.text

    def test_htmx_swaps_only_the_picker(self, client, schedule, service_a):
        response = client.get(_service_url(service_a, tanggal="2026-12-02"), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "<html" not in response.text
        assert 'id="booking-picker"' in response.text
        assert "jam=08:30" in response.text

    def test_a_service_without_bookings_is_404(self, client, service_b):
        assert client.get(_service_url(service_b)).status_code == 404

    def test_bad_or_closed_dates(self, client, schedule, service_a):
        response = client.get(_service_url(service_a, tanggal="bukan-tanggal"))
        assert response.status_code == 200
        response = client.get(_service_url(service_a, tanggal="2026-12-25"))
        assert "Tidak ada layanan pemesanan pada tanggal ini." in response.text
        assert "jam=" not in response.text


# ---------------------------------------------------------------------------
# The form, confirmation and success
# ---------------------------------------------------------------------------
class TestBooking:
    def test_the_whole_flow(self, client, schedule, service_a):
        response = client.get(_service_url(service_a, tanggal="2026-12-02", jam="09:00"))
        assert response.status_code == 200
        assert 'inputmode="numeric"' in response.text
        assert 'name="nik"' in response.text

        response = client.post(_service_url(service_a), {**DATA, "step": "confirm"})
        assert response.status_code == 200
        assert "Periksa sekali lagi" in response.text
        assert NIK_F in response.text
        assert "Rabu, 2 Desember 2026" in response.text
        assert not Booking.objects.exists()

        response = client.post(_service_url(service_a), {**DATA, "step": "book"})
        booking = Booking.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("services:booking_done", args=[booking.code])
        assert booking.nik == NIK_F and booking.phone == "+6281234567890"
        assert booking.user is None

        response = client.get(response["Location"])
        assert response.status_code == 200
        assert booking.code in response.text
        assert "<svg" in response.text
        assert "token=" in response.text  # the manage link, shown once
        assert reverse("services:booking_pdf", args=[booking.code]) in response.text
        again = client.get(reverse("services:booking_done", args=[booking.code]))
        assert again.status_code == 200
        assert "token=" not in again.text

    def test_a_signed_in_citizen_owns_the_booking(self, client, schedule, service_a, citizen):
        client.force_login(citizen)
        client.post(_service_url(service_a), {**DATA, "step": "book"})
        booking = Booking.objects.get()
        assert booking.user == citizen
        response = client.get(reverse("services:my_bookings"))
        assert booking.code in response.text

    def test_bad_input_is_shown_per_field_and_nothing_is_saved(self, client, schedule, service_a):
        data = {**DATA, "nik": "1707013201900001", "phone": "12345", "name": " ", "step": "book"}
        response = client.post(_service_url(service_a), data)
        assert response.status_code == 200
        assert "Tanggal lahir dalam NIK (angka ke-7 sampai ke-12) tidak sah" in response.text
        assert "Nomor HP tidak valid" in response.text
        assert 'aria-invalid="true"' in response.text
        assert not Booking.objects.exists()

        response = client.post(_service_url(service_a), {**data, "nik": "123"})
        assert "NIK harus 16 angka." in response.text

    def test_slot_taken_meanwhile(self, client, schedule, service_a):
        client.get(_service_url(service_a, tanggal="2026-12-02", jam="09:00"))
        _book(service_a, nik=NIK_M, phone="081211111111")
        _book(service_a, nik="1707011501900003", phone="081222222222")
        response = client.post(_service_url(service_a), {**DATA, "step": "book"})
        assert response.status_code == 409
        assert "sudah penuh" in response.text
        assert Booking.objects.count() == 2

    def test_the_final_post_is_throttled_at_the_apis_booking_rate(
        self, client, schedule, service_a, monkeypatch
    ):
        """The form shares the ``bookings`` rate of POST /api/v1/bookings/ (per address)."""
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "bookings", "2/hour")

        def book(n, **extra):
            data = {
                **DATA,
                "nik": f"17070115019000{10 + n}",
                "phone": f"08120000000{n}",
                "jam": ["08:00", "08:30", "10:00", "10:30"][n],
                "step": "book",
            }
            return client.post(_service_url(service_a), data, **extra)

        assert [book(n).status_code for n in range(3)] == [302, 302, 429]
        assert Booking.objects.count() == 2
        response = book(2)
        assert response.status_code == 429
        assert "Terlalu banyak pemesanan dari jaringan Anda" in response.text
        # Checking the data first is not limited, and another address may still book.
        assert client.post(_service_url(service_a), {**DATA, "step": "confirm"}).status_code == 200
        assert book(3, REMOTE_ADDR="10.9.9.9").status_code == 302
        assert Booking.objects.count() == 3

    def test_anti_calo_same_nik_same_day(self, client, schedule, service_a):
        _book(service_a, start=T(8), phone="081277777777")
        response = client.post(_service_url(service_a), {**DATA, "step": "book"})
        assert response.status_code == 200
        assert "sudah memiliki pemesanan aktif" in response.text
        assert Booking.objects.count() == 1

    def test_done_page_is_not_for_strangers(self, client, schedule, service_a):
        booking, _token = _book(service_a)
        url = reverse("services:booking_done", args=[booking.code])
        assert client.get(url).status_code == 404


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------
class TestPdf:
    def test_it_renders_readable_text(self, client, schedule, service_a):
        booking, token = _book(service_a)
        url = reverse("services:booking_pdf", args=[booking.code])
        response = client.get(url, {"token": token})
        assert response.status_code == 302 and "token" not in response["Location"]
        response = client.get(response["Location"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert booking.code in text
        assert "Rabu, 2 Desember 2026" in text
        assert "09.00" in text
        assert service_a.name in text
        assert "KTP-el asli" in text
        assert NIK_F not in text

    def test_without_the_token_it_is_404(self, client, schedule, service_a, citizen, staff_b):
        booking, _token = _book(service_a)
        url = reverse("services:booking_pdf", args=[booking.code])
        assert client.get(url).status_code == 404
        assert client.get(url, {"token": "salah"}).status_code == 404
        client.force_login(staff_b)
        assert client.get(url).status_code == 404

    def test_staff_may_print_it(self, client, schedule, service_a, staff_a):
        booking, _token = _book(service_a)
        client.force_login(staff_a)
        response = client.get(reverse("services:booking_pdf", args=[booking.code]))
        assert response.status_code == 200


# ---------------------------------------------------------------------------
# Manage link
# ---------------------------------------------------------------------------
class TestManage:
    def test_the_token_moves_into_the_session(self, client, schedule, service_a):
        booking, token = _book(service_a)
        url = reverse("services:booking_manage", args=[booking.code])
        response = client.get(url, {"token": token})
        assert response.status_code == 302
        assert response["Location"] == url
        response = client.get(url)
        assert response.status_code == 200
        assert booking.code in response.text
        assert "Dipesan" in response.text

    def test_a_wrong_token_is_404_and_a_missing_one_asks_for_code_and_phone(
        self, client, schedule, service_a
    ):
        booking, _token = _book(service_a)
        url = reverse("services:booking_manage", args=[booking.code])
        assert client.get(url, {"token": "salah"}).status_code == 404
        find = f"{reverse('services:booking_find')}?kode={booking.code}"
        assert client.get(url)["Location"] == find
        assert client.post(url, {"action": "cancel"})["Location"] == find
        booking.refresh_from_db()
        assert booking.status == Booking.Status.BOOKED

    def test_code_and_phone_open_the_booking_without_the_link(self, client, schedule, service_a):
        booking, _token = _book(service_a)
        find = reverse("services:booking_find")
        page = client.get(find, {"kode": booking.code})
        assert page.status_code == 200
        assert f'value="{booking.code}"' in page.content.decode()

        # A wrong number, a wrong code: one answer, nothing opened.
        for code, phone in [(booking.code, "081299998888"), ("ZZZZ9999", booking.phone)]:
            wrong = client.post(find, {"code": code, "phone": phone})
            assert wrong.status_code == 400
            assert "tidak cocok" in wrong.content.decode()
        assert (
            client.get(reverse("services:booking_manage", args=[booking.code])).status_code == 302
        )

        # The number as typed on a phone, the code in lower case.
        local = "0" + booking.phone.removeprefix("+62")
        opened = client.post(find, {"code": booking.code.lower(), "phone": local})
        assert opened["Location"] == reverse("services:booking_manage", args=[booking.code])
        manage = reverse("services:booking_manage", args=[booking.code])
        assert client.get(manage).status_code == 200
        client.post(manage, {"action": "cancel"})
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED

    def test_the_find_form_is_throttled(self, client, schedule, service_a, monkeypatch):
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "bookings", "2/hour")
        find = reverse("services:booking_find")
        for _ in range(2):
            client.post(find, {"code": "ZZZZ9999", "phone": "081299998888"})
        assert client.post(find, {"code": "ZZZZ9999", "phone": "081299998888"}).status_code == 429

    def test_cancel_with_confirmation(self, client, schedule, service_a):
        booking, token = _book(service_a)
        url = reverse("services:booking_manage", args=[booking.code])
        client.get(url, {"token": token})
        response = client.get(url, {"batal": "1"})
        assert "Batalkan pemesanan ini?" in response.text
        response = client.post(url, {"action": "cancel"})
        assert response.status_code == 302
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        assert "Dibatalkan" in client.get(url).text
        # The seat is free again.
        slot = next(s for s in bookings.available_slots(service_a, WED) if s["start"] == T(9))
        assert slot["free"] == 2

    def test_reschedule(self, client, schedule, service_a):
        booking, token = _book(service_a)
        url = reverse("services:booking_manage", args=[booking.code])
        client.get(url, {"token": token})
        response = client.get(url, {"ubah": "1", "tanggal": "2026-12-03"})
        assert response.status_code == 200
        assert 'value="10:00"' in response.text
        response = client.post(
            url, {"action": "reschedule", "tanggal": "2026-12-03", "jam": "10:00"}
        )
        assert response.status_code == 302
        booking.refresh_from_db()
        assert (booking.date, booking.slot_start) == (datetime.date(2026, 12, 3), T(10))

    def test_reschedule_within_a_fully_booked_day(self, client, schedule, service_a):
        """The day's quota is full, yet the booking may move to a free slot of that day."""
        schedule.daily_quota = 3
        schedule.save(update_fields=["daily_quota"])
        booking, token = _book(service_a)
        for n, start in enumerate([T(8), T(8, 30)]):
            _book(service_a, nik=f"17070115019000{10 + n}", phone=f"08120000000{n}", start=start)
        url = reverse("services:booking_manage", args=[booking.code])
        client.get(url, {"token": token})
        response = client.get(url, {"ubah": "1", "tanggal": "2026-12-02"})
        free = {s["start"]: s["free"] for s in response.context["slots"]}
        assert (free[T(10)], free[T(8)]) == (2, 1)
        response = client.post(
            url, {"action": "reschedule", "tanggal": "2026-12-02", "jam": "10:00"}, follow=True
        )
        assert "Jadwal pemesanan sudah diubah." in response.text
        booking.refresh_from_db()
        assert (booking.date, booking.slot_start) == (WED, T(10))

    def test_reschedule_to_a_closed_day_says_why(self, client, schedule, service_a):
        booking, token = _book(service_a)
        url = reverse("services:booking_manage", args=[booking.code])
        client.get(url, {"token": token})
        response = client.post(
            url, {"action": "reschedule", "tanggal": "2026-12-05", "jam": "10:00"}, follow=True
        )
        assert "Tidak ada layanan pemesanan pada tanggal ini." in response.text
        booking.refresh_from_db()
        assert booking.date == WED


# ---------------------------------------------------------------------------
# Detail and own list
# ---------------------------------------------------------------------------
class TestDetail:
    def test_owner_and_staff_see_it_masked(self, client, schedule, service_a, citizen, staff_a):
        booking, _token = _book(service_a, user=citizen)
        url = reverse("services:booking_detail", args=[booking.code])
        client.force_login(citizen)
        assert client.get(url).status_code == 200
        client.force_login(staff_a)
        response = client.get(url)
        assert response.status_code == 200
        assert "1707********0001" in response.text
        assert NIK_F not in response.text
        assert "81234567890" not in response.text

    def test_others_get_404(self, client, schedule, service_a, staff_b, django_user_model):
        booking, _token = _book(service_a)
        url = reverse("services:booking_detail", args=[booking.code])
        assert client.get(url).status_code == 404
        client.force_login(staff_b)
        assert client.get(url).status_code == 404
        other = django_user_model.objects.create_user("warga.lain", password="x")
        client.force_login(other)
        assert client.get(url).status_code == 404

    def test_my_bookings_needs_login_and_shows_only_mine(
        self, client, schedule, service_a, citizen, django_assert_max_num_queries
    ):
        url = reverse("services:my_bookings")
        assert client.get(url).status_code == 302
        mine, _t = _book(service_a, user=citizen)
        _book(service_a, user=citizen, day=datetime.date(2026, 12, 3), phone="081211112222")
        theirs, _t = _book(service_a, nik=NIK_M, phone="081298765432")
        client.force_login(citizen)
        with django_assert_max_num_queries(5):
            response = client.get(url)
        assert mine.code in response.text
        assert theirs.code not in response.text


# ---------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------
class TestStaffList:
    def test_staff_see_their_agencys_day_masked(self, client, schedule, service_a, staff_a):
        booking, _token = _book(service_a)
        client.force_login(staff_a)
        response = client.get(reverse("services:booking_staff"), {"tanggal": "2026-12-02"})
        assert response.status_code == 200
        assert booking.code in response.text
        assert "1707********0001" in response.text
        assert NIK_F not in response.text
        assert "81234567890" not in response.text
        assert response.context["counts"]["booked"] == 1

    def test_other_agency_and_citizens(self, client, schedule, service_a, staff_b, citizen):
        booking, _token = _book(service_a)
        client.force_login(staff_b)
        response = client.get(reverse("services:booking_staff"), {"tanggal": "2026-12-02"})
        assert response.status_code == 200
        assert booking.code not in response.text
        client.force_login(citizen)
        assert client.get(reverse("services:booking_staff")).status_code == 403

    def test_counts_and_checked_in_ticket(self, client, schedule, service_a, hall_admin):
        checked, _t = _book(service_a, day=TODAY, start=T(9, 30))
        bookings.booking_check_in(code=checked.code, by=hall_admin)
        cancelled, token = _book(service_a, nik=NIK_M, phone="081298765432", day=TODAY, start=T(10))
        bookings.booking_cancel(booking=cancelled, token=token)
        client.force_login(hall_admin)
        response = client.get(reverse("services:booking_staff"))
        counts = response.context["counts"]
        assert (counts["checked_in"], counts["cancelled"], counts["booked"]) == (1, 1, 0)
        checked.refresh_from_db()
        assert checked.ticket.code in response.text

    def test_query_count_does_not_grow(
        self, client, schedule, service_a, hall_admin, django_assert_max_num_queries
    ):
        for n in range(6):
            _book(
                service_a,
                nik=f"17070115019000{10 + n}",
                phone=f"08120000000{n}",
                start=[T(8), T(8, 30), T(9), T(9, 30), T(10), T(10, 30)][n],
            )
        client.force_login(hall_admin)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("services:booking_staff"), {"tanggal": "2026-12-02"})
        assert len(response.context["rows"]) == 6


class TestSchedule:
    def test_agency_admin_edits_the_schedule(self, client, schedule, service_a, agency_admin_a):
        client.force_login(agency_admin_a)
        url = reverse("services:booking_schedule", args=[service_a.pk])
        assert client.get(url).status_code == 200
        data = _schedule_form(
            weekdays=["0", "2", "4"],
            closes="11:00",
            slot_minutes="20",
            seats_per_slot="3",
            daily_quota="15",
            days_ahead="10",
            same_day_cutoff="09:00",
        )
        response = client.post(url, data)
        assert response.status_code == 302
        schedule.refresh_from_db()
        assert schedule.weekdays == [0, 2, 4]
        assert schedule.slot_minutes == 20
        entry = AuditEntry.objects.get(action="booking.schedule_update")
        assert "slot_minutes" in entry.changes

    def test_a_new_schedule(self, client, service_a2, agency_admin_a):
        client.force_login(agency_admin_a)
        url = reverse("services:booking_schedule", args=[service_a2.pk])
        assert client.post(url, _schedule_form()).status_code == 302
        assert BookingSchedule.objects.get(service=service_a2).same_day_cutoff is None

    def test_bad_input_in_indonesian(self, client, schedule, service_a, agency_admin_a):
        client.force_login(agency_admin_a)
        url = reverse("services:booking_schedule", args=[service_a.pk])
        data = {
            "opens": "12:00",
            "closes": "08:00",
            "slot_minutes": "2",
            "seats_per_slot": "5",
            "daily_quota": "3",
            "days_ahead": "7",
        }
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Pilih paling sedikit satu hari." in response.text
        assert "Jam selesai harus setelah jam mulai." in response.text
        assert "Nilai paling kecil 5." in response.text
        assert "Kuota harian tidak boleh kurang dari kursi per slot." in response.text
        schedule.refresh_from_db()
        assert schedule.opens == T(8)

    @pytest.mark.parametrize(
        ("weekdays", "opens", "closes", "message"),
        [
            (["0", "1"], "07:00", "12:00", "harus di dalam jam layanan gedung (Senin 08.00-16.00"),
            (["2"], "13:00", "17:00", "harus di dalam jam layanan gedung (Rabu 08.00-16.00)"),
            (["4", "5"], "08:00", "12:00", "Gedung tutup pada hari Sabtu"),
        ],
    )
    def test_booking_hours_must_lie_within_the_halls_office_hours(
        self, client, schedule, service_a, agency_admin_a, weekdays, opens, closes, message
    ):
        client.force_login(agency_admin_a)
        url = reverse("services:booking_schedule", args=[service_a.pk])
        data = _schedule_form(weekdays=weekdays, opens=opens, closes=closes)
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in response.text
        schedule.refresh_from_db()
        assert (schedule.opens, schedule.closes) == (T(8), T(12))

    def test_the_halls_own_hours_count(self, client, schedule, service_a, agency_admin_a, hall):
        """A hall open Monday 08:00-12:00 only takes Monday bookings in those hours."""
        from mpp_portal.organizations.models import OfficeHours

        OfficeHours.objects.create(hall=hall, weekday=0, opens=T(8), closes=T(12))
        client.force_login(agency_admin_a)
        url = reverse("services:booking_schedule", args=[service_a.pk])
        data = _schedule_form(closes="13:00")
        response = client.post(url, data)
        assert "harus di dalam jam layanan gedung (Senin 08.00-12.00)" in response.text
        data["closes"] = "12:00"
        assert client.post(url, data).status_code == 302
        data["weekdays"] = ["0", "1"]  # Tuesday has no hours: the hall is closed
        assert "Gedung tutup pada hari Selasa" in client.post(url, data).text

    def test_others_may_not(self, client, schedule, service_a, service_b, staff_a, agency_admin_a):
        client.force_login(staff_a)
        assert (
            client.get(reverse("services:booking_schedule", args=[service_a.pk])).status_code == 403
        )
        client.force_login(agency_admin_a)
        assert (
            client.get(reverse("services:booking_schedule", args=[service_b.pk])).status_code == 403
        )


class TestCloseDay:
    def test_hall_admin_closes_a_day(self, client, schedule, service_a, hall_admin):
        booking, _token = _book(service_a)
        client.force_login(hall_admin)
        url = reverse("services:booking_close_day")
        assert client.get(url).status_code == 200
        response = client.post(
            url, {"date": "2026-12-02", "service": "", "reason": "Pemadaman listrik"}, follow=True
        )
        assert response.status_code == 200
        assert "1 warga yang sudah memesan diberi tahu" in response.text
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        assert ClosedBookingDay.objects.get().reason == "Pemadaman listrik"

    def test_bad_input(self, client, schedule, hall_admin):
        client.force_login(hall_admin)
        url = reverse("services:booking_close_day")
        response = client.post(url, {"date": "2026-11-01", "reason": ""})
        assert response.status_code == 200
        assert "Tanggal sudah lewat." in response.text
        assert "Tuliskan alasan penutupan." in response.text
        assert not ClosedBookingDay.objects.exists()

    def test_only_the_hall_admin(self, client, schedule, staff_a, agency_admin_a):
        for user in (staff_a, agency_admin_a):
            client.force_login(user)
            assert client.get(reverse("services:booking_close_day")).status_code == 403


# ---------------------------------------------------------------------------
# Kiosk check-in
# ---------------------------------------------------------------------------
class TestKioskCheckIn:
    @pytest.fixture
    def url(self, hall):
        return reverse("services:kiosk_check_in", args=[hall.slug])

    def test_the_kiosk_offers_it(self, client, kiosk_user, hall, url, service_a):
        client.force_login(kiosk_user)
        response = client.get(reverse("services:kiosk", args=[hall.slug]))
        assert url in response.text
        response = client.get(url)
        assert response.status_code == 200
        assert "autofocus" in response.text

    def test_check_in_prints_the_ticket(self, client, schedule, service_a, kiosk_user, url):
        booking, _token = _book(service_a, day=TODAY, start=T(9, 30))
        client.force_login(kiosk_user)
        response = client.post(url, {"code": f" {booking.code.lower()}\n"})
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CHECKED_IN
        assert response.status_code == 302
        assert response["Location"] == (
            reverse("services:ticket_print", args=[booking.ticket.tracking_code]) + "?print=1"
        )

    def test_too_early(self, client, schedule, service_a, kiosk_user, url):
        booking, _token = _book(service_a)
        client.force_login(kiosk_user)
        response = client.post(url, {"code": booking.code})
        assert response.status_code == 409
        assert "Terlalu awal" in response.text
        assert not Ticket.objects.exists()

    def test_too_late_offers_a_walk_in_ticket(self, client, schedule, service_a, kiosk_user, url):
        booking, _token = _book(service_a, day=TODAY, start=T(9, 30))
        client.force_login(kiosk_user)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 30, tzinfo=JAKARTA)):
            response = client.post(url, {"code": booking.code})
        assert response.status_code == 409
        assert "sudah lewat" in response.text
        assert "Ambil antrean biasa" in response.text
        assert f"?service={service_a.pk}" in response.text

    def test_unknown_code_and_empty(self, client, kiosk_user, url):
        client.force_login(kiosk_user)
        response = client.post(url, {"code": "ZZZZ2222"})
        assert "tidak ditemukan" in response.text
        response = client.post(url, {"code": ""})
        assert "Ketik atau pindai kode pemesanan Anda." in response.text

    def test_citizens_may_not(self, client, citizen, url):
        client.force_login(citizen)
        assert client.get(url).status_code == 403
