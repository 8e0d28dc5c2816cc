"""Every Celery task runs through a real worker, and beat names only real tasks.

The worker (tests/worker.py) is another process on the REAL clock, so the
data here is built relative to the real now, never a frozen one. Tasks
covered elsewhere through the worker: deliver (platform/test_notifications),
sla_scan (complaints/test_sla), booking_reminders (services/test_booking),
webhooks' deliver (complaints/test_webhook), jobs' resend_pending
(platform/test_jobs).
"""

import ast
import datetime
import inspect
import os
from pathlib import Path

import pytest
from celery.schedules import crontab, schedule
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mpp_portal.audit.models import AuditEntry
from mpp_portal.celery import app
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.notifications.services import PENDING_GRACE_SECONDS
from services.models import Booking, Service, Ticket
from tests.factories import ServiceFactory

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Where application code lives; tests enqueuing a task do not count as use.
SOURCE_SKIP = {".venv", "node_modules", "tests", "var", "static", "media", "bench", ".git"}

Status = OutboxMessage.Status
Channel = OutboxMessage.Channel


def enqueue_on_commit(task):
    """Publish ``task`` the way beat does, after a committed transaction."""
    with transaction.atomic():
        transaction.on_commit(lambda: task.delay())


# --------------------------------------------------------------------------
# deliver_pending: the beat scan picks up what the on-commit task missed
# --------------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_deliver_pending_delivers_due_rows_and_rescues_stuck_ones(celery_worker_process):
    from mpp_portal.notifications.tasks import deliver_pending

    gateway = celery_worker_process.gateway
    now = timezone.now()
    # objects.create enqueues nothing: as if the broker was down at commit.
    due = OutboxMessage.objects.create(
        channel=Channel.SMS,
        recipient="081234567890",
        body="Pesan tertunda",
        next_attempt_at=now - datetime.timedelta(seconds=PENDING_GRACE_SECONDS + 240),
    )
    # Within the grace period the on-commit task owns the row: left alone.
    fresh = OutboxMessage.objects.create(
        channel=Channel.SMS, recipient="081234567891", body="Pesan baru", next_attempt_at=now
    )
    # A worker died while sending this one long ago: back to queued.
    stuck = OutboxMessage.objects.create(
        channel=Channel.SMS,
        recipient="081234567892",
        body="Pesan macet",
        status=Status.SENDING,
        attempts=1,
        claimed_at=now - datetime.timedelta(minutes=30),
        next_attempt_at=now - datetime.timedelta(minutes=31),
    )
    failed = OutboxMessage.objects.create(
        channel=Channel.SMS, recipient="081234567893", body="Pesan gagal", status=Status.FAILED
    )

    enqueue_on_commit(deliver_pending)

    celery_worker_process.wait_for(
        lambda: OutboxMessage.objects.get(pk=due.pk).status == Status.SENT,
        timeout=30,
        message="deliver_pending to get the due message delivered",
    )
    assert [r["json"]["message"] for r in gateway.requests] == ["Pesan tertunda"]
    fresh.refresh_from_db()
    assert fresh.status == Status.QUEUED and fresh.attempts == 0
    stuck.refresh_from_db()
    assert stuck.status == Status.QUEUED
    assert stuck.last_error == "worker lost while sending"
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


