"""The one way to start background work after a commit.

``enqueue()`` writes a Job row in the caller's transaction and, once the
transaction commits, publishes a wake-up for it with ``publish()``. A
broker that is down at that moment is logged, never raised into the
request: the row stays pending and the beat task ``resend_pending``
(every minute) publishes it again. A wake-up only names the row; the task
claims the row before it runs, so a second wake-up (the beat's resend, a
redelivered message) does nothing twice.

Every task that is published goes through ``publish()``, including the
notification outbox, whose OutboxMessage row is its own durable intent.
"""

import datetime
import functools
import inspect
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from mpp_portal.jobs.models import Job

logger = logging.getLogger(__name__)

# The keyword argument that carries the row's id in a wake-up.
JOB_KWARG = "_job_id"
# The on-commit wake-up owns a fresh row for this long; the beat scan
# leaves it alone so it does not publish a second copy of every new job.
WAKE_GRACE = datetime.timedelta(seconds=60)
RESEND_BATCH = 500
# A run that keeps dying (time limit, lost worker) is given up after this.
MAX_LOST_RUNS = 5
KEEP_DONE = datetime.timedelta(days=30)


@functools.cache
def _task_registry():
    from mpp_portal.celery import app

    # Imports every app's tasks module, as the worker does at start-up.
    app.loader.import_default_modules()
    return app.tasks


def job_task(name):
    """Return the registered Celery task ``name``; refuse a task that is no JobTask."""
    from mpp_portal.jobs.tasks import JobTask

    try:
        task = _task_registry()[name]
    except KeyError:
        raise LookupError(f"no Celery task named {name!r}") from None
    if not isinstance(task, JobTask):
        raise TypeError(f"task {name!r} must be declared with base=JobTask to be enqueued")
    return task


def _task_name(task):
    return task if isinstance(task, str) else task.name


def enqueue(task, *, key=None, **kwargs):
    """Run ``task(**kwargs)`` in a worker once the caller's transaction commits.

    Return the Job row. ``kwargs`` must be JSON values (ids, strings,
    numbers). With a ``key`` that is already enqueued (whatever its status),
    return that row and enqueue nothing.
    """
    name = _task_name(task)
    # Fail loudly at the call on a typo, not later in the worker.
    inspect.signature(job_task(name).run).bind(**kwargs)
    key = key or None
    if key is not None:
        existing = Job.objects.filter(key=key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    job = Job(task=name, kwargs=kwargs, key=key, wake_at=now + WAKE_GRACE)
    try:
        # The savepoint keeps the caller's transaction usable when another
        # transaction wrote the same key between the check and the insert.
        with transaction.atomic():
            job.save()
    except IntegrityError:
        if key is None:
            raise
        return Job.objects.get(key=key)
    job_id = job.pk
    transaction.on_commit(lambda: wake(job_id=job_id, task=name))
    return job


def publish(task, *, args=(), kwargs=None, countdown=None):
    """Hand ``task`` to the broker; return False (and log) if the broker refused.

    Called after a commit: raising here would turn a saved change into an
    error page, and the durable row (a Job, an OutboxMessage) is still
    there for the beat scan to publish again.
    """
    name = _task_name(task)
    try:
        _task_registry()[name].apply_async(
            args=list(args), kwargs=kwargs or {}, countdown=countdown
        )
    except Exception:
        logger.exception("could not publish task %s; its row waits for the beat rescue", name)
        return False
    return True


def wake(*, job_id, task):
    """Publish the wake-up of one job; stamp ``sent_at`` if the broker took it."""
    if publish(task, kwargs={JOB_KWARG: job_id}):
        Job.objects.filter(pk=job_id).update(sent_at=timezone.now())
        return True
    return False


def _lost_after():
    # The hard time limit has killed any run that started before this.
    return datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + WAKE_GRACE


def job_claim(*, job_id, now=None):
    """Move the row to running for this run; return it, or None if not ours.

    The conditional UPDATE is the guard against running twice: of two
    wake-ups of one job (the beat's resend and the on-commit one, or a
    message the broker delivered twice) only one sees a row count of 1. A
    running row is taken over only when its run is past the hard time
    limit, so it cannot still be running.
    """
    now = now or timezone.now()
    claimed = (
        Job.objects.filter(pk=job_id)
        .filter(
            Q(status=Job.Status.PENDING)
            | Q(status=Job.Status.RUNNING, started_at__lt=now - _lost_after())
        )
        .update(
            status=Job.Status.RUNNING,
            started_at=now,
            attempts=F("attempts") + 1,
            wake_at=None,
        )
    )
    if claimed != 1:
        return None
    return Job.objects.get(pk=job_id)


def job_finish(*, job):
    """Mark the claimed run done."""
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.DONE, done_at=timezone.now(), last_error=""
    )


def job_retry_later(*, job, when, error=""):
    """Put the row back to pending; the beat publishes it when ``when`` has come.

    ``when`` is a number of seconds or a datetime (Celery's Retry.when).
    """
    now = timezone.now()
    if isinstance(when, datetime.datetime):
        wake_at = when
    else:
        wake_at = now + datetime.timedelta(seconds=float(when or 0))
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.PENDING, wake_at=wake_at, last_error=error[:2000]
    )


def job_fail(*, job, error):
    """Mark the claimed run failed for good (its task gave up)."""
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED, last_error=error[:2000]
    )
    logger.warning("job %s (%s) failed: %s", job.pk, job.task, error)


def jobs_resend_pending(*, now=None):
    """Publish every job whose wake-up is due; rescue runs of dead workers.

    Return (rescued, published). Set-based: a fixed number of statements
    plus one publish per due row (at most RESEND_BATCH a minute).
    """
    now = now or timezone.now()
    lost = Q(status=Job.Status.RUNNING, started_at__lt=now - _lost_after())
    # A run that died this often (each time past the hard limit) will die again.
    Job.objects.filter(lost, attempts__gte=MAX_LOST_RUNS).update(
        status=Job.Status.FAILED, last_error="worker lost while running; no attempts left"
    )
    rescued = Job.objects.filter(lost).update(
        status=Job.Status.PENDING, wake_at=now, last_error="worker lost while running"
    )
    due = list(
        Job.objects.filter(status=Job.Status.PENDING, wake_at__lte=now)
        .order_by("wake_at")
        .values_list("pk", "task")[:RESEND_BATCH]
    )
    # The resent wake-up owns the row for the grace period, like a new one.
    Job.objects.filter(pk__in=[pk for pk, _task in due], status=Job.Status.PENDING).update(
        wake_at=now + WAKE_GRACE
    )
    published = sum(wake(job_id=pk, task=task) for pk, task in due)
    Job.objects.filter(status=Job.Status.DONE, done_at__lt=now - KEEP_DONE).delete()
    return rescued, published
