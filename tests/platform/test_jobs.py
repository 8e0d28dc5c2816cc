"""Durable enqueue: the intent is a row in the caller's transaction, the broker
only carries a wake-up, and the beat rescue re-sends what is still pending.

The dead broker is real: this process's Celery app is pointed at a port
where nothing listens, so kombu's publish fails the way it does when Redis
is stopped (kombu.exceptions.OperationalError).
"""

import contextlib
import datetime
import logging

import pytest
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints import services as workflow
from complaints.models import Complaint
from mpp_portal.celery import app
from mpp_portal.jobs import services as jobs
from mpp_portal.jobs.models import Job
from mpp_portal.jobs.tasks import JobTask, resend_pending
from mpp_portal.webhooks import services as webhooks
from mpp_portal.webhooks.models import Webhook, WebhookDelivery
from tests.complaints.test_webhook import AgencyReceiver
from tests.platform.test_settings import PRODUCTION, _manage

DEAD_BROKER = "redis://127.0.0.1:1/0"
SECRET = "rahasia-webhook-broker-mati-7a3c"
S = Job.Status

RUNS = []


@shared_task(base=JobTask, name="tests.platform.test_jobs.record_run")
def record_run(label):
    RUNS.append(label)
    return label


@shared_task(
    bind=True,
    base=JobTask,
    name="tests.platform.test_jobs.flaky_run",
    autoretry_for=(OSError,),
    retry_backoff=False,
    default_retry_delay=0,
    max_retries=2,
)
def flaky_run(self, label, failures):
    RUNS.append(label)
    if len(RUNS) <= failures:
        raise OSError(f"attempt {len(RUNS)} failed")
    return label


@shared_task(name="tests.platform.test_jobs.plain_task")
def plain_task():
    return None


@pytest.fixture(autouse=True)
def _forget_runs():
    RUNS.clear()
    yield
    RUNS.clear()


def _reset_broker_pools():
    # What Celery does after a fork: the next publish opens new connections
    # from the current broker_url.
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def dead_broker():
    """Point this process's Celery app at a broker nobody listens on."""
    saved = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url, app.conf.broker_write_url = DEAD_BROKER, None
    _reset_broker_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url = saved
        _reset_broker_pools()


