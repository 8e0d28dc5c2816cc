"""Who is called next: the one call order of the queue.

A counter calls from the waiting tickets of the services it serves
(``CounterService``), in two lines:

- the **priority line** (every priority group together) and the **normal
  line**, each in order of *rank*, then *place*:

  - rank 0 is a **booked ticket**: a booking checked in (services.booking
    refuses a check-in outside its window, from ``CHECK_IN_EARLY`` before
    the slot to its end), of a service whose ``BookingSchedule.booked_first``
    was on at check-in (``Ticket.booked_first``), while it waits in the
    service it was booked for. It is called before every walk-in (rank 1)
    of its line at that counter. Its place is its slot's start, so bookings
    go in slot order, whenever each checked in. After a transfer the
    ticket waits as a walk-in of the new service, by its first arrival; a
    booked no-show sent back returns to its own place, booked still.
  - the place of everyone else is the arrival time ``queued_at`` (the
    check-in of a booking whose service calls bookings in arrival order; a
    transferred ticket keeps its first arrival, a late no-show sent back
    its own).

  Every place is made earlier by ``WEIGHT_STEP`` for each point of the
  counter's weight for the ticket's service above 1; ties by arrival, then
  by id. Rank and place never change while a ticket waits, so two waiting
  tickets never swap with the clock.
- the lines merge by the streak rule (``merged_position``): priority tickets
  first, but after ``Counter.PRIORITY_STREAK_LIMIT`` priority calls in a row
  the next normal ticket goes, so normal tickets are never starved.

**Bookings and priority groups.** A booking checks in as a normal ticket, so
it heads the *normal* line: the groups of UU 25/2009 Pasal 29 (elderly,
disabled, pregnant, children, disaster victims) are still called first, as
the law asks, and a booked call is a normal turn of the streak rule (it
resets the streak). A booking is a promise of a slot; priority is a right.

``ticket_call_next`` calls the head of ``counter_call_order``; the console
lists it; ``queue_positions`` gives the people ahead that the tracking page,
the printed ticket, the API and the near-turn message show. All of them
place tickets with ``WAITING_SQL`` and merge the lines with
``merged_position``: there is no other ordering.

**People ahead** when several counters serve a service: the number of
tickets that the counter nearest to calling this ticket calls before it
(the best case), among the open counters that serve its service; while none
is open, among all of them with a fresh streak (opening resets it); when no
counter serves the service, in the service's own two lines. If that counter
alone called, the ticket would be called exactly after that many. Calls at
other counters only take tickets, which never moves anyone back, so it is
called no later than that; what can move it back is a ticket that ranks
ahead of it arriving (a priority ticket, a booking checked in, a transfer,
a no-show sent back, a weighted service's head start) or a counter closing.
"""

import datetime
from collections import defaultdict

from django.db import connection

from services.models import Counter, CounterService, Priority, Ticket

# Each point of weight above 1 counts as this much waiting already done:
# weight 3 puts a ticket 20 minutes ahead of its arrival at that counter.
WEIGHT_STEP = datetime.timedelta(minutes=10)


def merged_position(*, line_index: int, is_priority: bool, other_line: int, streak: int) -> int:
    """Return how many tickets a counter calls before this one.

    ``line_index`` is the ticket's index in its own line, ``other_line``
    the length of the other line, ``streak`` the counter's priority calls in
    a row so far. The closed form of calling one ticket at a time: priority
    first while the streak is under the limit, else a normal ticket (when
    either line is empty, the other one goes).
    """
    limit = Counter.PRIORITY_STREAK_LIMIT
    # Priority calls before the first normal turn.
    first_turn = max(0, limit - streak)
    if is_priority:
        # Normal turns come after first_turn priority calls, then after
        # every ``limit`` more, while normal tickets last.
        turns = 0 if line_index < first_turn else (line_index - first_turn) // limit + 1
        return line_index + min(other_line, turns)
    return line_index + min(other_line, first_turn + line_index * limit)


def call_order(priority_line: list, normal_line: list, *, streak: int) -> list:
    """Merge the two lines, each already in order of place, into the call order."""
    placed = [
        (
            merged_position(
                line_index=i, is_priority=True, other_line=len(normal_line), streak=streak
            ),
            t,
        )
        for i, t in enumerate(priority_line)
    ] + [
        (
            merged_position(
                line_index=i, is_priority=False, other_line=len(priority_line), streak=streak
            ),
            t,
        )
        for i, t in enumerate(normal_line)
    ]
    # The positions are 0..n-1 without repeats, so the sort key is unique.
    return [ticket for _position, ticket in sorted(placed, key=lambda pair: pair[0])]


