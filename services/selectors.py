"""Read-side queries of the queue: the display board and counts."""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from services.models import Counter, Service, Ticket, TicketCall

BOARD_CALLS = 8
# Every TV polls each second; the state is computed at most once per this
# many seconds per hall and version (see board_version()). A call, a counter
# opening or closing and a transfer bump the version and show at once; a new
# ticket (a waiting count + 1) shows when this expires, within two seconds
# of the kiosk with the TV's own poll.
BOARD_CACHE_SECONDS = 1


def _version_key(hall_id):
    return f"board-version:{hall_id}"


def _board_key(hall_id, version):
    return f"board-state:{hall_id}:{version}"


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

    The version is read *before* the database: a poll that read the state
    just before a change committed stores it under the old version, which
    the change has already left behind, so it can never be served after.
    """
    version = board_version(hall.pk)
    if version is None:  # no usable cache
        return board_state(hall)
    key = _board_key(hall.pk, version)
    state = cache.get(key)
    if state is None:
        state = board_state(hall)
        cache.set(key, state, BOARD_CACHE_SECONDS)
    return state


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
    waiting = list(
        Service.objects.filter(agency__hall=hall, is_active=True)
        .annotate(
            waiting=Count(
                "tickets",
                filter=Q(tickets__date=today, tickets__status=Ticket.Status.WAITING),
            )
        )
        .filter(waiting__gt=0)
        .values("id", "code", "name", "agency__short_name", "waiting")
        .order_by("code")
    )
    state = {
        "hall": hall.name,
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
            }
            for counter in counters
        ],
        "waiting": [
            {
                "service_id": row["id"],
                "code": row["code"],
                "service": row["name"],
                "agency": row["agency__short_name"],
                "waiting": row["waiting"],
            }
            for row in waiting
        ],
    }
    state["fingerprint"] = repr(
        (
            state["last_call_id"],
            state["counters"],
            [(w["service_id"], w["waiting"]) for w in state["waiting"]],
        )
    )
    return state
