"""Online booking: slots, NIK rules, anti-calo, cancel, reschedule, check-in."""

import datetime
import time

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from mpp_portal.audit.models import AuditEntry
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.workdays import JAKARTA
from services import booking as bookings
from services.models import Booking, BookingSchedule
from tests.services.conftest import make_schedule

WED = datetime.date(2026, 12, 2)
NIK_F = "1707014101900001"  # Lebong Utara, a woman born 1 Jan 1990 (day + 40)
NIK_M = "1707011501900002"
T = datetime.time
NINE = T(9)


@pytest.fixture
def schedule(service_a):
    return make_schedule(service_a, seats_per_slot=2, daily_quota=5)


def _book(service, nik=NIK_F, phone="081234567890", day=WED, start=NINE, **extra):
    return bookings.booking_create(
        service=service, day=day, slot_start=start, name="Siti", nik=nik, phone=phone, **extra
    )


class TestSlots:
    def test_slots_of_a_working_day(self, schedule, service_a):
        slots = bookings.available_slots(service_a, WED)
        assert [s["start"] for s in slots][:3] == [T(8), T(8, 30), T(9)]
        assert len(slots) == 8
        assert {s["free"] for s in slots} == {2}

    def test_no_slots_on_weekends_holidays_or_too_far(self, schedule, service_a):
        assert bookings.available_slots(service_a, datetime.date(2026, 12, 5)) == []  # Saturday
        assert bookings.available_slots(service_a, datetime.date(2026, 12, 25)) == []  # Natal
        assert bookings.available_slots(service_a, datetime.date(2026, 12, 10)) == []  # > 7 days

    def test_today_before_and_after_the_cut_off(self, schedule, service_a):
        today = datetime.date(2026, 12, 1)
        assert [s["start"] for s in bookings.available_slots(service_a, today)][0] == T(9, 30)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 5, tzinfo=JAKARTA)):
            assert bookings.available_slots(service_a, today) == []

    def test_seats_and_daily_quota_count_down(self, schedule, service_a):
        _book(service_a)
        _book(service_a, nik=NIK_M, phone="081298765432")
        slots = {s["start"]: s["free"] for s in bookings.available_slots(service_a, WED)}
        assert slots[T(9)] == 0
        assert slots[T(8)] == 2
        for n, start in enumerate([T(8), T(8, 30), T(10)]):
            _book(service_a, nik=f"17070115019000{10 + n}", phone=f"08120000000{n}", start=start)
        # Five booked: the daily quota is reached everywhere.
        assert {s["free"] for s in bookings.available_slots(service_a, WED)} == {0}
        with pytest.raises(bookings.SlotFull):
            _book(service_a, nik="1707011501900020", phone="081211111111", start=T(11))