# Every waiting ticket of every lane, with its line, its rank and its place.
# A lane is a counter (lane id = counter id: its services, its weights) or a
# service that no counter serves (lane id = minus the service id: that
# service alone, weight 1). This CTE is the one definition of a rank and a
# place; both queries below order by (rank, place, queued_at, id).
WAITING_SQL = """
WITH lane AS (
    SELECT cs.counter_id AS lane_id, cs.service_id, cs.weight
    FROM services_counterservice cs
    WHERE cs.counter_id = ANY(%(counters)s)
    UNION ALL
    SELECT -s.id, s.id, 1
    FROM services_service s
    WHERE s.id = ANY(%(lone_services)s)
), waiting AS (
    SELECT lane.lane_id, t.id, t.date, t.queued_at,
           t.priority <> %(normal)s AS is_priority,
           CASE WHEN mark.booked THEN 0 ELSE 1 END AS rank,
           CASE WHEN mark.booked THEN t.booked_slot_at ELSE t.queued_at END
               - (lane.weight - 1) * %(step)s AS place
    FROM lane
    JOIN services_ticket t ON t.service_id = lane.service_id
    -- Booked first only in the service it was booked for (which numbered it).
    CROSS JOIN LATERAL (
        SELECT t.booked_first AND t.service_id = t.numbered_service_id AS booked
    ) mark
    WHERE t.status = %(waiting)s AND t.date = ANY(%(dates)s)
)
"""

# A lane's tickets in order of rank and place (both lines interleaved).
ORDER_SQL = WAITING_SQL + "SELECT id, is_priority FROM waiting ORDER BY rank, place, queued_at, id"

# For each wanted ticket and lane: its index in its line (the tickets of its
# line placed before it) and both lines' lengths. Counting, not sorting:
# the cost grows with (wanted tickets x waiting tickets), with no sort, so
# the position on a freshly issued ticket stays cheap in a long queue.
POSITIONS_SQL = (
    WAITING_SQL
    + """
SELECT me.lane_id, me.id, me.is_priority,
       counts.line_index, counts.normal_waiting, counts.priority_waiting
FROM waiting me
CROSS JOIN LATERAL (
    SELECT COUNT(*) FILTER (
               WHERE other.is_priority = me.is_priority
               AND (other.rank, other.place, other.queued_at, other.id)
                   < (me.rank, me.place, me.queued_at, me.id)
           ) AS line_index,
           COUNT(*) FILTER (WHERE NOT other.is_priority) AS normal_waiting,
           COUNT(*) FILTER (WHERE other.is_priority) AS priority_waiting
    FROM waiting other
    WHERE other.lane_id = me.lane_id AND other.date = me.date
) counts
WHERE me.id = ANY(%(tickets)s)
"""
)


# The position of one ticket, lanes included: its service's counters (the
# open ones, or while none is open all of them with a fresh streak, or the
# service alone when no counter serves it), as queue_positions() picks
# them, and per lane the counts of POSITIONS_SQL. One query: a freshly
# issued ticket's "people ahead" needs no reload and no second round trip.
ONE_POSITION_SQL = (
    """
WITH links AS (
    SELECT cs.counter_id, c.is_open, c.priority_streak
    FROM services_counterservice cs
    JOIN services_counter c ON c.id = cs.counter_id
    WHERE cs.service_id = %(service)s
), chosen AS (
    SELECT counter_id AS lane_id,
           CASE WHEN is_open THEN priority_streak ELSE 0 END AS streak
    FROM links
    WHERE is_open OR NOT EXISTS (SELECT 1 FROM links WHERE is_open)
    UNION ALL
    SELECT -%(service)s, 0 WHERE NOT EXISTS (SELECT 1 FROM links)
), """
    + WAITING_SQL.strip()
    .removeprefix("WITH ")
    .replace("ANY(%(counters)s)", "ANY(ARRAY(SELECT lane_id FROM chosen WHERE lane_id > 0))")
    .replace(
        "ANY(%(lone_services)s)",
        "ANY(ARRAY(SELECT -lane_id FROM chosen WHERE lane_id < 0))",
    )
    + """
SELECT me.lane_id, me.is_priority, counts.line_index, counts.normal_waiting,
       counts.priority_waiting, chosen.streak,
       (SELECT count(*) FROM links WHERE is_open)
FROM waiting me
JOIN chosen ON chosen.lane_id = me.lane_id
CROSS JOIN LATERAL (
    SELECT COUNT(*) FILTER (
               WHERE other.is_priority = me.is_priority
               AND (other.rank, other.place, other.queued_at, other.id)
                   < (me.rank, me.place, me.queued_at, me.id)
           ) AS line_index,
           COUNT(*) FILTER (WHERE NOT other.is_priority) AS normal_waiting,
           COUNT(*) FILTER (WHERE other.is_priority) AS priority_waiting
    FROM waiting other
    WHERE other.lane_id = me.lane_id AND other.date = me.date
) counts
WHERE me.id = %(ticket)s
"""
)


