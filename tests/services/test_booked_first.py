"""A booking checked in is called before the walk-ins of its service (issue 13, item 8).

Its wait counts from the check-in, it is marked "booked" on the console, the
board and the tracking page, priority groups still go first, and the hall's
admin can switch the rule off per service (``BookingSchedule.booked_first``).
The call order itself is services.ordering's; test_queue_order.py checks
that every position shown is the real call order with booked tickets in it.
"""

import datetime
import re

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from mpp_portal.workdays import JAKARTA
from services import booking as bookings
from services import queue, selectors
from services.models import BookingSchedule, Priority, Ticket
from services.stats import StatsScope, totals
from tests.services.conftest import make_schedule

TODAY = datetime.date(2026, 12, 1)  # Tuesday
T = datetime.time


def at(hour, minute, second=0):
    moment = datetime.datetime(2026, 12, 1, hour, minute, second, tzinfo=JAKARTA)
    return time_machine.travel(moment, tick=False)


def moment(hour, minute):
    return datetime.datetime(2026, 12, 1, hour, minute, tzinfo=JAKARTA)


@pytest.fixture
def schedule(service_a):
    return make_schedule(service_a, seats_per_slot=4, daily_quota=20)


def book(service, start, n=1):
    """Book ``start`` today for citizen ``n``, the day before (Monday 30 November)."""
    monday = datetime.datetime(2026, 11, 30, 10, tzinfo=JAKARTA)
    with time_machine.travel(monday, tick=False):
        booking, _token = bookings.booking_create(
            service=service,
            day=TODAY,
            slot_start=start,
            name=f"Warga {n}",
            nik=f"17070141019000{n:02d}",
            phone=f"0812987654{n:02d}",
        )
    return booking


def check_in(booking, kiosk_user):
    return bookings.booking_check_in(code=booking.code, by=kiosk_user).ticket


def call_all(counter, staff):
    """Call the whole queue at ``counter``; return the codes in call order."""
    called = []
    while (ticket := queue.ticket_call_next(counter=counter, by=staff)) is not None:
        called.append(ticket.code)
        queue.ticket_skip(ticket=ticket, by=staff)
    return called


class TestTheIssuesCase:
    """Slot 09.00; two walk-ins at 08.50 and 08.55; the booking checks in at 09.06."""

    @pytest.fixture
    def day(self, schedule, service_a, kiosk_user):
        booking = book(service_a, T(9))
        with at(8, 50):
            first = queue.ticket_issue(service=service_a)
        with at(8, 55):
            second = queue.ticket_issue(service=service_a)
        with at(9, 6):
            booked = check_in(booking, kiosk_user)
        return booked, first, second

    def test_nobody_is_ahead_of_the_booking(self, day):
        booked, first, second = day
        with at(9, 7):
            ahead = {t.code: t.people_ahead() for t in Ticket.objects.with_queue_position()}
        assert ahead == {booked.code: 0, first.code: 1, second.code: 2}

    def test_its_arrival_is_the_check_in_and_its_slot_marks_it(self, day):
        booked, first, _second = day
        assert booked.queued_at == booked.issued_at == moment(9, 6)
        assert booked.booked_slot_at == moment(9, 0)
        assert booked.is_booked and booked.booked_first
        assert not first.is_booked and not first.booked_first

    def test_call_next_calls_it_first(self, day, counter_a, staff_a):
        booked, first, second = day
        with at(9, 10):
            queue.counter_open(counter=counter_a, by=staff_a)
            assert call_all(counter_a, staff_a) == [booked.code, first.code, second.code]

    def test_its_wait_counts_from_the_check_in(self, day, hall, counter_a, staff_a, client):
        booked, _first, _second = day
        with at(9, 10):
            queue.counter_open(counter=counter_a, by=staff_a)
            client.force_login(staff_a)
            html = client.get(reverse("services:console_counter", args=[counter_a.pk]))
            # Waiting since 09.06, not since the 09.00 slot.
            row = html.content.decode().split(booked.code, 1)[1].split("</tr>", 1)[0]
            assert "09.06" in row and "4 mnt" in row
            assert queue.ticket_call_next(counter=counter_a, by=staff_a) == booked
            queue.ticket_finish(ticket=queue.ticket_start(ticket=booked, by=staff_a), by=staff_a)
        scope = StatsScope(hall_id=hall.pk, start=TODAY, end=TODAY)
        # Called at 09.10 after checking in at 09.06: four minutes, not ten.
        assert totals(scope)["wait_median"] == pytest.approx(4.0)


