"""The board at a year of tickets: its waiting count reads today only, and
its state is recomputed by one process at a time."""

import json
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from services import queue, selectors

pytestmark = pytest.mark.django_db


def _seed_history(service, days, per_day):
    """Insert ``per_day`` finished tickets of ``service`` on each of the ``days`` past days."""
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO services_ticket (
                service_id, numbered_service_id, date, number, code, tracking_code,
                priority, status, issued_at, queued_at, booked_first, call_count,
                requeued, note, phone, near_turn_notified)
            SELECT %(service)s, %(service)s, %(today)s - d, n, 'H-' || n,
                   'HIST-' || %(service)s || '-' || d || '-' || n, 'normal', 'done',
                   now(), now(), false, 1, false, '', '', false
            FROM generate_series(1, %(days)s) AS d, generate_series(1, %(per_day)s) AS n
            """,
            {"service": service.pk, "today": today, "days": days, "per_day": per_day},
        )
        cursor.execute("ANALYZE services_ticket")


def _scans_of_tickets(plan):
    """Yield every plan node that reads services_ticket."""
    if plan.get("Relation Name") == "services_ticket":
        yield plan
    for child in plan.get("Plans", []):
        yield from _scans_of_tickets(child)


def test_waiting_count_reads_no_ticket_of_another_day(hall, service_a, service_b):
    _seed_history(service_a, days=30, per_day=40)
    _seed_history(service_b, days=30, per_day=40)
    for _ in range(3):
        queue.ticket_issue(service=service_a)
    queue.ticket_issue(service=service_b)
    sql, params = selectors.waiting_counts(hall, timezone.localdate()).query.sql_with_params()
    with connection.cursor() as cursor:
        # The seeded table is small enough for a sequential scan to win; with
        # it off, the plan shows which conditions an index can take. The old
        # LEFT JOIN from the services read every ticket of each service.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
    scans = list(_scans_of_tickets(plan))
    assert scans, plan
    for node in scans:
        # Per loop: today's 4 waiting tickets at most, and none of another
        # day read and thrown away (a nested loop may read them once per
        # service, as the embedded PostgreSQL's planner chose).
        removed = node.get("Rows Removed by Filter", 0) + node.get(
            "Rows Removed by Index Recheck", 0
        )
        assert node["Actual Rows"] <= 4 and removed == 0, json.dumps(node, indent=1)
    counts = {
        row["service__code"]: row["waiting"]
        for row in selectors.waiting_counts(hall, timezone.localdate())
    }
    assert counts == {"A": 3, "P": 1}


def test_a_poll_recomputes_once_while_others_serve_the_last_state(hall, service_a, monkeypatch):
    """Single flight: while one process recomputes, the others serve the last state."""
    queue.ticket_issue(service=service_a)
    first = selectors.cached_board_state(hall)
    selectors._bump_board_version(hall.pk)  # the kept state is stale now
    started, release = threading.Event(), threading.Event()
    real = selectors.board_state
    calls = []

    def slow_board_state(hall_):
        calls.append(1)
        started.set()
        release.wait(5)
        return real(hall_)

    monkeypatch.setattr(selectors, "board_state", slow_board_state)
    result = {}

    def poll():
        try:
            result["state"] = selectors.cached_board_state(hall)
        finally:
            connection.close()  # the thread's own connection

    worker = threading.Thread(target=poll)
    worker.start()
    assert started.wait(5)
    # The recompute holds the lock: this poll gets the last state at once.
    served = selectors.cached_board_state(hall)
    assert served["fingerprint"] == first["fingerprint"]
    assert len(calls) == 1
    release.set()
    worker.join(5)
    assert len(calls) == 1
    assert result["state"]["hall"] == hall.name
    # The lock is given back: the next stale state is recomputed again.
    assert cache.get(selectors._lock_key(hall.pk)) is None


def test_board_poll_query_count_and_hall_cache(
    api_client, hall, service_a, django_assert_max_num_queries, django_assert_num_queries
):
    """A poll whose state is fresh in the cache reads nothing from the database."""
    url = reverse("hall-board", args=[hall.slug])
    queue.ticket_issue(service=service_a)
    first = api_client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = api_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_board_throttle_counts_per_window(api_client, hall, settings, monkeypatch):
    from services.api import queue as api

    monkeypatch.setattr(api.BoardThrottle, "THROTTLE_RATES", {"board": "5/min"})
    url = reverse("hall-board", args=[hall.slug])
    codes = [api_client.get(url).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429, 429]


def test_a_hall_switched_off_leaves_the_board_within_the_hall_cache(api_client, hall):
    url = reverse("hall-board", args=[hall.slug])
    assert api_client.get(url).status_code == 200
    hall.is_active = False
    hall.save()
    cache.delete(selectors._hall_key(hall.slug))  # as after HALL_CACHE_SECONDS
    assert api_client.get(url).status_code == 404
