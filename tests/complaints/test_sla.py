"""The SLA scan: reminders before and at each deadline, escalation, auto-close."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints import services as workflow
from complaints import sla
from complaints.models import Complaint, ReminderLog, SlaMark
from mpp_portal.accounts.models import User
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.workdays import JAKARTA
from tests.factories import UserFactory

S = Complaint.Status


def sla_messages():
    return OutboxMessage.objects.filter(dedupe_key__startswith="sla-")


def at(day, hour=9, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=JAKARTA)


def escalated(complaint):
    """Whether the escalation mark has passed ``complaint``'s deadline."""
    mark = SlaMark.objects.filter(kind="escalation").first()
    return mark is not None and (mark.due_at, mark.complaint_id) >= (complaint.due_at, complaint.pk)


def told(complaint, kind):
    """How many digests of ``kind`` named ``complaint``."""
    bodies = sla_messages().filter(dedupe_key__startswith=f"sla-{kind}-")
    return sum(complaint.tracking_id in body for body in bodies.values_list("body", flat=True))


@pytest.fixture
def admins(hall, agency_a):
    hall_admin = UserFactory(
        username="admin.sla", role=User.Role.HALL_ADMIN, hall=hall, email="admin.mpp@example.test"
    )
    agency_admin = UserFactory(
        username="admin.sla.a",
        role=User.Role.AGENCY_ADMIN,
        agency=agency_a,
        email="admin.dukcapil@example.test",
    )
    return hall_admin, agency_admin


def test_reminders_escalation_and_autoclose(file_complaint, admins, agency_a, _frozen_clock):
    hall_admin, agency_admin = admins
    verify = file_complaint()  # due Friday 4 Dec 16:00
    followup = workflow.complaint_dispatch(
        complaint=file_complaint(), agency=agency_a, by=hall_admin
    )  # due Tuesday 8 Dec 16:00
    _frozen_clock.move_to(at(3, 10))  # Thursday: verify is due on the next working day
    result = sla.complaint_sla_scan()
    assert result["due_soon"] == 1
    assert ReminderLog.objects.get().complaint == verify
    mail = sla_messages().get()
    assert mail.recipient == "admin.mpp@example.test"
    assert verify.tracking_id in mail.body

    _frozen_clock.move_to(at(4, 10))  # Friday: due today
    assert sla.complaint_sla_scan()["due_now"] == 1
    _frozen_clock.move_to(at(7, 10))  # Monday: verify overdue, followup due tomorrow
    result = sla.complaint_sla_scan()
    assert (result["escalation"], result["due_soon"]) == (1, 1)
    verify.refresh_from_db()
    assert escalated(verify) and told(verify, "escalation") == 1
    assert not escalated(followup)
    recipients = set(sla_messages().values_list("recipient", flat=True))
    assert recipients == {"admin.mpp@example.test", "admin.dukcapil@example.test"}

    # A second scan the same minute tells nobody anything again.
    before = sla_messages().count()
    result = sla.complaint_sla_scan()
    assert result == {"due_soon": 0, "due_now": 0, "escalation": 0, "closed": 0}
    assert sla_messages().count() == before

    responded = workflow.complaint_respond(complaint=followup, by=agency_admin, body="Beres.")
    assert responded.due_at == at(21, 16)  # ten working days after Monday 7 Dec
    _frozen_clock.move_to(at(21, 16, 1))
    assert sla.complaint_sla_scan()["closed"] == 1
    responded.refresh_from_db()
    assert responded.status == S.CLOSED
    assert responded.updates.last().author_label == "Sistem"


def test_scan_queries_do_not_grow_with_complaints(
    file_complaint, admins, agency_a, _frozen_clock, django_assert_max_num_queries
):
    for _ in range(30):
        file_complaint()
    _frozen_clock.move_to(at(7, 10))
    with django_assert_max_num_queries(26):
        result = sla.complaint_sla_scan()
    assert result["escalation"] == 30
    # One digest for the hall admin, not thirty messages.
    assert sla_messages().count() == 1


def _copies(complaint, n, due_at):
    """``n`` open copies of ``complaint`` due at ``due_at``, in one INSERT."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO complaints_complaint (
                hall_id, tracking_id, access_token_hash, kind, title, description, location,
                reporter_name, reporter_email, reporter_phone, is_anonymous, is_confidential,
                channel, status, assigned_agency_id, instruction, archive_reason, archive_note,
                submitted_at, dispatched_at, due_at, reopened, rating_comment)
            SELECT hall_id, tracking_id || to_char(%(due)s::timestamptz, '-MMDD-') || n,
                   md5(access_token_hash || n) || md5(%(due)s::text), kind, title,
                   description, location, reporter_name, reporter_email, reporter_phone,
                   is_anonymous, is_confidential, channel, status, assigned_agency_id,
                   instruction, archive_reason, archive_note, submitted_at, dispatched_at,
                   %(due)s, reopened, rating_comment
            FROM complaints_complaint, generate_series(1, %(n)s) AS n WHERE id = %(id)s
            """,
            {"due": due_at, "n": n, "id": complaint.pk},
        )


