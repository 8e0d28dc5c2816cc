"""Read-side queries of the queue: the display board and counts."""

import datetime
import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from services.models import Counter, Ticket, TicketCall, TicketTransfer

BOARD_CALLS = 8
# Transferred tickets on the board: the last few, for a quarter of an hour.
BOARD_TRANSFERS = 4
TRANSFER_SHOWN_FOR = datetime.timedelta(minutes=15)
# Every TV polls each second; the state is computed at most once per this
# many seconds per hall and version (see board_version()). A call, a counter
# opening or closing and a transfer bump the version and show at once; a new
# ticket (a waiting count + 1) shows when this expires, within two seconds
# of the kiosk with the TV's own poll.
BOARD_CACHE_SECONDS = 1
# The last state computed is kept this long, so that while one process
# recomputes it (single flight: BOARD_LOCK_SECONDS at most) the other polls
# serve it instead of all reading the database at the same moment.
BOARD_KEEP_SECONDS = 60
BOARD_LOCK_SECONDS = 5
# A hall's id and name by slug: every poll names the hall by its slug.
HALL_CACHE_SECONDS = 60


def _version_key(hall_id):
    return f"board-version:{hall_id}"


def _state_key(hall_id):
    return f"board-state:{hall_id}"


def _lock_key(hall_id):
    return f"board-lock:{hall_id}"


def _hall_key(slug):
    return f"board-hall:{slug}"


def board_hall(slug):
    """Return the active hall of ``slug`` (id, slug and name only), or None.

    Cached for HALL_CACHE_SECONDS: the board poll would otherwise spend a
    third of its time on this lookup. A hall switched off or renamed shows
    so on the boards within that time.
    """
    from mpp_portal.organizations.models import Hall

    key = _hall_key(slug)
    found = cache.get(key)
    if found is None:
        row = (
            Hall.objects.filter(slug=slug, is_active=True)
            .values_list("pk", "name", "board_announcement")
            .first()
        )
        found = row or (None, None, "")
        cache.set(key, found, HALL_CACHE_SECONDS)
    pk, name, *rest = found
    if pk is None:
        return None
    return Hall(pk=pk, slug=slug, name=name, board_announcement=rest[0] if rest else "")


def board_hall_changed(slug):
    """Forget the cached hall row (its running text changed): the next poll reads it."""
    cache.delete(_hall_key(slug))


def board_version(hall_id):
    """Return the current version of the hall's board (a number in the cache).

    A missing version (first poll, evicted key) starts from the clock in
    nanoseconds, so it never names a state cached under an older version.
    """
    key = _version_key(hall_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key)
    return version


def cached_board_state(hall):
    """Return board_state(hall), from the cache when nothing has changed.

    One ``get_many`` reads the version and the last state together. The
    state is fresh when it was computed under the current version less than
    BOARD_CACHE_SECONDS ago. Otherwise one process at a time recomputes it
    (a lock taken with ``add``) while the other polls serve the last state,
    so the database sees one board query per hall and second however many
    workers poll; with no last state at all, every poll computes its own.

    The version is read *before* the database: a poll that read the state
    just before a change committed stores it under the old version, which
    the change has already left behind, so it is never served as fresh.
    """
    version_key, state_key = _version_key(hall.pk), _state_key(hall.pk)
    found = cache.get_many([version_key, state_key])
    version = found.get(version_key)
    if version is None:
        version = board_version(hall.pk)
        if version is None:  # no usable cache
            return board_state(hall)
    kept = found.get(state_key)
    now = time.time()
    fresh = kept is not None and kept["version"] == version
    if fresh and now - kept["computed_at"] < BOARD_CACHE_SECONDS:
        return kept["state"]
    lock = _lock_key(hall.pk)
    if kept is not None and not cache.add(lock, 1, BOARD_LOCK_SECONDS):
        return kept["state"]  # another process is recomputing it
    try:
        state = board_state(hall)
        state["etag"] = board_etag(state["fingerprint"])
        cache.set(
            state_key,
            {"version": version, "computed_at": now, "state": state},
            BOARD_KEEP_SECONDS,
        )
    finally:
        if kept is not None:
            cache.delete(lock)
    return state


def board_etag(fingerprint):
    return '"' + hashlib.sha256(fingerprint.encode()).hexdigest()[:32] + '"'


def _bump_board_version(hall_id):
    key = _version_key(hall_id)
    try:
        cache.incr(key)
    except ValueError:  # missing: any fresh clock value is a new version
        if not cache.add(key, time.time_ns(), timeout=None):
            cache.incr(key)


def board_changed(hall_id):
    """Move the hall's board to a new version: now, and when the change commits.

    Called inside the changing transaction. Other connections see the
    change only after the commit, and a poll between the two bumps may
    cache the old state under the first new version; the bump on commit
    leaves that version behind as well.
    """
    _bump_board_version(hall_id)
    transaction.on_commit(lambda: _bump_board_version(hall_id))