def test_priority_groups_still_go_first_and_a_booking_is_a_normal_turn(
    schedule, service_a, counter_a, staff_a, kiosk_user
):
    service_a.accepted_priorities = [Priority.ELDERLY]
    service_a.save(update_fields=["accepted_priorities"])
    booking = book(service_a, T(9))
    with at(8, 40):
        walk_in = queue.ticket_issue(service=service_a)
    with at(8, 41):
        elderly = [queue.ticket_issue(service=service_a, priority=Priority.ELDERLY) for _ in "1234"]
    with at(9, 5):
        booked = check_in(booking, kiosk_user)
        queue.counter_open(counter=counter_a, by=staff_a)
        called = call_all(counter_a, staff_a)
    # Three priority calls, then the normal line's head (the booking), then
    # the last elderly ticket, then the walk-in.
    codes = [t.code for t in elderly]
    assert called == [*codes[:3], booked.code, codes[3], walk_in.code]


def test_bookings_go_in_slot_order_whenever_each_checked_in(
    schedule, service_a, counter_a, staff_a, kiosk_user
):
    nine, half_past = book(service_a, T(9), n=1), book(service_a, T(9, 30), n=2)
    with at(9, 1):
        walk_in = queue.ticket_issue(service=service_a)
        # Check-in opens 30 minutes before the slot: the 09.30 booking comes first.
        later_slot = check_in(half_past, kiosk_user)
    with at(9, 20):
        earlier_slot = check_in(nine, kiosk_user)
        queue.counter_open(counter=counter_a, by=staff_a)
        assert call_all(counter_a, staff_a) == [earlier_slot.code, later_slot.code, walk_in.code]


def test_switched_off_bookings_queue_by_their_check_in(
    schedule, service_a, counter_a, staff_a, kiosk_user, client
):
    schedule.booked_first = False
    schedule.save(update_fields=["booked_first"])
    booking = book(service_a, T(9))
    with at(8, 50):
        before = queue.ticket_issue(service=service_a)
    with at(9, 6):
        booked = check_in(booking, kiosk_user)
    with at(9, 8):
        after = queue.ticket_issue(service=service_a)
    assert booked.is_booked and not booked.booked_first
    with at(9, 10):
        assert booked.people_ahead() == 1
        queue.counter_open(counter=counter_a, by=staff_a)
        # Still marked: staff see it is a booking.
        client.force_login(staff_a)
        html = client.get(reverse("services:console_counter", args=[counter_a.pk]))
        assert "Terjadwal 09.00" in html.content.decode()
        assert call_all(counter_a, staff_a) == [before.code, booked.code, after.code]


def test_switching_the_setting_never_reorders_people_already_waiting(
    schedule, service_a, counter_a, staff_a, kiosk_user
):
    booking, later = book(service_a, T(9), n=1), book(service_a, T(9), n=2)
    with at(8, 50):
        walk_in = queue.ticket_issue(service=service_a)
    with at(9, 6):
        booked = check_in(booking, kiosk_user)
    schedule.booked_first = False
    schedule.save(update_fields=["booked_first"])
    with at(9, 7):
        after_switch = check_in(later, kiosk_user)
    with at(9, 10):
        queue.counter_open(counter=counter_a, by=staff_a)
        assert call_all(counter_a, staff_a) == [booked.code, walk_in.code, after_switch.code]


def test_a_booked_no_show_sent_back_keeps_its_place(
    schedule, service_a, counter_a, staff_a, kiosk_user
):
    booking = book(service_a, T(9))
    with at(8, 50):
        walk_in = queue.ticket_issue(service=service_a)
    with at(9, 1):
        booked = check_in(booking, kiosk_user)
        queue.counter_open(counter=counter_a, by=staff_a)
        assert queue.ticket_call_next(counter=counter_a, by=staff_a) == booked
        queue.ticket_skip(ticket=booked, by=staff_a)
    with at(9, 20):
        queue.ticket_requeue(ticket=booked, by=staff_a)
        assert call_all(counter_a, staff_a) == [booked.code, walk_in.code]


def test_a_transferred_booking_waits_as_a_walk_in_of_the_new_service(
    schedule, service_a, service_a2, counter_a, counter_a2, staff_a, staff_a2, kiosk_user
):
    booking = book(service_a, T(9))
    with at(8, 40):
        early_kk = queue.ticket_issue(service=service_a2)
    with at(9, 1):
        booked = check_in(booking, kiosk_user)
    with at(9, 3):
        late_kk = queue.ticket_issue(service=service_a2)
        queue.counter_open(counter=counter_a2, by=staff_a2)
        assert queue.ticket_call_next(counter=counter_a2, by=staff_a2) == booked
        # The wrong service: sent to Kartu Keluarga, keeping its 09.01 arrival.
        queue.ticket_transfer(ticket=booked, to_service=service_a2, by=staff_a2)
    with at(9, 5):
        queue.counter_open(counter=counter_a, by=staff_a)
        assert call_all(counter_a, staff_a) == [early_kk.code, booked.code, late_kk.code]


