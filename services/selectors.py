"""Read-side queries of the queue: the display board and counts."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from services.models import Counter, Service, Ticket, TicketCall

BOARD_CALLS = 8
# Every TV polls each second; the state is computed at most this often
# per hall, and thrown away at once when something on the board changes.
BOARD_CACHE_SECONDS = 5


def _board_key(hall_id):
    return f"board-state:{hall_id}"


def cached_board_state(hall):
    """Return board_state(hall), from the cache when nothing has changed."""
    return cache.get_or_set(_board_key(hall.pk), lambda: board_state(hall), BOARD_CACHE_SECONDS)


def board_changed(hall_id):
    """Drop the cached board of a hall: now, and again when the change commits
    (a poll between the two could have cached the state before it)."""
    key = _board_key(hall_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def board_state(hall):
    """Return what the display board of ``hall`` shows, in four queries.

    ``fingerprint`` changes whenever anything on the board changes, so the
    API can answer 304 to a poll that has already seen this state.
    """
    today = timezone.localdate()
    calls = list(
        TicketCall.objects.filter(hall=hall, called_at__date=today)
        .select_related("ticket__service", "counter")
        .order_by("-called_at", "-pk")[:BOARD_CALLS]
    )
    counters = list(
        Counter.objects.filter(hall=hall, is_open=True).select_related("agency").order_by("number")
    )
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
        "last_call_id": calls[0].pk if calls else None,
        "calls": [
            {
                "id": call.pk,
                "code": call.ticket.code,
                "service": call.ticket.service.name,
                "counter_number": call.counter.number,
                "counter": str(call.counter.label),
                "called_at": timezone.localtime(call.called_at).isoformat(),
                "is_recall": call.is_recall,
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