# --------------------------------------------------------------------------
# enqueue: a row in the caller's transaction
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_row_is_written_in_the_callers_transaction_and_rolled_back_with_it(
    celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            job = jobs.enqueue("tests.platform.test_jobs.record_run", label="batal")
            # Inside the transaction the row is there, pending.
            assert Job.objects.get(pk=job.pk).status == S.PENDING
            raise RuntimeError("the change fails after the enqueue")
    assert not Job.objects.filter(pk=job.pk).exists()
    # Nothing was published for the rolled back change, nothing ran.
    assert callbacks == []
    assert RUNS == []


@pytest.mark.django_db
def test_the_wake_up_runs_the_task_once_after_commit_and_marks_the_row_done(
    celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.enqueue(record_run, label="sekali")
    assert RUNS == []  # not before the commit
    for callback in callbacks:
        callback()
    assert RUNS == ["sekali"]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.kwargs) == (S.DONE, 1, {"label": "sekali"})
    assert job.sent_at is not None and job.done_at is not None
    assert job.task == "tests.platform.test_jobs.record_run"


@pytest.mark.django_db
def test_running_a_job_twice_does_nothing_twice(celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.enqueue(record_run, label="sekali")
    # A second wake-up: the beat's resend, or a message delivered twice.
    assert jobs.wake(job_id=job.pk, task=job.task)
    record_run.apply(kwargs={jobs.JOB_KWARG: job.pk})
    assert RUNS == ["sekali"]
    job.refresh_from_db()
    assert (job.status, job.attempts) == (S.DONE, 1)


@pytest.mark.django_db
def test_a_job_running_elsewhere_is_not_started_again(celery_eager):
    job = jobs.enqueue(record_run, label="sedang")
    assert jobs.job_claim(job_id=job.pk) is not None  # another worker has it
    record_run.apply(kwargs={jobs.JOB_KWARG: job.pk})
    assert RUNS == []
    # Past the hard time limit that run cannot be alive: the row is taken over.
    later = timezone.now() + datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    assert jobs.job_claim(job_id=job.pk, now=later) is not None


@pytest.mark.django_db
def test_a_key_enqueues_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = jobs.enqueue(record_run, key="laporan:1", label="a")
        second = jobs.enqueue(record_run, key="laporan:1", label="b")
    assert first.pk == second.pk
    assert Job.objects.filter(key="laporan:1").count() == 1
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_enqueue_refuses_what_no_worker_could_run():
    with pytest.raises(LookupError):
        jobs.enqueue("tests.platform.test_jobs.no_such_task", label="x")
    with pytest.raises(TypeError, match="base=JobTask"):
        jobs.enqueue(plain_task)
    with pytest.raises(TypeError):
        jobs.enqueue(record_run, wrong="x")  # not the task's argument
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_retry_goes_through_the_row_until_it_succeeds(
    celery_eager, django_capture_on_commit_callbacks
):
    app.conf.task_eager_propagates = False  # eager apply() runs each retry in turn
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.enqueue(flaky_run, label="coba", failures=2)
    assert RUNS == ["coba", "coba", "coba"]
    job.refresh_from_db()
    assert (job.status, job.attempts) == (S.DONE, 3)


@pytest.mark.django_db
def test_a_job_that_gives_up_is_failed_with_its_error(
    celery_eager, django_capture_on_commit_callbacks
):
    app.conf.task_eager_propagates = False
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.enqueue(flaky_run, label="gagal", failures=99)
    assert len(RUNS) == 1 + flaky_run.max_retries
    job.refresh_from_db()
    assert job.status == S.FAILED
    assert job.last_error == "OSError: attempt 3 failed"
    # A failed job is not resent.
    assert jobs.jobs_resend_pending(now=timezone.now() + datetime.timedelta(hours=1)) == (0, 0)


# --------------------------------------------------------------------------
# A broker that is down
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_broker_error_on_publish_is_logged_and_never_raised(
    caplog, django_capture_on_commit_callbacks
):
    with dead_broker(), caplog.at_level(logging.ERROR, logger="mpp_portal.jobs.services"):
        with django_capture_on_commit_callbacks(execute=True):
            job = jobs.enqueue(record_run, label="tertunda")
    [record] = [r for r in caplog.records if r.name == "mpp_portal.jobs.services"]
    assert "could not publish task tests.platform.test_jobs.record_run" in record.getMessage()
    assert "OperationalError" in record.exc_text
    job.refresh_from_db()
    assert job.status == S.PENDING and job.sent_at is None


@pytest.mark.django_db
def test_a_dispatch_with_the_broker_down_answers_with_a_redirect(
    client, hall, hall_admin, agency_a, file_complaint_now, django_capture_on_commit_callbacks
):
    Webhook.objects.create(agency=agency_a, url="http://127.0.0.1:9/", secret=SECRET)
    complaint = file_complaint_now()
    client.force_login(hall_admin)
    with dead_broker(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("complaints:detail", args=[complaint.tracking_id]),
            {"action": "dispatch", "dispatch-agency": agency_a.pk},
        )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.DISPATCHED
    [delivery] = WebhookDelivery.objects.all()
    job = Job.objects.get(key=f"webhook-delivery:{delivery.pk}")
    assert job.status == S.PENDING and job.sent_at is None


@pytest.mark.django_db
def test_an_ikm_pdf_asked_for_with_the_broker_down_is_kept_for_the_rescue(
    client, hall, hall_admin, django_capture_on_commit_callbacks
):
    client.force_login(hall_admin)
    with dead_broker(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("services:ikm_pdf"),
            {"period": "custom", "start": "2026-12-01", "end": "2026-12-31"},
        )
    assert response.status_code == 302
    [job] = Job.objects.filter(task="services.tasks.ikm_report_pdf")
    assert job.status == S.PENDING and job.key == f"ikm-report:{job.kwargs['job']['number']}"


@pytest.fixture
def file_complaint_now(hall):
    def _file():
        complaint, _token = workflow.complaint_file(
            hall=hall,
            kind="pengaduan",
            title="Pungutan liar di loket 3",
            description="Petugas loket 3 meminta uang tambahan untuk mempercepat KTP-el saya.",
            is_anonymous=True,
        )
        return complaint

    return _file


# --------------------------------------------------------------------------
# The beat rescue
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_resend_pending_publishes_due_rows_and_rescues_lost_runs(celery_eager):
    now = timezone.now()
    lost_after = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + jobs.WAKE_GRACE

    def job(label, **fields):
        row = Job.objects.create(task=record_run.name, kwargs={"label": label})
        Job.objects.filter(pk=row.pk).update(**fields)
        return row

    # The broker refused its wake-up a while ago.
    due = job("due", wake_at=now - datetime.timedelta(seconds=1))
    # Its on-commit wake-up still owns it.
    fresh = job("fresh", wake_at=now + datetime.timedelta(seconds=30))
    # A retry that is due in ten minutes.
    retry = job("retry", wake_at=now + datetime.timedelta(minutes=10), attempts=1)
    # A worker died while running this one; its hard limit is long past.
    lost = job("lost", status=S.RUNNING, attempts=1, started_at=now - lost_after * 2)
    # Still running within its time limit.
    running = job("running", status=S.RUNNING, attempts=1, started_at=now)
    # A run that died every time: given up.
    hopeless = job(
        "hopeless", status=S.RUNNING, attempts=jobs.MAX_LOST_RUNS, started_at=now - lost_after * 2
    )
    done = job("done", status=S.DONE, attempts=1, done_at=now)

    assert jobs.jobs_resend_pending(now=now) == (1, 2)

    assert sorted(RUNS) == ["due", "lost"]
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {
        due.pk: S.DONE,
        fresh.pk: S.PENDING,
        retry.pk: S.PENDING,
        lost.pk: S.DONE,
        running.pk: S.RUNNING,
        hopeless.pk: S.FAILED,
        done.pk: S.DONE,
    }
    # A second scan publishes nothing twice.
    RUNS.clear()
    assert jobs.jobs_resend_pending(now=now) == (0, 0)
    assert RUNS == []


@pytest.mark.django_db
def test_resend_pending_keeps_a_resent_row_until_its_grace_has_passed(caplog):
    now = timezone.now()
    row = Job.objects.create(
        task=record_run.name, kwargs={"label": "x"}, wake_at=now - datetime.timedelta(seconds=1)
    )
    with dead_broker(), caplog.at_level(logging.CRITICAL):
        assert jobs.jobs_resend_pending(now=now) == (0, 0)  # the broker is still down
    row.refresh_from_db()
    # Not published, and tried again once the grace has passed.
    assert row.sent_at is None and row.wake_at == now + jobs.WAKE_GRACE


def test_done_rows_are_kept_for_a_while_then_deleted(db):
    now = timezone.now()
    old = Job.objects.create(task=record_run.name, status=S.DONE, done_at=now)
    Job.objects.filter(pk=old.pk).update(done_at=now - jobs.KEEP_DONE - datetime.timedelta(1))
    recent = Job.objects.create(task=record_run.name, status=S.DONE, done_at=now)
    jobs.jobs_resend_pending(now=now)
    assert list(Job.objects.values_list("pk", flat=True)) == [recent.pk]


def test_resend_pending_is_in_the_beat_schedule():
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == resend_pending.name
    ]
    assert [e["schedule"] for e in entries] == [60.0]


# --------------------------------------------------------------------------
# A lost worker: acknowledgements and Redis' visibility timeout
# --------------------------------------------------------------------------
def test_visibility_timeout_sits_just_above_the_hard_time_limit():
    show = (
        "from django.conf import settings as s; "
        "print('limits', s.CELERY_TASK_TIME_LIMIT, "
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])"
    )
    env = {
        **PRODUCTION,
        "REDIS_URL": "redis://127.0.0.1:6379/9",
        "CELERY_TASK_TIME_LIMIT": "120",
        "CELERY_TASK_SOFT_TIME_LIMIT": "100",
    }
    result = _manage("shell", "-c", show, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["limits", "120", "180"]


def test_enqueued_tasks_are_acknowledged_late_and_rejected_when_the_worker_is_lost():
    app.loader.import_default_modules()
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    job_tasks = [t for t in app.tasks.values() if isinstance(t, JobTask)]
    names = {t.name for t in job_tasks}
    assert {"mpp_portal.webhooks.tasks.deliver", "services.tasks.ikm_report_pdf"} <= names
    for task in job_tasks:
        assert task.acks_late and task.reject_on_worker_lost, task.name


@pytest.mark.django_db
def test_a_long_notification_retry_is_left_to_the_beat_scan(sms_gateway, celery_eager, settings):
    from mpp_portal.notifications.models import OutboxMessage
    from mpp_portal.notifications.services import notification_queue
    from mpp_portal.notifications.tasks import deliver

    settings.NOTIFICATION_MAX_ATTEMPTS = 8
    sms_gateway.status = 502
    message = notification_queue(channel="sms", recipient="081234567890", body="Coba lagi")
    # Four failures so far: the next wait (8 minutes) outlasts the time limit.
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=4)
    assert OutboxMessage.retry_delay(5).total_seconds() > settings.CELERY_TASK_TIME_LIMIT

    # No countdown message (which Redis would hand to a second worker once
    # visibility_timeout passed): the row waits for deliver_pending.
    assert deliver.apply(args=[message.pk], throw=True).get() == OutboxMessage.Status.QUEUED
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.QUEUED and message.attempts == 5
    assert message.next_attempt_at > timezone.now() + datetime.timedelta(minutes=7)