def test_a_booked_first_ticket_needs_its_slot(service_a):
    ticket = queue.ticket_issue(service=service_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(booked_first=True)


class TestTheMark:
    @pytest.fixture
    def booked(self, schedule, service_a, kiosk_user):
        booking = book(service_a, T(9))
        with at(8, 55):
            queue.ticket_issue(service=service_a)
        with at(9, 2):
            return check_in(booking, kiosk_user)

    def test_on_the_console_list_and_the_current_ticket(self, booked, client, counter_a, staff_a):
        client.force_login(staff_a)
        with at(9, 3):
            queue.counter_open(counter=counter_a, by=staff_a)
            html = client.get(reverse("services:console_counter", args=[counter_a.pk]))
        body = html.content.decode()
        first_row = body.split("data-next-call", 1)[1].split("</tr>", 1)[0]
        assert booked.code in first_row and "data-booked" in first_row
        assert "Terjadwal 09.00" in first_row
        assert body.count("data-booked") == 1  # the walk-in carries none
        with at(9, 4):
            queue.ticket_call_next(counter=counter_a, by=staff_a)
            html = client.get(reverse("services:console_counter", args=[counter_a.pk]))
        current = html.content.decode().split('id="judul-tiket"', 1)[1].split("</section>", 1)[0]
        assert "data-booked" in current and "Terjadwal 09.00" in current

    def test_on_the_board(self, booked, client, hall, counter_a, staff_a):
        with at(9, 4):
            queue.counter_open(counter=counter_a, by=staff_a)
            queue.ticket_call_next(counter=counter_a, by=staff_a)
            state = selectors.board_state(hall)
            assert [(c["code"], c["booked"]) for c in state["calls"]] == [(booked.code, True)]
            html = client.get(reverse("services:board", args=[hall.slug])).content.decode()
            api = client.get(reverse("hall-board", args=[hall.slug])).json()
        booked_flag = html.split('id="board-now-booked"', 1)[1].split(">", 1)[0]
        assert "hidden" not in booked_flag
        assert api["calls"][0]["booked"] is True

    def test_a_walk_in_call_shows_no_mark_on_the_board(self, hall, service_a, counter_a, staff_a):
        with at(9, 4):
            queue.ticket_issue(service=service_a)
            queue.counter_open(counter=counter_a, by=staff_a)
            queue.ticket_call_next(counter=counter_a, by=staff_a)
            assert [c["booked"] for c in selectors.board_state(hall)["calls"]] == [False]

    def test_on_the_tracking_page(self, booked, client, service_a):
        with at(9, 4):
            html = client.get(reverse("services:track", args=[booked.tracking_code]))
            assert "Pemesanan online, jadwal 09.00" in html.content.decode()
            assert html.context["people_ahead"] == 0
            walk_in = Ticket.objects.exclude(pk=booked.pk).get()
            html = client.get(reverse("services:track", args=[walk_in.tracking_code]))
            assert "Pemesanan online" not in html.content.decode()


class TestTheSetting:
    def test_the_hall_admin_switches_it_off_on_the_schedule_page(
        self, client, hall_admin, schedule, service_a
    ):
        url = reverse("services:booking_schedule", args=[service_a.pk])
        client.force_login(hall_admin)
        page = client.get(url).content.decode()
        assert "anggil pemesan lebih dulu" in page
        assert re.search(r'<input type="checkbox" name="booked_first"[^>]* checked', page)
        data = {
            "is_active": "on",
            "weekdays": ["0", "1", "2", "3", "4"],
            "opens": "08:00",
            "closes": "12:00",
            "slot_minutes": "30",
            "seats_per_slot": "4",
            "daily_quota": "20",
            "days_ahead": "7",
            "same_day_cutoff": "10:00",
        }
        response = client.post(url, data)  # the box unticked
        assert response.status_code == 302
        schedule.refresh_from_db()
        assert schedule.booked_first is False

    def test_new_schedules_call_bookings_first(self, service_a2):
        assert BookingSchedule.objects.create(service=service_a2).booked_first is True


@pytest.mark.django_db(transaction=True)
def test_tickets_checked_in_before_the_mark_existed_get_it(service_a, kiosk_user):
    before = [("services", "0009_booked_first")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Ticket_, Booking_ = old.get_model("services", "Ticket"), old.get_model("services", "Booking")
    walk_in = Ticket_.objects.create(
        service_id=service_a.pk,
        numbered_service_id=service_a.pk,
        date=TODAY,
        number=1,
        code="A-001",
    )
    booked = Ticket_.objects.create(
        service_id=service_a.pk,
        numbered_service_id=service_a.pk,
        date=TODAY,
        number=2,
        code="A-002",
    )
    Booking_.objects.create(
        service_id=service_a.pk,
        date=TODAY,
        slot_start=T(9, 30),
        slot_end=T(10),
        name="Warga",
        nik="1707014101900001",
        phone="+6281298765401",
        status="checked_in",
        ticket_id=booked.pk,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    marked = {t.pk: (t.booked_slot_at, t.booked_first) for t in Ticket.objects.all()}
    assert marked == {walk_in.pk: (None, False), booked.pk: (moment(9, 30), True)}