def ticket_position(ticket) -> tuple[int, int]:
    """Return (people ahead, open counters) of one waiting ``ticket`` in one query.

    The same figures as ``queue_positions([ticket])`` (which takes two).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            ONE_POSITION_SQL,
            {
                "service": ticket.service_id,
                "ticket": ticket.pk,
                "dates": [ticket.date],
                "normal": Priority.NORMAL.value,
                "waiting": Ticket.Status.WAITING.value,
                "step": WEIGHT_STEP,
            },
        )
        rows = cursor.fetchall()
    best, open_counters = None, 0
    for _lane, is_priority, line_index, normal, priority, streak, opened in rows:
        open_counters = opened
        ahead = merged_position(
            line_index=line_index,
            is_priority=is_priority,
            other_line=normal if is_priority else priority,
            streak=streak,
        )
        best = ahead if best is None else min(best, ahead)
    return (best or 0), open_counters


def _run(sql, *, counters=(), lone_services=(), dates, tickets=()):
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "counters": list(counters),
                "lone_services": list(lone_services),
                "dates": list(dates),
                "tickets": list(tickets),
                "normal": Priority.NORMAL.value,
                "waiting": Ticket.Status.WAITING.value,
                "step": WEIGHT_STEP,
            },
        )
        return cursor.fetchall()


def counter_call_order(counter, *, day: datetime.date, exclude=frozenset()) -> list[int]:
    """Return the ids of ``counter``'s waiting tickets of ``day`` in call order.

    One query. ``counter.priority_streak`` is the streak the order starts
    from: lock the counter first when the order decides a call. Tickets in
    ``exclude`` (e.g. being called at another counter this instant) are
    left out, and the rest merge as if they were not there.
    """
    lines = {True: [], False: []}
    for ticket_id, is_priority in _run(ORDER_SQL, counters=[counter.pk], dates=[day]):
        if ticket_id not in exclude:
            lines[is_priority].append(ticket_id)
    return call_order(lines[True], lines[False], streak=counter.priority_streak)


def queue_positions(tickets) -> dict[int, tuple[int, int]]:
    """Return {ticket id: (people ahead, open counters)} for the waiting ``tickets``.

    People ahead as the module docstring defines it; open counters are
    those serving the ticket's service (the wait estimate divides by them).
    Two queries for any number of tickets, none when none waits.
    """
    waiting = [t for t in tickets if t.status == Ticket.Status.WAITING]
    if not waiting:
        return {}
    services = {t.service_id for t in waiting}
    serving = defaultdict(list)  # service id -> [(counter id, is open, streak)]
    for service_id, counter_id, is_open, streak in CounterService.objects.filter(
        service_id__in=services
    ).values_list("service_id", "counter_id", "counter__is_open", "counter__priority_streak"):
        serving[service_id].append((counter_id, is_open, streak))
    lanes = {}  # service id -> {lane id: streak}
    for service_id in services:
        links = serving.get(service_id, [])
        opened = {c: streak for c, is_open, streak in links if is_open}
        # While no counter is open, any of them may open, with a fresh
        # streak; a service no counter serves is its own lane.
        lanes[service_id] = opened or {c: 0 for c, _o, _s in links} or {-service_id: 0}
    rows = _run(
        POSITIONS_SQL,
        counters={lane for by_lane in lanes.values() for lane in by_lane if lane > 0},
        lone_services=[-lane for by_lane in lanes.values() for lane in by_lane if lane < 0],
        dates={t.date for t in waiting},
        tickets=[t.pk for t in waiting],
    )
    service_of = {t.pk: t.service_id for t in waiting}
    best = {}
    for lane_id, ticket_id, is_priority, line_index, normal, priority in rows:
        streaks = lanes[service_of[ticket_id]]
        if lane_id not in streaks:
            continue  # a counter that serves it, but not open while another is
        ahead = merged_position(
            line_index=line_index,
            is_priority=is_priority,
            other_line=normal if is_priority else priority,
            streak=streaks[lane_id],
        )
        best[ticket_id] = min(ahead, best.get(ticket_id, ahead))
    return {
        # No row: the ticket left the queue since it was read.
        t.pk: (best.get(t.pk, 0), sum(1 for _c, is_open, _s in serving[t.service_id] if is_open))
        for t in waiting
    }