# --------------------------------------------------------------------------
# learn_service_averages: median service time of the last 30 days
# --------------------------------------------------------------------------
def finished_ticket(service, number, *, started, minutes):
    """A done ticket with a known service time (test data, not ticket_issue:
    the hall may be closed on the real clock)."""
    return Ticket.objects.create(
        service=service,
        numbered_service=service,
        date=timezone.localdate(started),
        number=number,
        code=Ticket.format_code(service.code, number),
        status=Ticket.Status.DONE,
        issued_at=started - datetime.timedelta(minutes=15),
        queued_at=started - datetime.timedelta(minutes=15),
        called_at=started,
        started_at=started,
        finished_at=started + datetime.timedelta(minutes=minutes),
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_learn_service_averages_updates_learning_services(agency_a, celery_worker_process):
    from services.tasks import learn_service_averages

    learning = ServiceFactory(agency=agency_a, code="A", average_service_minutes=30)
    few = ServiceFactory(agency=agency_a, code="K", average_service_minutes=7)
    fixed = ServiceFactory(
        agency=agency_a, code="P", average_service_minutes=42, average_minutes_fixed=True
    )
    # Two days ago on the real clock: inside the 30-day window.
    start = timezone.now() - datetime.timedelta(days=2)
    for n, minutes in enumerate([10, 5, 20, 8, 12], start=1):  # median 10
        finished_ticket(learning, n, started=start + datetime.timedelta(hours=n), minutes=minutes)
    # Older than the window: would pull the median up if counted.
    old = timezone.now() - datetime.timedelta(days=45)
    for n in range(6, 9):
        finished_ticket(learning, n, started=old + datetime.timedelta(hours=n), minutes=90)
    for n in range(1, 5):  # four tickets: too few to learn from
        finished_ticket(few, n, started=start + datetime.timedelta(hours=n), minutes=33)
    for n in range(1, 7):  # enough history, but fixed by hand
        finished_ticket(fixed, n, started=start + datetime.timedelta(hours=n), minutes=3)

    enqueue_on_commit(learn_service_averages)

    celery_worker_process.wait_for(
        lambda: Service.objects.get(pk=learning.pk).average_service_minutes == 10,
        timeout=30,
        message="the worker to learn the average service minutes",
    )
    # One UPDATE statement: once one row changed, the others are final.
    assert Service.objects.get(pk=few.pk).average_service_minutes == 7
    assert Service.objects.get(pk=fixed.pk).average_service_minutes == 42


# --------------------------------------------------------------------------
# booking_no_shows: a slot that ended without a check-in
# --------------------------------------------------------------------------
def make_booking(service, day, *, nik, status=Booking.Status.BOOKED, start=9):
    return Booking.objects.create(
        service=service,
        date=day,
        slot_start=datetime.time(start, 0),
        slot_end=datetime.time(start, 30),
        name="Siti Aminah",
        nik=nik,
        phone="081234567890",
        manage_token_hash="x",
        status=status,
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_booking_no_shows_marks_ended_slots(agency_a, celery_worker_process):
    from services.tasks import booking_no_shows

    service = ServiceFactory(agency=agency_a, code="A")
    today = timezone.localdate()  # the worker's date too: same TIME_ZONE, same clock
    yesterday = today - datetime.timedelta(days=1)
    missed = make_booking(service, yesterday, nik="1702010101900001")
    came = make_booking(
        service, yesterday, nik="1702010101900002", status=Booking.Status.CHECKED_IN
    )
    cancelled = make_booking(
        service, yesterday, nik="1702010101900003", status=Booking.Status.CANCELLED
    )
    upcoming = make_booking(service, today + datetime.timedelta(days=1), nik="1702010101900004")

    enqueue_on_commit(booking_no_shows)

    celery_worker_process.wait_for(
        lambda: Booking.objects.get(pk=missed.pk).status == Booking.Status.NO_SHOW,
        timeout=30,
        message="the worker to mark the missed booking a no-show",
    )
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        missed.pk: Booking.Status.NO_SHOW,
        came.pk: Booking.Status.CHECKED_IN,
        cancelled.pk: Booking.Status.CANCELLED,
        upcoming.pk: Booking.Status.BOOKED,
    }
    entries = AuditEntry.objects.filter(action="booking.no_show")
    assert [(e.object_id, e.actor_id, e.to_status) for e in entries] == [
        (str(missed.pk), None, "no_show")
    ]


# --------------------------------------------------------------------------
# The beat schedule and the registry
# --------------------------------------------------------------------------
def registered_tasks():
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def source_files():
    for root, dirs, files in os.walk(BASE_DIR):
        # Pruned in place so the walk never enters the virtualenv.
        dirs[:] = [d for d in dirs if d not in SOURCE_SKIP and d != "migrations"]
        for name in files:
            if name.endswith(".py"):
                yield Path(root) / name


def shared_tasks():
    """Return {task name: (function name, file)} for every @shared_task in the code."""
    found = {}
    for path in source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        module = ".".join(path.relative_to(BASE_DIR).with_suffix("").parts)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                target = call.func if call else decorator
                name = getattr(target, "id", None) or getattr(target, "attr", None)
                if name not in ("shared_task", "task"):
                    continue
                task_name = f"{module}.{node.name}"
                for keyword in call.keywords if call else ():
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        task_name = keyword.value.value
                found[task_name] = (node.name, path)
    return found


def enqueued_in_source(function, task_name, sources):
    calls = [f"{function}.{m}(" for m in ("delay", "apply_async", "s", "si", "delay_on_commit")]
    calls += [f'send_task("{task_name}"', f"send_task('{task_name}'"]
    # mpp_portal.jobs: enqueue("<task name>", ...), or a module constant = "<task name>".
    calls += [f'enqueue("{task_name}"', f'_TASK = "{task_name}"']
    return any(call in text for call in calls for text in sources)


def test_beat_schedule_names_registered_tasks_that_need_no_arguments():
    tasks = registered_tasks()
    beat = settings.CELERY_BEAT_SCHEDULE
    assert beat, "the beat schedule is empty"
    assert app.conf.timezone == "Asia/Jakarta"  # crontab hours are WIB
    for key, entry in beat.items():
        assert entry["task"] in tasks, f"beat entry {key!r} names unknown task {entry['task']!r}"
        every = entry["schedule"]
        if isinstance(every, int | float | datetime.timedelta):
            seconds = every.total_seconds() if isinstance(every, datetime.timedelta) else every
            assert 30 <= seconds <= 86400, f"beat entry {key!r} runs every {seconds}s"
        else:
            assert isinstance(every, crontab | schedule), f"beat entry {key!r}: {every!r}"
        # Beat sends only the entry's args/kwargs: the task must accept exactly those.
        task = app.tasks[entry["task"]]
        inspect.signature(task.run).bind(*entry.get("args", ()), **entry.get("kwargs", {}))


def test_every_shared_task_is_scheduled_or_enqueued():
    found = shared_tasks()
    # The grep found the tasks we know of (guards the scan itself).
    assert {
        "mpp_portal.notifications.tasks.deliver",
        "mpp_portal.notifications.tasks.deliver_pending",
        "complaints.sla_scan",
        "mpp_portal.webhooks.tasks.deliver",
        "mpp_portal.jobs.tasks.resend_pending",
        "services.tasks.ikm_report_pdf",
        "services.tasks.learn_service_averages",
        "services.tasks.booking_reminders",
        "services.tasks.booking_no_shows",
    } <= set(found)
    assert set(found) <= registered_tasks(), "a @shared_task is not registered with the app"
    beat_tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    sources = [path.read_text() for path in source_files()]
    orphans = sorted(
        name
        for name, (function, _path) in found.items()
        if name not in beat_tasks and not enqueued_in_source(function, name, sources)
    )
    assert orphans == [], f"tasks neither in the beat schedule nor enqueued anywhere: {orphans}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_registers_every_beat_task(celery_worker_process):
    """The worker process (not just this one) knows each task beat will send."""
    banner = celery_worker_process.log()
    missing = [
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if f". {entry['task']}" not in banner
    ]
    assert missing == [], f"the worker did not register {missing}:\n{banner}"