class TestCreate:
    def test_it_books_and_sends_the_code_once(
        self, schedule, service_a, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            booking, token = _book(service_a, email="siti@example.test")
        assert (booking.status, booking.slot_end) == ("booked", T(9, 30))
        assert booking.check_manage_token(token)
        assert NIK_F not in token
        messages = OutboxMessage.objects.order_by("channel")
        assert [m.channel for m in messages] == ["email", "whatsapp"]
        assert booking.code in messages[0].body and token in messages[0].body

    @pytest.mark.parametrize(
        ("nik", "message"),
        [
            ("12345", "16 angka"),
            ("1707013201900001", "Tanggal lahir"),  # day 32
            ("1707017301900001", "Tanggal lahir"),  # day 73 - 40 = 33
            ("9907011501900001", "Kode provinsi"),  # no province 99
        ],
    )
    def test_nik_structure_and_birth_date(self, schedule, service_a, nik, message):
        with pytest.raises(ValidationError) as excinfo:
            _book(service_a, nik=nik)
        assert message in str(excinfo.value.message_dict["nik"])
        assert Booking.objects.count() == 0

    def test_bad_phone_and_missing_name(self, schedule, service_a):
        with pytest.raises(ValidationError) as excinfo:
            bookings.booking_create(
                service=service_a, day=WED, slot_start=T(9), name=" ", nik=NIK_F, phone="12345"
            )
        assert set(excinfo.value.message_dict) == {"name", "phone"}

    def test_one_active_booking_per_nik_service_and_day(self, schedule, service_a):
        _book(service_a)
        with pytest.raises(ValidationError, match="sudah memiliki pemesanan aktif"):
            _book(service_a, start=T(10), phone="081298765432")
        slots = {s["start"]: s["free"] for s in bookings.available_slots(service_a, WED)}
        assert slots[T(10)] == 2  # the refused booking took no seat

    def test_limit_per_phone_per_week(self, schedule, service_a, settings):
        settings.BOOKING_MAX_PER_PHONE_PER_WEEK = 2
        _book(service_a, nik="1707011501900031")
        _book(service_a, nik="1707011501900032", start=T(10))
        with pytest.raises(ValidationError, match="seminggu"):
            _book(service_a, nik="1707011501900033", start=T(11))

    def test_cancelled_bookings_do_not_use_up_the_phones_week(
        self, schedule, service_a, settings, hall, hall_admin
    ):
        """Neither the hall closing a day nor the citizen cancelling counts; a no-show does."""
        settings.BOOKING_MAX_PER_PHONE_PER_WEEK = 2
        _book(service_a, nik="1707011501900031")
        _book(service_a, nik="1707011501900032", start=T(10))
        bookings.booking_close_day(hall=hall, day=WED, reason="Listrik padam", by=hall_admin)
        thursday = datetime.date(2026, 12, 3)
        again, token = _book(service_a, nik="1707011501900033", day=thursday)
        bookings.booking_cancel(booking=again, token=token)
        _book(service_a, nik="1707011501900034", day=thursday, start=T(10))
        no_show, _token = _book(service_a, nik="1707011501900035", day=thursday, start=T(11))
        bookings.booking_mark_no_shows(now=datetime.datetime(2026, 12, 3, 12, tzinfo=JAKARTA))
        no_show.refresh_from_db()
        assert no_show.status == "no_show"
        with pytest.raises(ValidationError, match="seminggu"):
            _book(service_a, nik="1707011501900036", day=datetime.date(2026, 12, 4))

    def test_a_taken_slot_is_refused(self, schedule, service_a):
        _book(service_a)
        _book(service_a, nik=NIK_M, phone="081298765432")
        with pytest.raises(bookings.SlotFull, match="sudah penuh"):
            _book(service_a, nik="1707011501900040", phone="081233333333")
        with pytest.raises(ValidationError, match="tidak tersedia"):
            _book(service_a, nik="1707011501900040", phone="081233333333", start=T(9, 10))


class TestCancelAndReschedule:
    def test_cancel_with_the_token_frees_the_seat(self, schedule, service_a):
        booking, token = _book(service_a)
        with pytest.raises(PermissionDenied):
            bookings.booking_cancel(booking=booking, token="salah")
        booking = bookings.booking_cancel(booking=booking, token=token)
        assert booking.status == "cancelled"
        slots = {s["start"]: s["free"] for s in bookings.available_slots(service_a, WED)}
        assert slots[T(9)] == 2
        # The same NIK may book again once cancelled.
        _book(service_a)

    def test_reschedule_moves_the_seat(self, schedule, service_a):
        booking, token = _book(service_a)
        booking = bookings.booking_reschedule(
            booking=booking, token=token, day=datetime.date(2026, 12, 3), slot_start=T(8)
        )
        assert (booking.date, booking.slot_start) == (datetime.date(2026, 12, 3), T(8))
        wed = {s["start"]: s["free"] for s in bookings.available_slots(service_a, WED)}
        thu = {
            s["start"]: s["free"]
            for s in bookings.available_slots(service_a, datetime.date(2026, 12, 3))
        }
        assert (wed[T(9)], thu[T(8)]) == (2, 1)

    def test_reschedule_within_a_fully_booked_day_swaps_slot_seats(self, schedule, service_a):
        """The daily quota (5) is full: a same-day move keeps its day seat."""
        moving, token = _book(service_a)
        _book(service_a, nik=NIK_M, phone="081298765432")
        for n, start in enumerate([T(8), T(8), T(10)]):
            _book(service_a, nik=f"17070115019000{10 + n}", phone=f"08120000000{n}", start=start)
        with pytest.raises(bookings.SlotFull, match="Kuota pemesanan"):
            _book(service_a, nik="1707011501900020", phone="081211111111", start=T(11))

        moving = bookings.booking_reschedule(
            booking=moving, token=token, day=WED, slot_start=T(10, 30)
        )
        assert (moving.date, moving.slot_start, moving.slot_end) == (WED, T(10, 30), T(11))
        seats = {s.slot_start: s.taken for s in service_a.bookingseat_set.filter(date=WED)}
        assert seats == {None: 5, T(8): 2, T(9): 1, T(10): 1, T(10, 30): 1}
        # A full slot of the same day is still refused, with the slot's message.
        with pytest.raises(bookings.SlotFull, match="Slot pukul 08.00 sudah penuh"):
            bookings.booking_reschedule(booking=moving, token=token, day=WED, slot_start=T(8))
        # Moving into the full day from another day names the daily quota.
        other, other_token = _book(
            service_a, nik="1707011501900021", phone="081222222222", day=datetime.date(2026, 12, 3)
        )
        with pytest.raises(bookings.SlotFull, match="Kuota pemesanan"):
            bookings.booking_reschedule(booking=other, token=other_token, day=WED, slot_start=T(11))
        seats = {s.slot_start: s.taken for s in service_a.bookingseat_set.filter(date=WED)}
        assert seats == {None: 5, T(8): 2, T(9): 1, T(10): 1, T(10, 30): 1}

    def test_hall_admin_closes_a_day_and_citizens_are_told(
        self, schedule, service_a, hall, hall_admin, staff_a, django_capture_on_commit_callbacks
    ):
        booking, _token = _book(service_a)
        with pytest.raises(PermissionDenied):
            bookings.booking_close_day(hall=hall, day=WED, reason="Listrik padam", by=staff_a)
        with django_capture_on_commit_callbacks(execute=True):
            _closed, count = bookings.booking_close_day(
                hall=hall, day=WED, reason="Listrik padam", by=hall_admin
            )
        booking.refresh_from_db()
        assert (count, booking.status) == (1, "cancelled")
        assert OutboxMessage.objects.filter(body__contains="Listrik padam").exists()
        assert bookings.available_slots(service_a, WED) == []


class TestCheckIn:
    def test_window_and_queue_place(self, schedule, service_a, kiosk_user):
        booking, _token = _book(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 2, 8, 20, tzinfo=JAKARTA)):
            with pytest.raises(bookings.CheckInWindow, match="Terlalu awal"):
                bookings.booking_check_in(code=booking.code, by=kiosk_user)
        with time_machine.travel(datetime.datetime(2026, 12, 2, 8, 45, tzinfo=JAKARTA), tick=False):
            from services import queue

            walk_in = queue.ticket_issue(service=service_a)  # arrived 08:45
            booking = bookings.booking_check_in(code=booking.code.lower(), by=kiosk_user)
        assert booking.status == "checked_in"
        ticket = booking.ticket
        # It arrived at the check-in; its slot marks it booked.
        assert ticket.queued_at == datetime.datetime(2026, 12, 2, 8, 45, tzinfo=JAKARTA)
        assert ticket.booked_slot_at == datetime.datetime(2026, 12, 2, 9, 0, tzinfo=JAKARTA)
        assert ticket.is_booked and ticket.booked_first and not walk_in.is_booked
        with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 5, tzinfo=JAKARTA)):
            late_walk_in = queue.ticket_issue(service=service_a)
            # Booked first: ahead of the walk-in who came earlier too.
            ahead = {t: t.people_ahead() for t in (ticket, walk_in, late_walk_in)}
        assert ahead == {ticket: 0, walk_in: 1, late_walk_in: 2}
        with pytest.raises(Exception, match="Sudah check-in"):
            bookings.booking_check_in(code=booking.code, by=kiosk_user)

    def test_too_late_offers_a_walk_in(self, schedule, service_a, kiosk_user):
        booking, _token = _book(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 31, tzinfo=JAKARTA)):
            with pytest.raises(bookings.CheckInWindow, match="antrean biasa") as excinfo:
                bookings.booking_check_in(code=booking.code, by=kiosk_user)
        assert excinfo.value.code == "too_late"

    def test_an_eight_oclock_slot_checks_in_before_the_hall_opens(
        self, schedule, service_a, kiosk_user
    ):
        """Check-in is promised from 30 minutes before the slot, opening hours or not."""
        booking, _token = _book(service_a, start=T(8))
        with time_machine.travel(datetime.datetime(2026, 12, 2, 7, 45, tzinfo=JAKARTA), tick=False):
            booking = bookings.booking_check_in(code=booking.code, by=kiosk_user)
        assert booking.status == "checked_in"
        assert booking.ticket.queued_at == datetime.datetime(2026, 12, 2, 7, 45, tzinfo=JAKARTA)
        assert booking.ticket.booked_slot_at == datetime.datetime(2026, 12, 2, 8, tzinfo=JAKARTA)

    def test_a_service_switched_off_still_refuses_a_booked_check_in(
        self, schedule, service_a, kiosk_user
    ):
        from services import queue

        booking, _token = _book(service_a, start=T(8))
        service_a.is_active = False
        service_a.save(update_fields=["is_active"])
        with time_machine.travel(datetime.datetime(2026, 12, 2, 7, 45, tzinfo=JAKARTA)):
            with pytest.raises(queue.ServiceClosed, match="tidak tersedia"):
                bookings.booking_check_in(code=booking.code, by=kiosk_user)
        booking.refresh_from_db()
        assert booking.status == "booked"

    def test_the_walk_in_daily_cap_does_not_refuse_a_booked_citizen(
        self, schedule, service_a, kiosk_user
    ):
        from services import queue

        service_a.daily_ticket_cap = 1
        service_a.save(update_fields=["daily_ticket_cap"])
        booking, _token = _book(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 2, 8, 45, tzinfo=JAKARTA)):
            queue.ticket_issue(service=service_a)  # the one walk-in of the day
            with pytest.raises(queue.DailyCapReached):
                queue.ticket_issue(service=service_a)
            booking = bookings.booking_check_in(code=booking.code, by=kiosk_user)
            assert booking.status == "checked_in"
            with pytest.raises(queue.DailyCapReached):
                queue.ticket_issue(service=service_a)

    def test_the_console_calls_booked_tickets_in_slot_order_before_walk_ins(
        self, schedule, service_a, counter_a, staff_a, kiosk_user
    ):
        """ticket_call_next itself, not a sort: bookings first, by slot start."""
        from services import queue

        at = lambda h, m: datetime.datetime(2026, 12, 2, h, m, tzinfo=JAKARTA)  # noqa: E731
        early, _t = _book(service_a, start=T(8, 30))
        late, _t = _book(service_a, nik=NIK_M, phone="081298765432", start=T(9))
        issued = {}
        with time_machine.travel(at(8, 15)):
            issued["walk-in 08.15"] = queue.ticket_issue(service=service_a)
        with time_machine.travel(at(8, 35)):
            # The 09.00 booking checks in first; its slot still comes second.
            late = bookings.booking_check_in(code=late.code, by=kiosk_user)
        with time_machine.travel(at(8, 40)):
            early = bookings.booking_check_in(code=early.code, by=kiosk_user)
        with time_machine.travel(at(8, 50)):
            issued["walk-in 08.50"] = queue.ticket_issue(service=service_a)
        with time_machine.travel(at(9, 10)):
            issued["walk-in 09.10"] = queue.ticket_issue(service=service_a)
        issued["booked 08.30"], issued["booked 09.00"] = early.ticket, late.ticket
        names = {ticket.pk: name for name, ticket in issued.items()}
        called = []
        with time_machine.travel(at(9, 15), tick=False):
            queue.counter_open(counter=counter_a, by=staff_a)
            while (ticket := queue.ticket_call_next(counter=counter_a, by=staff_a)) is not None:
                called.append(names[ticket.pk])
                queue.ticket_skip(ticket=ticket, by=staff_a)
        assert called == [
            "booked 08.30",
            "booked 09.00",
            "walk-in 08.15",
            "walk-in 08.50",
            "walk-in 09.10",
        ]

    def test_unknown_code(self, kiosk_user, db):
        with pytest.raises(Exception, match="tidak ditemukan"):
            bookings.booking_check_in(code="ZZZZZZZZ", by=kiosk_user)


