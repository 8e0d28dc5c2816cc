"""The SLA scan over a big backlog: chunks, marks, no re-reading of what was told."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints import sla
from complaints.models import Complaint, ReminderLog, SlaMark
from mpp_portal.accounts.models import User
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.workdays import JAKARTA
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def at(day, hour=9, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=JAKARTA)


@pytest.fixture
def hall_admin(hall):
    return UserFactory(
        username="admin.sla", role=User.Role.HALL_ADMIN, hall=hall, email="admin.mpp@example.test"
    )


def _overdue(file_complaint, n):
    complaints = [file_complaint(title=f"Lewat batas {i}") for i in range(n)]
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(due_at=at(1, 8))
    return complaints


def _escalations():
    return OutboxMessage.objects.filter(dedupe_key__startswith="sla-escalation-")


def _mark(kind):
    mark = SlaMark.objects.get(kind=kind)
    return mark.due_at, mark.complaint_id


def test_a_backlog_bigger_than_a_chunk_is_claimed_chunk_by_chunk(
    file_complaint, hall_admin, _frozen_clock
):
    complaints = _overdue(file_complaint, 17)
    _frozen_clock.move_to(at(1, 10))
    result = sla.complaint_sla_scan(chunk=5)
    assert result["escalation"] == 17
    # The escalation writes no row per complaint: its mark moved to the last.
    assert not ReminderLog.objects.exists()
    # One digest per chunk (each chunk commits with its digest): 5+5+5+2.
    digests = list(_escalations().values_list("body", flat=True))
    assert len(digests) == 4
    for complaint in complaints:
        assert sum(complaint.tracking_id in body for body in digests) == 1
    assert _mark("escalation") == (at(1, 8), complaints[-1].pk)


def test_escalated_complaints_are_not_read_again(file_complaint, hall_admin, _frozen_clock):
    """The second run's cost does not grow with the escalated backlog."""
    _overdue(file_complaint, 5)
    _frozen_clock.move_to(at(1, 10))
    assert sla.complaint_sla_scan()["escalation"] == 5
    with CaptureQueriesContext(connection) as small:
        assert sla.complaint_sla_scan()["escalation"] == 0
    _overdue(file_complaint, 25)
    _frozen_clock.move_to(at(1, 10, 5))
    assert sla.complaint_sla_scan()["escalation"] == 25
    with CaptureQueriesContext(connection) as large:
        assert sla.complaint_sla_scan() == {
            "due_soon": 0,
            "due_now": 0,
            "escalation": 0,
            "closed": 0,
        }
    assert len(large) == len(small)

    # The claim reads the deadline index from the mark on: nothing once the
    # backlog is told, whatever its size.
    with CaptureQueriesContext(connection) as queries:
        sla.complaint_sla_scan()
    [claim] = [
        q["sql"]
        for q in queries
        if "complaints_slamark" in q["sql"] and "WITH" in q["sql"] and "'escalation'" in q["sql"]
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE complaints_complaint")
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + claim)
            raw = cursor.fetchone()[0]
        transaction.set_rollback(True)
    scans = [
        node
        for node in _nodes(raw[0]["Plan"])
        if node.get("Relation Name") == "complaints_complaint"
    ]
    # The table is analysed first: otherwise the plan for 30 rows depends on
    # whether autovacuum got to it (a CI run once took another index). What
    # must hold is that the claim finds nothing and reads nothing it then
    # throws away, whichever index serves it.
    read = [
        (
            node.get("Index Name"),
            node["Actual Rows"],
            node.get("Rows Removed by Filter", 0),
            node.get("Rows Removed by Index Recheck", 0),
        )
        for node in scans
    ]
    assert read and all(
        rows == removed == rechecked == 0 for _, rows, removed, rechecked in read
    ), read


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_a_new_deadline_escalates_again(file_complaint, hall_admin, _frozen_clock):
    """A deadline moved without resetting the stamp (extension, resume) is watched again."""
    [complaint] = _overdue(file_complaint, 1)
    _frozen_clock.move_to(at(1, 10))
    assert sla.complaint_sla_scan()["escalation"] == 1
    Complaint.objects.filter(pk=complaint.pk).update(due_at=at(2, 16))
    _frozen_clock.move_to(at(2, 17))
    assert sla.complaint_sla_scan()["escalation"] == 1
    bodies = _escalations().values_list("body", flat=True)
    assert sum(complaint.tracking_id in body for body in bodies) == 2


def test_reminder_windows_skip_what_was_reminded(file_complaint, hall_admin, _frozen_clock):
    """A second run the same day claims nothing and inserts nothing."""
    complaints = [file_complaint(title=f"Hari ini {i}") for i in range(4)]
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(due_at=at(1, 16))
    _frozen_clock.move_to(at(1, 10))
    assert sla.complaint_sla_scan(chunk=3)["due_now"] == 4
    with CaptureQueriesContext(connection) as queries:
        assert sla.complaint_sla_scan(chunk=3)["due_now"] == 0
    assert not [q for q in queries if q["sql"].startswith('INSERT INTO "mpp_portal')]
    assert _mark("due_now") == (at(1, 16), complaints[-1].pk)


def test_h1_reminder_of_a_deadline_set_after_the_window_was_claimed(
    file_complaint, hall_admin, _frozen_clock
):
    """Tomorrow's window can gain a complaint today: the H-1 reminder keeps a
    row per complaint, so an older complaint given tomorrow's deadline after
    the window was claimed is still reminded, once."""
    older, newer = file_complaint(title="Lama"), file_complaint(title="Baru")
    Complaint.objects.filter(pk=newer.pk).update(due_at=at(2, 16))
    Complaint.objects.filter(pk=older.pk).update(due_at=at(9, 16))
    _frozen_clock.move_to(at(1, 10))
    assert sla.complaint_sla_scan()["due_soon"] == 1
    Complaint.objects.filter(pk=older.pk).update(due_at=at(2, 16))  # e.g. resumed, 1 day left
    _frozen_clock.move_to(at(1, 11))
    assert sla.complaint_sla_scan()["due_soon"] == 1
    assert sla.complaint_sla_scan()["due_soon"] == 0
    assert set(ReminderLog.objects.values_list("complaint_id", flat=True)) == {older.pk, newer.pk}


def test_a_big_claim_renews_the_logs_statistics(
    file_complaint, hall_admin, _frozen_clock, monkeypatch
):
    """After a backlog the next run's "already reminded?" test is planned on real numbers."""
    monkeypatch.setattr(sla, "ANALYZE_AFTER", 3)
    complaints = [file_complaint(title=f"Besok {i}") for i in range(4)]
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(due_at=at(2, 16))
    _frozen_clock.move_to(at(1, 10))
    with CaptureQueriesContext(connection) as queries:
        assert sla.complaint_sla_scan(chunk=3)["due_soon"] == 4
    analyzed = [q for q in queries if q["sql"] == "ANALYZE complaints_reminderlog"]
    assert len(analyzed) == 2  # once between the chunks, once for the next run
    with CaptureQueriesContext(connection) as queries:
        sla.complaint_sla_scan()  # claims nothing: no ANALYZE
    assert not any(q["sql"].startswith("ANALYZE") for q in queries)
