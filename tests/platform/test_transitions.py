"""The one transition helper (mpp_portal.transitions) and the proof that it
is the only writer of a status.

The proof is the whole suite: tests/conftest.py puts a trigger on the table
of every model with ``TRANSITIONS`` (tests/transition_guard.py) that refuses
a status change made by any other statement, so every test that moves a
ticket, booking or complaint through a page, the API, a task or the real
worker would fail if a code path wrote a status itself. The tests below
show that the trigger is there, that it bites, and what the helper does.
"""

import datetime
import threading
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from complaints.models import Complaint
from mpp_portal import transitions
from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import TransitionNotAllowed
from mpp_portal.transitions import bulk_transition, transition
from services.models import Booking, Ticket
from tests import transition_guard
from tests.factories import BookingFactory, ServiceFactory

BASE_DIR = Path(__file__).resolve().parents[2]
GUARD_ERROR = "outside mpp_portal.transitions"


@pytest.fixture
def service(agency_a):
    return ServiceFactory(agency=agency_a, code="A")


def audit(action):
    return AuditEntry.objects.filter(action=action)


# --------------------------------------------------------------------------
# The guard covers every state machine, and bites
# --------------------------------------------------------------------------
def test_the_guard_is_on_every_model_with_transitions(db):
    stateful = {model._meta.label for model in transitions.stateful_models()}
    # Found by walking the app registry, not listed by hand: SIPABES, forums
    # and PKS models with TRANSITIONS are guarded the day they are added.
    assert {"services.Ticket", "services.Booking", "complaints.Complaint"} <= stateful
    # An exemption names a real stateful model and says why.
    assert set(transition_guard.EXEMPT) <= stateful
    assert all(reason.strip() for reason in transition_guard.EXEMPT.values())
    guarded = {model._meta.db_table for model in transition_guard.guarded_models()}
    assert guarded == {
        model._meta.db_table
        for model in transitions.stateful_models()
        if model._meta.label not in transition_guard.EXEMPT
    }
    assert transition_guard.installed_tables() == guarded


def test_installing_twice_leaves_one_trigger_per_table(db):
    transition_guard.install()
    transition_guard.install()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_object_table, count(*) FROM information_schema.triggers "
            "WHERE trigger_name = %s GROUP BY 1",
            [transition_guard.FUNCTION],
        )
        counts = dict(cursor.fetchall())
    # One UPDATE event row per table: the trigger was replaced, not doubled.
    assert set(counts.values()) == {1}


def test_a_raw_status_update_is_refused(service):
    booking = BookingFactory(service=service)
    with pytest.raises(DatabaseError, match=GUARD_ERROR), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.NO_SHOW)
    with pytest.raises(DatabaseError, match=GUARD_ERROR), transaction.atomic():
        booking.status = Booking.Status.CANCELLED
        booking.save()
    with pytest.raises(DatabaseError, match=GUARD_ERROR), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE services_booking SET status = 'no_show' WHERE id = %s", [booking.pk]
            )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_writes_that_keep_the_status_pass(service):
    booking = BookingFactory(service=service)
    Booking.objects.filter(pk=booking.pk).update(name="Siti A.", status=Booking.Status.BOOKED)
    booking.refresh_from_db()
    assert booking.name == "Siti A."


def test_the_mark_covers_only_the_helpers_own_statement(service):
    """A raw write later in the same transaction is still refused."""
    first = BookingFactory(service=service)
    second = BookingFactory(service=service, slot_start=datetime.time(10))
    with pytest.raises(DatabaseError, match=GUARD_ERROR), transaction.atomic():
        transition(first, Booking.Status.CANCELLED, by=None, action="booking.cancel")
        Booking.objects.filter(pk=second.pk).update(status=Booking.Status.CANCELLED)


def test_only_the_helper_writes_the_mark():
    """Nothing else in the code base can pass the guard by quoting the marker."""
    holders = sorted(
        str(path.relative_to(BASE_DIR))
        for folder in ("mpp_portal", "services", "complaints", "tests", "bench")
        for path in (BASE_DIR / folder).rglob("*.py")
        if transitions.MARKER in path.read_text(encoding="utf-8")
    )
    assert holders == ["mpp_portal/transitions.py"]


# --------------------------------------------------------------------------
# transition(): one object
# --------------------------------------------------------------------------
def test_transition_checks_sets_saves_only_its_fields_and_audits(service, hall_admin, rf):
    booking = BookingFactory(service=service)
    booking.name = "not saved"  # a change of the caller's that is not the transition's
    moment = timezone.now()
    request = rf.post("/", REMOTE_ADDR="10.1.2.3")
    transition(
        booking,
        Booking.Status.CANCELLED,
        by=hall_admin,
        action="booking.cancel",
        note="Listrik padam",
        request=request,
        fields={"cancelled_at": moment},
    )
    stored = Booking.objects.get(pk=booking.pk)
    assert (stored.status, stored.cancelled_at, stored.name) == ("cancelled", moment, "Siti Aminah")
    entry = audit("booking.cancel").get()
    assert (entry.from_status, entry.to_status, entry.note) == (
        "booked",
        "cancelled",
        "Listrik padam",
    )
    assert (entry.actor, entry.object_repr, entry.ip_address) == (
        hall_admin,
        booking.code,
        "10.1.2.3",
    )