def _live_calls(calls, open_counter_ids):
    """Keep the calls a visitor should still act on, newest first, one per ticket.

    A call leaves the board when its ticket is finished, skipped, no-show,
    cancelled or transferred (the ticket is no longer called or served at
    that counter), or when the counter closes; a recall replaces the
    ticket's earlier call.
    """
    live, seen = [], set()
    for call in calls:
        ticket = call.ticket
        if ticket.pk in seen:
            continue
        seen.add(ticket.pk)
        if (
            ticket.status in (Ticket.Status.CALLED, Ticket.Status.SERVING)
            and ticket.counter_id == call.counter_id
            and call.counter_id in open_counter_ids
        ):
            live.append(call)
    return live[:BOARD_CALLS]


def waiting_counts(hall, day):
    """Return the waiting tickets of ``day`` per active service of ``hall``.

    Grouped from the day's waiting tickets, not from the services: the date
    and the status are conditions on the tickets that their index answers,
    so no ticket of another day is read (a LEFT JOIN from the services with
    the test inside COUNT FILTER read every service's whole history).
    """
    return (
        Ticket.objects.filter(
            date=day,
            status=Ticket.Status.WAITING,
            service__agency__hall=hall,
            service__is_active=True,
        )
        .values("service_id", "service__code", "service__name", "service__agency__short_name")
        .annotate(waiting=Count("pk"))
        .order_by("service__code")
    )


def board_state(hall):
    """Return what the display board of ``hall`` shows, in four queries.

    ``fingerprint`` changes whenever anything on the board changes, so the
    API can answer 304 to a poll that has already seen this state.
    """
    today = timezone.localdate()
    # Recent calls, more than the board shows: dead ones are dropped below.
    recent = list(
        TicketCall.objects.filter(hall=hall, called_at__date=today)
        .select_related("ticket__service", "counter")
        .order_by("-called_at", "-pk")[: BOARD_CALLS * 4]
    )
    counters = list(
        Counter.objects.filter(hall=hall, is_open=True).select_related("agency").order_by("number")
    )
    calls = _live_calls(recent, {counter.pk for counter in counters})
    current = {
        t.counter_id: t
        for t in Ticket.objects.filter(
            counter__in=counters,
            date=today,
            status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING],
        ).order_by("called_at")
    }
    waiting = list(waiting_counts(hall, today))
    # Tickets sent to another service's queue lately, still waiting there:
    # the board says "dialihkan" so their holders know to wait for a new call.
    transfers = list(
        TicketTransfer.objects.filter(
            to_service__agency__hall_id=hall.pk,
            at__gte=timezone.now() - TRANSFER_SHOWN_FOR,
            ticket__status=Ticket.Status.WAITING,
            ticket__date=today,
        )
        .select_related("ticket", "to_service")
        .order_by("-at", "-pk")[:BOARD_TRANSFERS]
    )
    state = {
        "hall": hall.name,
        # The running text (pengumuman) the hall admin writes; "" for none.
        "announcement": hall.board_announcement,
        # The newest call even if it is already over: the page announces
        # every call with a larger id, and must not hear an old one again.
        "last_call_id": recent[0].pk if recent else None,
        "calls": [
            {
                "id": call.pk,
                "code": call.ticket.code,
                "service": call.ticket.service.name,
                "counter_number": call.counter.number,
                "counter": str(call.counter.label),
                "called_at": timezone.localtime(call.called_at).isoformat(),
                "is_recall": call.is_recall,
                # A booking's check-in: why it may be called before earlier walk-ins.
                "booked": call.ticket.is_booked,
            }
            for call in calls
        ],
        "counters": [
            {
                "id": counter.pk,
                "number": counter.number,
                "label": str(counter.label),
                "agency": counter.agency.short_name,
                "ticket": current[counter.pk].code if counter.pk in current else None,
                "status": current[counter.pk].status if counter.pk in current else None,
                # On a break: the board shows "istirahat" instead of a ticket.
                "paused": counter.paused_at is not None,
            }
            for counter in counters
        ],
        "transfers": [
            {"code": t.ticket.code, "service": t.to_service.name}
            for t in transfers
            if t.ticket.service_id == t.to_service_id  # its last move
        ],
        "waiting": [
            {
                "service_id": row["service_id"],
                "code": row["service__code"],
                "service": row["service__name"],
                "agency": row["service__agency__short_name"],
                "waiting": row["waiting"],
            }
            for row in waiting
        ],
    }
    state["fingerprint"] = repr(
        (
            state["last_call_id"],
            state["announcement"],
            state["transfers"],
            state["counters"],
            [(w["service_id"], w["waiting"]) for w in state["waiting"]],
        )
    )
    return state