class TestBackground:
    def test_no_show_after_the_slot_ends(self, schedule, service_a):
        late, _ = _book(service_a)
        later, _ = _book(service_a, nik=NIK_M, phone="081298765432", start=T(11))
        marked = bookings.booking_mark_no_shows(
            now=datetime.datetime(2026, 12, 2, 9, 45, tzinfo=JAKARTA)
        )
        late.refresh_from_db()
        later.refresh_from_db()
        assert (marked, late.status, later.status) == (1, "no_show", "booked")
        entry = AuditEntry.objects.get(action="booking.no_show")
        assert (entry.object_id, entry.object_repr) == (str(late.pk), late.code)
        assert (entry.from_status, entry.to_status) == ("booked", "no_show")

    def test_reminder_the_working_day_before_is_sent_once(
        self, schedule, service_a, django_capture_on_commit_callbacks
    ):
        booking, _ = _book(service_a)
        # Friday-to-Monday: a Monday booking is reminded on Friday.
        monday, _ = _book(
            service_a, nik=NIK_M, phone="081298765432", day=datetime.date(2026, 12, 7), start=T(8)
        )
        OutboxMessage.objects.all().delete()
        tuesday = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=JAKARTA)
        assert bookings.booking_send_reminders(now=tuesday) == 1
        assert bookings.booking_send_reminders(now=tuesday) == 0
        friday = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=JAKARTA)
        assert bookings.booking_send_reminders(now=friday) == 1
        bodies = list(OutboxMessage.objects.order_by("pk").values_list("body", flat=True))
        assert len(bodies) == 2 and all("Pengingat" in b for b in bodies)
        assert booking.code in bodies[0] and monday.code in bodies[1]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reminder_task_through_a_real_worker_sends_once(service_a, celery_worker_process):
    """The beat task runs in a worker on the real clock: book for its tomorrow."""
    from django.db import transaction
    from django.utils import timezone

    from mpp_portal.workdays import add_working_days
    from services.tasks import booking_reminders

    BookingSchedule.objects.create(
        service=service_a, weekdays=[0, 1, 2, 3, 4, 5, 6], opens=T(8), closes=T(12), days_ahead=30
    )
    # This module's clock is frozen; the worker's is not.
    real_today = time_machine.escape_hatch.datetime.datetime.now(tz=JAKARTA).date()
    booking = Booking.objects.create(
        service=service_a,
        date=add_working_days(real_today, 1),
        slot_start=T(9),
        slot_end=T(9, 30),
        name="Siti",
        nik=NIK_F,
        phone="081234567890",
        manage_token_hash="x",
        created_at=timezone.now(),
    )
    for _ in range(2):  # the beat fires twice: one message all the same
        with transaction.atomic():
            transaction.on_commit(lambda: booking_reminders.delay())
    celery_worker_process.wait_for(
        lambda: Booking.objects.get(pk=booking.pk).reminder_sent_at is not None, timeout=60
    )
    celery_worker_process.wait_for(
        lambda: OutboxMessage.objects.filter(body__contains="Pengingat").count() >= 1,
        timeout=30,
    )
    time.sleep(2)  # let a second run (not) send again (sleep is not frozen)
    assert OutboxMessage.objects.filter(body__contains="Pengingat").count() == 1
