"""Complaints (LAPOR flow): on-time rates in working days, overdue now, rating, per agency.

March 2026 holds Nyepi and Idul Fitri with their cuti bersama (18-24 March)
and February the Imlek holiday (16-17 February), so the windows below are
hand-counted on the real calendar (``holidays`` package). Verification
deadline 3 working days, follow-up 5 (the hall's default policy).

C1  Mon 16 Mar 10:00, dispatched Thu 26 Mar 15:00: received 16, working
    days 17, 25, 26 (18-24 closed) -> due 26 Mar 16:00, on time; agency A
    answered on time, rating 5.
C2  Mon 2 Mar 10:00, dispatched Thu 5 Mar 16:30: due 5 Mar 16:00 -> late;
    agency A answered late, rating 2.
C3  Fri 6 Mar 17:00 (after closing: received Mon 9), dispatched Thu 12 Mar
    09:00: due 12 Mar 16:00 -> on time; agency B has not answered, past
    its deadline -> follow-up late, overdue now.
C4  Tue 31 Mar 23:30 WIB (16:30 UTC, still March), not verified, due
    Tue 7 Apr 16:00 (3 Apr Good Friday) -> late and overdue on 8 April.
C5  Wed 1 Apr 00:10 WIB: April, not received in March; overdue on 8 April.
C6  Tue 10 Mar 09:00, archived Wed 11 Mar 10:00 -> verified on time.
C7  Tue 3 Mar, asked the reporter for information (clock paused): left out
    of the verification rate; dispatched to B, deadline not reached.
C8  Mon 16 Feb 09:00 (cuti bersama Imlek: received Wed 18), dispatched
    Mon 23 Feb 10:00 -> on time (February); rating 4.
C9  January, dispatched to A, deadline 20 January passed: overdue now.
"""

import datetime
import itertools

import pytest

from complaints.models import Complaint, ComplaintUpdate
from mpp_portal.workdays import deadline
from regency.figures import Context, complaints
from regency.periods import MONTH, Period
from tests.regency.conftest import wib

MARCH = Period(MONTH, 2026, 3)
TODAY = datetime.date(2026, 4, 8)
S = Complaint.Status
_numbers = itertools.count(1)


def report(hall, submitted_at, status, **fields):
    n = next(_numbers)
    return Complaint.objects.create(
        hall=hall,
        tracking_id=f"LBG-2026-{n:05d}",
        access_token_hash="x",
        title=f"Laporan {n}",
        description="Antrean terlalu lama di loket.",
        reporter_name="Siti Aminah",
        reporter_phone="+6281234567890",
        status=status,
        submitted_at=submitted_at,
        **fields,
    )


@pytest.fixture
def world(hall, agency_a, agency_b):
    c = {}
    c[1] = report(
        hall,
        wib(2026, 3, 16, 10),
        S.CLOSED,
        assigned_agency=agency_a,
        dispatched_at=wib(2026, 3, 26, 15),
        responded_at=wib(2026, 3, 30, 10),
        responded_late=False,
        rating=5,
        closed_at=wib(2026, 4, 2, 10),
    )
    c[2] = report(
        hall,
        wib(2026, 3, 2, 10),
        S.CLOSED,
        assigned_agency=agency_a,
        dispatched_at=wib(2026, 3, 5, 16, 30),
        responded_at=wib(2026, 3, 30, 10),
        responded_late=True,
        rating=2,
        closed_at=wib(2026, 4, 2, 10),
    )
    c[3] = report(
        hall,
        wib(2026, 3, 6, 17),
        S.DISPATCHED,
        assigned_agency=agency_b,
        dispatched_at=wib(2026, 3, 12, 9),
        due_at=wib(2026, 3, 27, 16),
    )
    c[4] = report(hall, wib(2026, 3, 31, 23, 30), S.SUBMITTED, due_at=wib(2026, 4, 7, 16))
    c[5] = report(hall, wib(2026, 4, 1, 0, 10), S.SUBMITTED, due_at=wib(2026, 4, 7, 16))
    c[6] = report(
        hall,
        wib(2026, 3, 10, 9),
        S.ARCHIVED,
        archive_reason="unclear",
        closed_at=wib(2026, 3, 11, 10),
    )
    c[7] = report(
        hall,
        wib(2026, 3, 3, 9),
        S.DISPATCHED,
        assigned_agency=agency_b,
        dispatched_at=wib(2026, 3, 20, 9),
        due_at=wib(2026, 4, 10, 16),
    )
    ComplaintUpdate.objects.create(
        complaint=c[7],
        kind=ComplaintUpdate.Kind.STATUS,
        from_status=S.SUBMITTED,
        to_status=S.INFO_REQUESTED,
        author_label="Admin MPP",
        created_at=wib(2026, 3, 4, 9),
    )
    c[8] = report(
        hall,
        wib(2026, 2, 16, 9),
        S.CLOSED,
        assigned_agency=agency_b,
        dispatched_at=wib(2026, 2, 23, 10),
        responded_at=wib(2026, 2, 25, 10),
        responded_late=False,
        rating=4,
        closed_at=wib(2026, 3, 2, 10),
    )
    c[9] = report(
        hall,
        wib(2026, 1, 12, 9),
        S.DISPATCHED,
        assigned_agency=agency_a,
        dispatched_at=wib(2026, 1, 13, 9),
        due_at=wib(2026, 1, 20, 16),
    )
    return c


