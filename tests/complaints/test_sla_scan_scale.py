"""The SLA scan over a big backlog: chunks, no re-claim of escalated complaints."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import sla
from complaints.models import Complaint, ReminderLog
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


def test_a_backlog_bigger_than_a_chunk_is_claimed_chunk_by_chunk(
    file_complaint, hall_admin, _frozen_clock
):
    complaints = _overdue(file_complaint, 17)
    _frozen_clock.move_to(at(1, 10))
    result = sla.complaint_sla_scan(chunk=5)
    assert result["escalation"] == 17
    assert ReminderLog.objects.filter(kind="escalation").count() == 17
    # One digest per chunk (each chunk commits with its digest): 5+5+5+2.
    digests = list(_escalations().values_list("body", flat=True))
    assert len(digests) == 4
    for complaint in complaints:
        assert sum(complaint.tracking_id in body for body in digests) == 1
    assert not Complaint.objects.filter(pk__in=[c.pk for c in complaints], escalated_at=None)


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

    # The claim reads only complaints not yet escalated (the partial index).
    not_escalated = _overdue(file_complaint, 2)
    sql = (
        "SELECT c.id FROM complaints_complaint c WHERE "
        + sla.NOT_ESCALATED
        + " AND c.due_at < %s ORDER BY c.due_at, c.id LIMIT 100"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # On a table this small the planner may as well take the index of
        # every open deadline (the reminder windows'); without it, the plan
        # shows what the escalation index alone reads. Rolled back with the test.
        cursor.execute("DROP INDEX complaint_open_due_idx")
        cursor.execute("ANALYZE complaints_complaint")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, [at(1, 11)])
        raw = cursor.fetchone()[0]
        cursor.execute(sql, [at(1, 11)])
        found = [row[0] for row in cursor.fetchall()]
    plan = json.dumps(raw)
    assert "complaint_escalate_idx" in plan
    assert '"Rows Removed by Filter": 0' in plan or "Rows Removed by Filter" not in plan
    assert found == [c.pk for c in not_escalated]


def test_a_new_deadline_escalates_again(file_complaint, hall_admin, _frozen_clock):
    """A deadline moved without resetting the stamp (extension, resume) is watched again."""
    [complaint] = _overdue(file_complaint, 1)
    _frozen_clock.move_to(at(1, 10))
    assert sla.complaint_sla_scan()["escalation"] == 1
    Complaint.objects.filter(pk=complaint.pk).update(due_at=at(2, 16))
    _frozen_clock.move_to(at(2, 17))
    assert sla.complaint_sla_scan()["escalation"] == 1
    assert ReminderLog.objects.filter(complaint=complaint, kind="escalation").count() == 2


def test_reminder_windows_skip_what_was_reminded(file_complaint, hall_admin, _frozen_clock):
    """A second run the same day claims nothing and inserts nothing."""
    complaints = [file_complaint(title=f"Hari ini {i}") for i in range(4)]
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(due_at=at(1, 16))
    _frozen_clock.move_to(at(1, 10))
    assert sla.complaint_sla_scan(chunk=3)["due_now"] == 4
    with CaptureQueriesContext(connection) as queries:
        assert sla.complaint_sla_scan(chunk=3)["due_now"] == 0
    assert not [q for q in queries if q["sql"].startswith('INSERT INTO "mpp_portal')]
    assert ReminderLog.objects.filter(kind="due_now").count() == 4


def test_a_big_claim_renews_the_logs_statistics(
    file_complaint, hall_admin, _frozen_clock, monkeypatch
):
    """After a backlog the next run's "already reminded?" test is planned on real numbers."""
    monkeypatch.setattr(sla, "ANALYZE_AFTER", 3)
    _overdue(file_complaint, 4)
    _frozen_clock.move_to(at(1, 10))
    with CaptureQueriesContext(connection) as queries:
        sla.complaint_sla_scan()
    assert any(q["sql"] == "ANALYZE complaints_reminderlog" for q in queries)
    with CaptureQueriesContext(connection) as queries:
        sla.complaint_sla_scan()  # claims nothing: no ANALYZE
    assert not any(q["sql"].startswith("ANALYZE") for q in queries)
