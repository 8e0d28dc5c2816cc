"""The base class of enqueued tasks, and the beat task that resends wake-ups."""

import inspect
import logging

from celery import Task, shared_task
from celery.exceptions import Retry
from celery.utils.serialization import raise_with_context

from mpp_portal.jobs import services
from mpp_portal.jobs.services import JOB_KWARG

logger = logging.getLogger(__name__)


def _describe(exc):
    if isinstance(exc, Retry):
        # Retry.exc is a picklable copy that may have lost the text (an
        # HTTPError holds a socket); Retry.excs is the original's repr.
        return exc.excs or str(exc)
    return f"{type(exc).__name__}: {exc}"


class JobTask(Task):
    """Base of every task that ``enqueue()`` may start (``base=JobTask``).

    A wake-up (``_job_id=<row>``) claims the row, runs the task with the
    row's keyword arguments and marks the row done, failed, or pending
    again for a retry; a wake-up for a row that is done or running already
    does nothing. Called without a row (beat, ``delay()``) the task runs
    as a plain Celery task.

    Tasks on this base must be safe to run again after a lost worker:
    ``acks_late`` with ``reject_on_worker_lost`` hands a message whose
    worker died to another worker instead of dropping it.
    """

    acks_late = True
    reject_on_worker_lost = True
    # A wake-up carries only the row's id; enqueue() checks the row's
    # arguments against the task's signature instead, at the call.
    typing = False

    def on_give_up(self, exc, arguments):
        """Override to record that the task failed for good (no retry left)."""

    def __call__(self, *args, **kwargs):
        job_id = kwargs.pop(JOB_KWARG, None)
        if job_id is None:
            return self._run_once(args, kwargs)
        job = services.job_claim(job_id=job_id)
        if job is None:
            logger.info("job %s is done or running elsewhere; nothing to do", job_id)
            return None
        request = self.request_stack.top
        if request is not None:
            # The row counts the runs, so backoff and max_retries hold
            # whichever wake-up (a retry, the beat's resend) started this one.
            request.retries = job.attempts - 1
        try:
            result = self._run_once((), job.kwargs)
        except Retry as exc:
            services.job_retry_later(job=job, when=exc.when, error=_describe(exc))
            raise
        except Exception as exc:
            services.job_fail(job=job, error=_describe(exc))
            raise
        services.job_finish(job=job)
        return result

    def _run_once(self, args, kwargs):
        try:
            request = self.request_stack.top
            if request is not None and not request.called_directly:
                # The tracer (worker, or eager apply()) pushed this run's
                # request; Task.__call__ would push a second, empty one.
                return self.run(*args, **kwargs)
            return super().__call__(*args, **kwargs)
        except Retry:
            raise
        except Exception as exc:
            try:
                arguments = inspect.signature(self.run).bind_partial(*args, **kwargs).arguments
            except TypeError:
                arguments = dict(kwargs)
            self.on_give_up(exc, arguments)
            raise

    def retry(
        self,
        args=None,
        kwargs=None,
        exc=None,
        throw=True,
        eta=None,
        countdown=None,
        max_retries=None,
        **options,
    ):
        """Retry a job through its row; other runs retry the Celery way.

        A job's retry publishes nothing: the row goes back to pending with
        the time of the next try and the beat task publishes it then. A
        countdown message would sit unacknowledged in a worker, and Redis
        hands such a message to a second worker once ``visibility_timeout``
        (just above the task time limit) has passed.
        """
        request = self.request
        if request.is_eager or JOB_KWARG not in (request.kwargs or {}):
            return super().retry(
                args=args,
                kwargs=kwargs,
                exc=exc,
                throw=throw,
                eta=eta,
                countdown=countdown,
                max_retries=max_retries,
                **options,
            )
        max_retries = self.max_retries if max_retries is None else max_retries
        if max_retries is not None and request.retries >= max_retries:
            if exc:
                raise_with_context(exc)
            raise self.MaxRetriesExceededError(f"Can't retry {self.name}[{request.id}]")
        if eta is None and countdown is None:
            countdown = self.default_retry_delay
        raise Retry(exc=exc, when=eta or countdown)


@shared_task(name="mpp_portal.jobs.tasks.resend_pending", acks_late=True)
def resend_pending():
    """Every minute (beat): publish due jobs again, rescue runs of dead workers."""
    rescued, published = services.jobs_resend_pending()
    if rescued or published:
        logger.info("jobs: %s rescued, %s published", rescued, published)
    return {"rescued": rescued, "published": published}