def values(tile):
    return {f.key: (f.value, f.previous) for f in tile.figures}


def test_hand_counted_march_with_holidays_in_the_window(world, hall, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        tile = complaints.build(Context(hall, MARCH, today=TODAY))
    assert values(tile) == {
        "received": (6, 1),  # C1, C2, C3, C4, C6, C7 ; February: C8
        "verified_on_time_rate": (60.0, 100.0),  # C1, C3, C6 of C1-C4, C6
        "followed_up_on_time_rate": (33.3, 100.0),  # C1 of C1, C2, C3
        "overdue_now": (4, None),  # C3, C4, C9 and April's C5, whenever received
        "satisfaction": (3.5, 4.0),
    }
    assert "8 April 2026" in tile.definition  # the moment "overdue now" is counted at
    assert tile.figure("verified_on_time_rate").note == "3 dari 5 laporan"
    assert tile.table.rows == [
        # agency, dispatched, on time, late, on-time %, overdue now, rating
        ["Bapenda", 2, 0, 1, 0.0, 1, None],
        ["Disdukcapil", 2, 1, 1, 50.0, 1, 3.5],
    ]


def test_the_verification_rule_is_the_portals_deadline(world, hall):
    """The SQL's on-time verdicts agree with mpp_portal.workdays.deadline."""
    for n, on_time in ((1, True), (2, False), (3, True), (8, True)):
        due = deadline(world[n].submitted_at, 3, hall)
        assert (world[n].dispatched_at <= due) is on_time, n
    assert deadline(world[6].submitted_at, 3, hall) >= world[6].closed_at
    assert deadline(world[4].submitted_at, 3, hall) == wib(2026, 4, 7, 16)
    # A count in calendar days would call C1 late (10 days) and C3 late (6).
    assert (world[1].dispatched_at - world[1].submitted_at).days > 3


def test_an_admin_closed_day_moves_the_deadline(world, hall):
    from mpp_portal.workdays.models import CalendarDay

    # A regional holiday on Thursday 5 March: C2's deadline moves to Monday 9
    # March and its dispatch at 16:30 on the 5th is on time.
    CalendarDay.objects.create(date=datetime.date(2026, 3, 5), name="Libur daerah", hall=hall)
    tile = complaints.build(Context(hall, MARCH, today=TODAY))
    assert tile.figure("verified_on_time_rate").value == 80.0


def test_agency_slice(world, hall, agency_a):
    tile = complaints.build(Context(hall, MARCH, agency=agency_a, today=TODAY))
    got = values(tile)
    assert got["received"] == (2, 0)
    assert got["verified_on_time_rate"] == (50.0, None)
    assert got["followed_up_on_time_rate"] == (50.0, None)
    assert got["overdue_now"] == (1, None)  # C9
    assert [row[0] for row in tile.table.rows] == ["Disdukcapil"]


def test_public_tile_hides_an_agencys_rating_from_few_reporters(world, hall):
    tile = complaints.build(Context(hall, MARCH, public=True, today=TODAY))
    assert [row[-1] for row in tile.table.rows] == [None, None]
    # Two ratings in March: not shown on the public page either.
    assert tile.figure("satisfaction").value is None
    text = repr(tile)
    for secret in ("Siti Aminah", "+6281234567890", "LBG-2026-"):
        assert secret not in text


def test_overdue_counts_at_the_moment_asked(world, hall):
    # On 1 April C4 and C5 are not yet due: C3 and C9 only.
    tile = complaints.build(Context(hall, MARCH, today=datetime.date(2026, 4, 1)))
    assert tile.figure("overdue_now").value == 2


def test_the_halls_policy_sets_the_windows(world, hall):
    from complaints.models import ComplaintPolicy

    # Five working days to verify: C2 (dispatched on the 3rd day after closing) is on time.
    ComplaintPolicy.objects.create(hall=hall, verify_days=5, followup_days=7)
    tile = complaints.build(Context(hall, MARCH, today=TODAY))
    assert tile.figure("verified_on_time_rate").value == 80.0
    assert "5 hari kerja" in tile.figure("verified_on_time_rate").label
    assert "7 hari kerja" in tile.figure("followed_up_on_time_rate").label


def test_a_redispatch_after_a_hand_back_keeps_the_first_verification(world, hall, agency_b):
    # C2 was in fact dispatched on time on Wednesday 4 March, handed back by
    # the agency and dispatched again on the 5th after closing time.
    for at, before, after in (
        (wib(2026, 3, 4, 10), S.SUBMITTED, S.DISPATCHED),
        (wib(2026, 3, 5, 9), S.DISPATCHED, S.SUBMITTED),
        (wib(2026, 3, 5, 16, 30), S.SUBMITTED, S.DISPATCHED),
    ):
        ComplaintUpdate.objects.create(
            complaint=world[2],
            kind=ComplaintUpdate.Kind.STATUS,
            from_status=before,
            to_status=after,
            author_label="Admin MPP",
            created_at=at,
        )
    tile = complaints.build(Context(hall, MARCH, today=TODAY))
    assert tile.figure("verified_on_time_rate").value == 80.0