# --------------------------------------------------------------------------
# Through the real worker: the broker is down during a dispatch, then back
# --------------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_dispatch_made_while_the_broker_was_down_reaches_the_agency_once_it_is_back(
    celery_worker_process, hall, hall_admin, agency_a, agency_b, file_complaint_now
):
    receiver, marker = AgencyReceiver(SECRET), AgencyReceiver(SECRET)
    try:
        Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)
        complaint = file_complaint_now()
        browser = Client()
        browser.force_login(hall_admin)

        with dead_broker():
            response = browser.post(
                reverse("complaints:detail", args=[complaint.tracking_id]),
                {"action": "dispatch", "dispatch-agency": agency_a.pk},
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.DISPATCHED
        [delivery] = WebhookDelivery.objects.all()
        job = Job.objects.get(key=f"webhook-delivery:{delivery.pk}")
        assert (job.status, job.sent_at) == (S.PENDING, None)
        assert receiver.wait_for(1, timeout=1) == []

        # A minute later the broker is back and beat sends the rescue.
        Job.objects.filter(pk=job.pk).update(wake_at=timezone.now())
        resend_pending.delay()

        requests = receiver.wait_for(1, timeout=30)
        if not requests:
            pytest.fail(f"no webhook after the rescue.\n{celery_worker_process.log()}")
        [request] = requests
        assert request["signed"]
        assert request["headers"]["X-MPP-Event"] == "complaint.dispatched"
        assert request["headers"]["X-MPP-Delivery"] == delivery.delivery_id
        celery_worker_process.wait_for(
            lambda: Job.objects.get(pk=job.pk).status == S.DONE, message="the job to be done"
        )

        # Another rescue and a duplicate wake-up (a message the broker
        # delivered twice) change nothing: exactly once.
        resend_pending.delay()
        assert jobs.wake(job_id=job.pk, task=job.task)
        # The solo worker takes messages in order: once this later event
        # reached agency B, the duplicates before it have been consumed.
        Webhook.objects.create(agency=agency_b, url=marker.url, secret=SECRET)
        webhooks.webhook_send(event="complaint.dispatched", agency=agency_b, payload={"n": 2})
        if not marker.wait_for(1, timeout=30):
            pytest.fail(f"the marker event did not arrive.\n{celery_worker_process.log()}")
        assert len(receiver.wait_for(2, timeout=1)) == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 1)
        job.refresh_from_db()
        assert (job.status, job.attempts) == (S.DONE, 1)
    finally:
        receiver.close()
        marker.close()