def test_transition_refuses_a_move_the_table_does_not_have(service):
    booking = BookingFactory(service=service, status=Booking.Status.NO_SHOW)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        transition(booking, Booking.Status.CHECKED_IN, by=None, action="booking.check_in")
    assert excinfo.value.http_status == 409
    assert "Tidak datang" in str(excinfo.value)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("model", [Ticket, Booking, Complaint], ids=lambda model: model.__name__)
def test_every_table_names_every_status(model):
    field = transitions.status_field(model)
    statuses = {value for value, _label in field.choices}
    assert set(model.TRANSITIONS) == statuses
    assert set().union(*model.TRANSITIONS.values()) <= statuses


# --------------------------------------------------------------------------
# bulk_transition(): scheduled moves
# --------------------------------------------------------------------------
def test_bulk_moves_only_rows_in_a_source_state_and_audits_each_once(
    service, django_capture_on_commit_callbacks
):
    booked = [BookingFactory(service=service, slot_start=datetime.time(8 + n)) for n in range(3)]
    done = BookingFactory(service=service, status=Booking.Status.CHECKED_IN)
    today = BookingFactory(service=service, date=timezone.localdate())
    seen, committed = [], []
    with django_capture_on_commit_callbacks(execute=True):
        moved = bulk_transition(
            Booking.objects.filter(date__lt=timezone.localdate()),
            Booking.Status.NO_SHOW,
            sources=[Booking.Status.BOOKED],
            action="booking.no_show",
            note="slot lewat",
            fields={"reminder_sent_at": None},
            then=lambda objects: seen.extend(o.status for o in objects),
            on_commit=lambda objects: committed.extend(o.pk for o in objects),
        )
    ids = [b.pk for b in booked]
    assert [b.pk for b in moved] == ids
    assert all(isinstance(b, Booking) and b.status == "no_show" for b in moved)
    assert [b.code for b in moved] == [b.code for b in booked]
    assert seen == ["no_show"] * 3
    assert committed == ids
    entries = audit("booking.no_show")
    assert sorted(int(e.object_id) for e in entries) == ids
    assert {(e.from_status, e.to_status, e.actor_label, e.note) for e in entries} == {
        ("booked", "no_show", "sistem", "slot lewat")
    }
    assert {e.object_repr for e in entries} == {b.code for b in booked}
    for untouched, status in ((done, "checked_in"), (today, "booked")):
        untouched.refresh_from_db()
        assert untouched.status == status
    # Run again: nothing left in a source state, nothing moved or audited.
    again = bulk_transition(
        Booking.objects.all(),
        Booking.Status.NO_SHOW,
        sources=[Booking.Status.BOOKED],
        action="booking.no_show",
    )
    assert [b.pk for b in again] == [today.pk]
    assert audit("booking.no_show").count() == 4


def test_bulk_refuses_a_forbidden_pair_before_touching_anything(service):
    BookingFactory(service=service)
    BookingFactory(service=service, status=Booking.Status.CHECKED_IN)
    with pytest.raises(TransitionNotAllowed):
        bulk_transition(
            Booking.objects.all(),
            Booking.Status.CANCELLED,
            sources=[Booking.Status.BOOKED, Booking.Status.CHECKED_IN],
            action="booking.cancel",
        )
    assert sorted(Booking.objects.values_list("status", flat=True)) == ["booked", "checked_in"]
    assert not AuditEntry.objects.exists()


def test_bulk_with_an_empty_queryset_does_nothing(db):
    assert (
        bulk_transition(
            Booking.objects.none(),
            Booking.Status.NO_SHOW,
            sources=[Booking.Status.BOOKED],
            action="booking.no_show",
        )
        == []
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_runs_never_move_a_row_twice(agency_a):
    """The second run waits for the first's row locks, then finds nothing left."""
    service = ServiceFactory(agency=agency_a, code="A")
    day = timezone.localdate() - datetime.timedelta(days=1)
    ids = [
        BookingFactory(service=service, date=day, slot_start=datetime.time(8 + n)).pk
        for n in range(5)
    ]
    first_moved, first_may_commit = threading.Event(), threading.Event()
    results = {}

    def run(name, hold):
        try:
            with transaction.atomic():
                moved = bulk_transition(
                    Booking.objects.filter(date=day),
                    Booking.Status.NO_SHOW,
                    sources=[Booking.Status.BOOKED],
                    action="booking.no_show",
                )
                results[name] = [b.pk for b in moved]
                if hold:
                    first_moved.set()
                    first_may_commit.wait(10)
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first", True))
    first.start()
    assert first_moved.wait(10)
    second = threading.Thread(target=run, args=("second", False))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second run should wait for the first run's row locks"
    first_may_commit.set()
    first.join(10)
    second.join(10)
    assert results == {"first": ids, "second": []}
    assert AuditEntry.objects.filter(action="booking.no_show").count() == 5


# --------------------------------------------------------------------------
# The apps on the helper
# --------------------------------------------------------------------------
def test_no_shows_go_through_the_helper(service):
    from services.booking import booking_mark_no_shows

    booking = BookingFactory(service=service)
    assert booking_mark_no_shows() == 1
    booking.refresh_from_db()
    assert booking.status == "no_show"
    assert audit("booking.no_show").get().object_repr == booking.code
