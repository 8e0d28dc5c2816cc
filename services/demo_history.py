"""A month of plausible history for the demo hall (called from services/demo.py).

Tickets of the last 30 days (working days only, busy mornings, waits and
service times around each service's average), the bookings some of them
came from (and a few no-shows and cancellations), survey answers for about a
third of the finished tickets, and bookings for the coming working days. The
queue statistics, the staff booking list and the IKM report then show
something real right after ``make run``.

Written once: when the hall already has tickets before today, nothing is
added, so restarting the demo never doubles the history. A fixed random seed
makes every fresh demo the same. The rows are written in bulk (no audit
entries and no messages: nobody acted on them, and nobody is told).
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from mpp_portal.workdays import JAKARTA, is_working_day
from services.booking import CHECK_IN_EARLY, SlotFull, take_seats
from services.models import (
    PRIORITY_LEVELS,
    Booking,
    BookingSeat,
    Priority,
    SurveyResponse,
    Ticket,
    TicketSequence,
)

DAYS_BACK = 30
DAYS_AHEAD = 5
SEED = 20240620  # the day MPP Perigo Agung's programmes were launched

# Walk-in tickets per working day for each service code (a busy regency hall).
DAILY_TICKETS = {
    "A": (18, 34),  # KTP-el
    "K": (10, 22),
    "L": (6, 14),
    "S": (12, 26),
    "P": (14, 30),
    "B": (8, 18),
    "N": (4, 10),
    "T": (3, 8),
    "D": (5, 14),
    "M": (2, 6),
}
# Arrivals by hour: most people come before the midday break.
HOUR_WEIGHTS = {8: 22, 9: 24, 10: 18, 11: 12, 12: 5, 13: 9, 14: 7, 15: 3}
BOOKED_SHARE = 0.15
SURVEY_SHARE = 0.35

FIRST_NAMES = [
    "Siti", "Nur", "Dewi", "Rina", "Yuliana", "Sri", "Ayu", "Fitri", "Lestari", "Wati",
    "Ahmad", "Budi", "Joko", "Rahmat", "Hendra", "Agus", "Doni", "Rudi", "Fauzan", "Yoga",
]  # fmt: skip
LAST_NAMES = [
    "Aminah", "Saputra", "Rahmawati", "Pratama", "Hidayat", "Wulandari", "Susanto",
    "Handayani", "Kurniawan", "Lestari", "Syahputra", "Marlina", "Effendi", "Anggraini",
]  # fmt: skip
SUGGESTIONS = [
    "Ruang tunggu perlu kipas angin tambahan.",
    "Petugas ramah dan cepat, terima kasih.",
    "Mohon papan informasi persyaratan diperbesar.",
    "Antrean pagi hari panjang, mohon tambah petugas.",
    "Parkir motor sempit saat hari pasar.",
    "Pelayanan sudah baik, pertahankan.",
    "Suara panggilan kurang jelas di dekat pintu.",
    "Sediakan air minum di ruang tunggu.",
]


def seed_history(*, hall, services, counters, staff, stdout):
    """Add the history unless the hall has some already; return how many tickets."""
    today = timezone.localdate()
    if Ticket.objects.filter(service__agency__hall=hall, date__lt=today).exists():
        return 0
    rng = random.Random(SEED)
    counters_of = {
        code: [c for c in counters if any(s.code == code for s in c.services.all())]
        for code in services
    }
    days = [
        today - datetime.timedelta(days=n)
        for n in range(DAYS_BACK, 0, -1)
        if is_working_day(today - datetime.timedelta(days=n), hall=hall)
    ]
    tickets, bookings, sequences, surveys = [], [], [], []
    for day in days:
        # The whole day in arrival order, so that a counter serving several
        # services serves one person at a time, whichever the service.
        arrivals = sorted(
            (_arrival(rng, day), code)
            for code in services
            for _ in range(rng.randint(*DAILY_TICKETS.get(code, (3, 8))))
        )
        numbers = dict.fromkeys(services, 0)
        free_at = {}
        seats = {}
        for issued_at, code in arrivals:
            service = services[code]
            numbers[code] += 1
            # Only someone checking in within a slot's window (from 30
            # minutes before its start to its end) can have booked it; the
            # ticket arrives at the check-in and is marked with its slot, as
            # booking_check_in does.
            slot = None
            if rng.random() < BOOKED_SHARE:
                slot = _slot_to_check_in(rng, service, issued_at, seats)
            booked_slot_at = _at(day, slot.hour, slot.minute) if slot else None
            ticket = _ticket(
                rng,
                service,
                numbers[code],
                issued_at,
                counters_of.get(code),
                staff,
                free_at,
                booked_slot_at=booked_slot_at,
            )
            tickets.append(ticket)
            if slot is not None and ticket.status != Ticket.Status.CANCELLED:
                bookings.append(_booking(rng, service, ticket, day, slot))
        for code, service in services.items():
            sequences.append(TicketSequence(service=service, date=day, last_number=numbers[code]))
            # Some bookings never came, some were cancelled the day before.
            for _ in range(rng.randint(0, 2)):
                bookings.append(_unused_booking(rng, service, day))
    Ticket.objects.bulk_create(tickets, batch_size=1000)
    TicketSequence.objects.bulk_create(sequences, batch_size=1000, ignore_conflicts=True)
    _link_bookings(bookings)
    Booking.objects.bulk_create(bookings, batch_size=1000)
    _seat_counts(bookings)
    for ticket in tickets:
        if ticket.status == Ticket.Status.DONE and rng.random() < SURVEY_SHARE:
            surveys.append(_survey(rng, ticket, hall))
    SurveyResponse.objects.bulk_create(surveys, batch_size=1000)
    upcoming = _upcoming_bookings(rng, hall, services, today)
    stdout.write(
        f"  riwayat {len(days)} hari kerja: {len(tickets)} tiket, "
        f"{len(bookings) + upcoming} pemesanan ({upcoming} akan datang), "
        f"{len(surveys)} jawaban SKM"
    )
    return len(tickets)


def _at(day, hour, minute=0, second=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=JAKARTA)


def _arrival(rng, day):
    hour = rng.choices(list(HOUR_WEIGHTS), weights=list(HOUR_WEIGHTS.values()))[0]
    return _at(day, hour, rng.randrange(60), rng.randrange(60))


def _ticket(rng, service, number, issued_at, counters, staff, free_at, *, booked_slot_at):
    """A finished (or skipped, or cancelled) ticket, called by the first counter free."""
    counter = min(counters, key=lambda c: free_at.get(c.pk, issued_at)) if counters else None
    priority = Priority.NORMAL
    if rng.random() < 0.08:
        priority = rng.choice(PRIORITY_LEVELS)
    ticket = Ticket(
        service=service,
        numbered_service=service,
        date=issued_at.date(),
        number=number,
        code=Ticket.format_code(service.code, number),
        priority=priority,
        issued_at=issued_at,
        queued_at=issued_at,
        booked_slot_at=booked_slot_at,
        booked_first=booked_slot_at is not None,
        counter=counter,
        served_by=staff.get(service.agency_id) if counter else None,
    )
    roll = rng.random()
    if roll < 0.03 or counter is None:
        ticket.status = Ticket.Status.CANCELLED
        ticket.counter = ticket.served_by = None
        return ticket
    # A counter serves one person at a time: the wait grows as the morning fills.
    called_at = max(
        # A booking checked in early is served from its slot.
        max(issued_at, booked_slot_at or issued_at) + datetime.timedelta(minutes=rng.uniform(1, 6)),
        free_at.get(counter.pk, issued_at),
    )
    ticket.called_at = called_at
    ticket.call_count = 1
    if roll < 0.09:
        ticket.status = Ticket.Status.SKIPPED
        ticket.call_count = 3
        free_at[counter.pk] = called_at + datetime.timedelta(minutes=3)
        return ticket
    average = service.average_service_minutes or 10
    minutes = max(2.0, rng.gauss(average, average / 3))
    ticket.status = Ticket.Status.DONE
    ticket.started_at = called_at + datetime.timedelta(seconds=rng.randint(30, 150))
    ticket.finished_at = ticket.started_at + datetime.timedelta(minutes=minutes)
    free_at[counter.pk] = ticket.finished_at
    return ticket


def _person(rng):
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    # 1707 = Kabupaten Lebong; district, birth date (women +40) and a serial.
    born = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    # Lebong has 12 kecamatan, 17.07.01-12 (DOMAIN.md).
    district, month, year = rng.randint(1, 12), rng.randint(1, 12), rng.randint(60, 99 + 6) % 100
    nik = f"1707{district:02d}{born:02d}{month:02d}{year:02d}{rng.randint(1, 9999):04d}"
    operator = rng.choice(["12", "13", "21", "52", "53", "77", "95"])
    # Stored E.164, as mpp_portal.identity stores what people type.
    phone = f"+628{operator}{rng.randint(0, 99999999):08d}"
    return name, nik, phone


def _new_booking(rng, service, day, slot_start, created_at, status):
    name, nik, phone = _person(rng)
    step = service.booking_schedule.slot_minutes if _has_schedule(service) else 30
    slot_end = (
        datetime.datetime.combine(day, slot_start) + datetime.timedelta(minutes=step)
    ).time()
    booking = Booking(
        service=service,
        date=day,
        slot_start=slot_start,
        slot_end=slot_end,
        name=name,
        nik=nik,
        phone=phone,
        status=status,
        created_at=created_at,
    )
    booking.set_manage_token()
    return booking


def _has_schedule(service):
    return hasattr(service, "booking_schedule")


def _slot_to_check_in(rng, service, moment, seats):
    """A slot whose check-in window holds ``moment`` and has a free seat, or None.

    The window runs from CHECK_IN_EARLY before the slot's start to its end;
    ``seats`` counts the day's seats taken so far, per slot and (None) per
    day, so the history never overbooks the schedule.
    """
    if not _has_schedule(service):
        return None
    schedule = service.booking_schedule
    moment = moment.astimezone(JAKARTA)
    step = datetime.timedelta(minutes=schedule.slot_minutes)
    day_key = (service.pk, None)
    if seats.get(day_key, 0) >= schedule.daily_quota:
        return None
    fitting = [
        start
        for start in schedule.slot_starts()
        if _at(moment.date(), start.hour, start.minute) - CHECK_IN_EARLY
        <= moment
        <= _at(moment.date(), start.hour, start.minute) + step
        and seats.get((service.pk, start), 0) < schedule.seats_per_slot
    ]
    if not fitting:
        return None
    slot = rng.choice(fitting)
    seats[day_key] = seats.get(day_key, 0) + 1
    seats[(service.pk, slot)] = seats.get((service.pk, slot), 0) + 1
    return slot


def _booking(rng, service, ticket, day, slot):
    created = ticket.issued_at - datetime.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
    booking = _new_booking(rng, service, day, slot, created, Booking.Status.CHECKED_IN)
    booking.checked_in_at = ticket.issued_at
    booking._ticket = ticket
    return booking


def _unused_booking(rng, service, day):
    starts = service.booking_schedule.slot_starts() if _has_schedule(service) else []
    slot = rng.choice(starts) if starts else datetime.time(9)
    created = _at(day, 8) - datetime.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 10))
    if rng.random() < 0.4:
        booking = _new_booking(rng, service, day, slot, created, Booking.Status.CANCELLED)
        booking.cancelled_at = created + datetime.timedelta(hours=rng.randint(2, 30))
    else:
        booking = _new_booking(rng, service, day, slot, created, Booking.Status.NO_SHOW)
    return booking


def _link_bookings(bookings):
    for booking in bookings:
        ticket = getattr(booking, "_ticket", None)
        if ticket is not None:
            booking.ticket_id = ticket.pk


def _seat_counts(bookings):
    """Seats taken by the active (checked-in) past bookings, as booking_create counts them."""
    per_day, per_slot = {}, {}
    for b in bookings:
        if b.status != Booking.Status.CHECKED_IN:
            continue
        per_day[(b.service_id, b.date)] = per_day.get((b.service_id, b.date), 0) + 1
        key = (b.service_id, b.date, b.slot_start)
        per_slot[key] = per_slot.get(key, 0) + 1
    seats = [
        BookingSeat(service_id=s, date=d, slot_start=None, taken=n) for (s, d), n in per_day.items()
    ]
    seats += [
        BookingSeat(service_id=s, date=d, slot_start=t, taken=n)
        for (s, d, t), n in per_slot.items()
    ]
    BookingSeat.objects.bulk_create(seats, batch_size=1000, ignore_conflicts=True)


def _survey(rng, ticket, hall):
    # Most answers are "baik" (3) or "sangat baik" (4). Waiting time (U3,
    # Waktu Penyelesaian) and facilities (U9, Sarana dan Prasarana) draw the
    # most complaints, as in published SKM reports; U4 is Biaya/Tarif, and
    # most services at the hall are free ("Gratis" scores 4, DOMAIN.md).
    lower, fee = (3, 9), 4
    scores = []
    for element in range(1, 10):
        weights = [1, 4, 45, 50]
        if element in lower:
            weights = [2, 8, 50, 40]
        elif element == fee:
            weights = [1, 2, 17, 80]
        scores.append(rng.choices([1, 2, 3, 4], weights=weights)[0])
    profile = rng.random() < 0.7
    return SurveyResponse(
        ticket=ticket,
        service=ticket.service,
        agency_id=ticket.service.agency_id,
        hall=hall,
        date=ticket.date,
        **{f"u{n}": score for n, score in enumerate(scores, start=1)},
        sex=rng.choice(SurveyResponse.Sex.values) if profile else "",
        age_band=rng.choice(SurveyResponse.AgeBand.values) if profile else "",
        education=rng.choice(SurveyResponse.Education.values) if profile else "",
        occupation=rng.choice(SurveyResponse.Occupation.values) if profile else "",
        suggestion=rng.choice(SUGGESTIONS) if rng.random() < 0.12 else "",
        channel=SurveyResponse.Channel.KIOSK
        if rng.random() < 0.4
        else SurveyResponse.Channel.PHONE,
        created_at=ticket.finished_at + datetime.timedelta(minutes=rng.randint(1, 20)),
    )


def _upcoming_bookings(rng, hall, services, today):
    """Bookings for the next working days, taken through the real seat counter."""
    made = 0
    day = today
    for _ in range(DAYS_AHEAD):
        day += datetime.timedelta(days=1)
        while not is_working_day(day, hall=hall):
            day += datetime.timedelta(days=1)
        for service in services.values():
            if not _has_schedule(service) or not service.booking_schedule.is_active:
                continue
            starts = service.booking_schedule.slot_starts()
            for _ in range(rng.randint(1, 6)):
                slot = rng.choice(starts)
                booking = _new_booking(
                    rng,
                    service,
                    day,
                    slot,
                    timezone.now() - datetime.timedelta(hours=rng.randint(1, 72)),
                    Booking.Status.BOOKED,
                )
                try:
                    # A savepoint: a full slot must not keep the day's seat.
                    with transaction.atomic():
                        take_seats(service, day, slot)
                        booking.save()
                except SlotFull:
                    continue
                made += 1
    return made
