"""The demo's month of queue, booking and survey history (services/demo_history.py).

The services conftest freezes the clock at Tuesday 1 December 2026, 09:00 WIB,
so the history covers the working days of November 2026.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db.models import Avg, Count, Max, Min
from django.utils import timezone

from mpp_portal.organizations.models import Hall
from mpp_portal.workdays import is_working_day
from services import ikm_report
from services.models import (
    Booking,
    BookingSeat,
    CounterService,
    SurveyResponse,
    Ticket,
    TicketSequence,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


class _Sink:
    text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sink = _Sink()
    call_command("seed_demo", "--force", stdout=sink, stderr=_Sink())
    return sink.text


def test_it_fills_the_working_days_of_the_last_month(demo):
    days = set(Ticket.objects.values_list("date", flat=True))
    hall = Hall.objects.get(slug="perigo-agung")
    expected = {
        TODAY - datetime.timedelta(days=n)
        for n in range(1, 31)
        if is_working_day(TODAY - datetime.timedelta(days=n), hall=hall)
    }
    assert days == expected
    assert len(expected) >= 20
    assert all(day.weekday() < 5 for day in days)
    assert "riwayat" in demo


def test_numbers_run_from_one_without_gaps_and_match_the_sequence(demo):
    rows = Ticket.objects.values("numbered_service", "date").annotate(
        n=Count("pk"), first=Min("number"), last=Max("number")
    )
    sequences = {
        (s.service_id, s.date): s.last_number for s in TicketSequence.objects.filter(date__lt=TODAY)
    }
    assert rows
    for row in rows:
        assert (row["first"], row["last"]) == (1, row["n"])
        assert sequences[(row["numbered_service"], row["date"])] == row["n"]


def test_times_are_in_office_hours_and_in_order(demo):
    served_at = set(CounterService.objects.values_list("counter", "service"))
    for ticket in Ticket.objects.filter(status=Ticket.Status.DONE).iterator():
        issued = timezone.localtime(ticket.issued_at)
        assert datetime.time(8) <= issued.time() < datetime.time(16)
        assert ticket.issued_at < ticket.called_at < ticket.started_at < ticket.finished_at
        assert (ticket.counter_id, ticket.service_id) in served_at


def test_a_counter_serves_one_person_at_a_time(demo):
    served = Ticket.objects.filter(status=Ticket.Status.DONE).order_by("counter", "called_at")
    previous = None
    for ticket in served.only("counter", "called_at", "finished_at"):
        if previous is not None and previous.counter_id == ticket.counter_id:
            assert ticket.called_at >= previous.finished_at
        previous = ticket


def test_surveys_answer_only_finished_tickets(demo):
    surveys = SurveyResponse.objects.select_related("ticket")
    assert surveys.count() > 100
    assert {s.ticket.status for s in surveys} == {Ticket.Status.DONE}
    assert all(s.date == s.ticket.date for s in surveys)


def test_the_ikm_report_of_november_is_good_not_perfect(demo):
    hall = Hall.objects.get(slug="perigo-agung")
    report = ikm_report.report_data(
        hall=hall,
        agency=None,
        service=None,
        date_from=datetime.date(2026, 11, 1),
        date_to=datetime.date(2026, 11, 30),
    )
    assert report["summary"]["respondents"] > 100
    assert 76.61 <= report["summary"]["ikm"] <= 95


def test_booked_seats_match_the_active_bookings(demo):
    active = Booking.objects.filter(status__in=[Booking.Status.BOOKED, Booking.Status.CHECKED_IN])
    per_day = {
        (row["service"], row["date"]): row["n"]
        for row in active.values("service", "date").annotate(n=Count("pk"))
    }
    seats = {
        (s.service_id, s.date): s.taken for s in BookingSeat.objects.filter(slot_start__isnull=True)
    }
    assert per_day == {key: n for key, n in seats.items() if n}
    checked_in = Booking.objects.filter(status=Booking.Status.CHECKED_IN)
    assert checked_in.exists()
    assert not checked_in.filter(ticket__isnull=True).exists()
    assert Booking.objects.filter(status=Booking.Status.BOOKED, date__gt=TODAY).exists()
    assert Booking.objects.filter(status=Booking.Status.NO_SHOW).exists()


def test_checked_in_bookings_arrived_within_their_check_in_window(demo):
    """From 30 minutes before the slot to its end; the ticket arrives at the check-in."""
    checked_in = Booking.objects.filter(
        status=Booking.Status.CHECKED_IN, date__lt=TODAY
    ).select_related("ticket", "service__booking_schedule")
    assert checked_in.count() > 20
    for booking in checked_in:
        start = timezone.make_aware(datetime.datetime.combine(booking.date, booking.slot_start))
        end = timezone.make_aware(datetime.datetime.combine(booking.date, booking.slot_end))
        issued = booking.ticket.issued_at
        assert start - datetime.timedelta(minutes=30) <= issued <= end, booking.code
        assert booking.ticket.queued_at == issued
        assert booking.ticket.booked_slot_at == start and booking.ticket.booked_first
        assert booking.checked_in_at == issued
    # Afternoon walk-ins (the demo's booking hours end at midday) were not booked.
    schedules = {b.service_id: b.service.booking_schedule for b in checked_in}
    late = Ticket.objects.filter(
        service__in=schedules, date__lt=TODAY, booking__isnull=True, issued_at__hour__gte=13
    )
    assert late.exists()
    assert not Booking.objects.filter(ticket__issued_at__hour__gte=13).exists()


def test_seats_of_past_days_respect_the_schedule(demo):
    for seat in BookingSeat.objects.filter(date__lt=TODAY).select_related(
        "service__booking_schedule"
    ):
        schedule = seat.service.booking_schedule
        limit = schedule.daily_quota if seat.slot_start is None else schedule.seats_per_slot
        assert seat.taken <= limit


def test_niks_use_lebongs_twelve_kecamatan(demo):
    districts = {nik[4:6] for nik in Booking.objects.values_list("nik", flat=True)}
    assert districts <= {f"{n:02d}" for n in range(1, 13)}
    assert len(districts) > 6


def test_fees_score_high_and_time_and_facilities_lowest(demo):
    """U4 is Biaya/Tarif (mostly free), U3 waiting time and U9 facilities score lowest."""
    means = SurveyResponse.objects.aggregate(**{f"u{n}": Avg(f"u{n}") for n in range(1, 10)})
    lowest = sorted(means, key=means.get)[:2]
    assert set(lowest) == {"u3", "u9"}
    assert max(means, key=means.get) == "u4"


def test_a_second_run_adds_no_history(demo):
    counts = (Ticket.objects.count(), Booking.objects.count(), SurveyResponse.objects.count())
    call_command("seed_demo", "--force", stdout=_Sink(), stderr=_Sink())
    assert (Ticket.objects.count(), Booking.objects.count(), SurveyResponse.objects.count()) == (
        counts
    )