def test_the_same_queries_for_fifty_and_five_hundred(
    file_complaint, admins, agency_a, _frozen_clock
):
    """Every kind, both steps, every recipient: the query count does not depend on N."""
    hall_admin, _agency_admin = admins
    submitted = file_complaint()
    dispatched = workflow.complaint_dispatch(
        complaint=file_complaint(), agency=agency_a, by=hall_admin
    )
    runs = []
    for n, monday in ((50, 7), (500, 14)):
        _frozen_clock.move_to(at(monday, 10))
        for complaint in (submitted, dispatched):
            _copies(complaint, n, at(monday - 3, 16))  # Friday: overdue
            _copies(complaint, n, at(monday, 16))  # due today
            _copies(complaint, n, at(monday + 1, 16))  # due tomorrow
        before = sla_messages().count()
        with CaptureQueriesContext(connection) as queries:
            result = sla.complaint_sla_scan()
        assert result["due_soon"] >= 2 * n and result["due_now"] == 2 * n
        assert result["escalation"] >= 2 * n
        runs.append((len(queries), sla_messages().count() - before))
    (fifty, digests_50), (five_hundred, digests_500) = runs
    # The hall admin and the agency admin: one digest per kind each, whatever N.
    assert digests_50 == digests_500 == 6
    assert fifty == five_hundred


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_send_each_reminder_once(hall, agency_a):
    UserFactory(
        username="admin.sla", role=User.Role.HALL_ADMIN, hall=hall, email="admin.mpp@example.test"
    )
    with time_machine.travel(at(1), tick=False):
        for n in range(20):
            workflow.complaint_file(
                hall=hall,
                kind="pengaduan",
                title=f"Laporan {n}",
                description="Uraian laporan yang cukup panjang untuk sah.",
            )
    barrier = threading.Barrier(4)

    def scan(_):
        try:
            barrier.wait(timeout=5)
            with time_machine.travel(at(7, 10), tick=False):
                return sla.complaint_sla_scan()["escalation"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        claimed = list(pool.map(scan, range(4)))
    assert sum(claimed) == 20
    assert sla_messages().count() == sum(1 for n in claimed if n)
    for complaint in Complaint.objects.all():
        assert told(complaint, "escalation") == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sla_scan_runs_in_a_real_worker(hall, celery_worker_process):
    """The beat task, through the broker and a worker, escalates and closes."""
    from complaints.tasks import sla_scan

    UserFactory(
        username="admin.sla", role=User.Role.HALL_ADMIN, hall=hall, email="admin.mpp@example.test"
    )
    complaint, _token = workflow.complaint_file(
        hall=hall,
        kind="pengaduan",
        title="Sudah lewat batas",
        description="Laporan ini sudah melewati batas waktu verifikasi.",
    )
    # The worker runs on the real clock: put the deadline in the past.
    Complaint.objects.filter(pk=complaint.pk).update(
        due_at=datetime.datetime(2026, 1, 5, 16, 0, tzinfo=JAKARTA)
    )
    with transaction.atomic():
        transaction.on_commit(lambda: sla_scan.delay())
    celery_worker_process.wait_for(
        lambda: sla_messages().filter(recipient="admin.mpp@example.test").exists(),
        timeout=60,
        message="escalation digest queued by the worker",
    )
    complaint.refresh_from_db()
    assert escalated(complaint)
    assert sla_messages().filter(recipient="admin.mpp@example.test").count() == 1


def test_due_soon_honours_each_halls_closed_days(
    file_complaint, admins, hall, _frozen_clock, django_assert_max_num_queries
):
    """The H-1 reminder comes on the hall's working day before the deadline."""
    from mpp_portal.workdays.models import CalendarDay
    from tests.factories import HallFactory

    other_hall = HallFactory(name="MPP Kedua", slug="kedua", code="KDA")
    CalendarDay.objects.create(date=datetime.date(2026, 12, 4), hall=hall, name="Hari jadi")
    own = file_complaint()  # Wed, Thu, (Fri closed), Mon: due Monday 7 Dec
    other = file_complaint(hall=other_hall)  # the other hall works Friday
    assert own.due_at == at(7, 16) and other.due_at == at(4, 16)

    _frozen_clock.move_to(at(3, 10))  # Thursday: both are due on the next working day
    # One calendar read per hall with an open deadline, not per complaint.
    with django_assert_max_num_queries(28):
        result = sla.complaint_sla_scan()
    assert result["due_soon"] == 2
    assert set(ReminderLog.objects.values_list("complaint_id", flat=True)) == {own.pk, other.pk}
    _frozen_clock.move_to(at(4, 10))  # Friday: nothing new for either hall
    assert sla.complaint_sla_scan()["due_soon"] == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_scans_queued_at_once_send_each_reminder_once(hall, celery_worker_process):
    """Beat firing twice (or two beats): each escalation is told once."""
    import time

    from complaints.tasks import sla_scan

    UserFactory(
        username="admin.sla", role=User.Role.HALL_ADMIN, hall=hall, email="admin.mpp@example.test"
    )
    complaints = [
        workflow.complaint_file(
            hall=hall,
            kind="pengaduan",
            title=f"Lewat batas {n}",
            description="Laporan ini sudah melewati batas waktu verifikasi.",
        )[0]
        for n in range(5)
    ]
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(
        due_at=datetime.datetime(2026, 1, 5, 16, 0, tzinfo=JAKARTA)
    )
    with transaction.atomic():
        transaction.on_commit(lambda: (sla_scan.delay(), sla_scan.delay()))
    celery_worker_process.wait_for(
        lambda: all(told(complaint, "escalation") for complaint in complaints),
        timeout=60,
        message="five escalations told by the worker",
    )
    # Give the second task time to finish too (it claims nothing).
    time.sleep(3)
    assert all(escalated(complaint) for complaint in Complaint.objects.all())
    bodies = list(sla_messages().values_list("body", flat=True))
    for complaint in complaints:
        assert sum(complaint.tracking_id in body for body in bodies) == 1
