"""Celery tasks of the outbox: thin wrappers over services."""

import logging

from celery import shared_task
from django.conf import settings

from mpp_portal.notifications import services
from mpp_portal.notifications.channels import TransientError
from mpp_portal.notifications.models import OutboxMessage

logger = logging.getLogger(__name__)


def _log_failure(task, exc, task_id, args, kwargs, einfo):
    logger.error("task %s%s failed: %s", task.name, tuple(args), exc)


@shared_task(
    bind=True,
    name="mpp_portal.notifications.tasks.deliver",
    max_retries=settings.NOTIFICATION_MAX_ATTEMPTS,
    acks_late=True,
    on_failure=_log_failure,
)
def deliver(self, message_id):
    """Deliver one outbox message; retry with backoff after a transient error."""
    message = services.outbox_deliver(message_id=message_id)
    if message is None or message.status != OutboxMessage.Status.QUEUED:
        return message.status if message else None
    # The row records the attempt and its next time; the retry fires then.
    # Should the broker lose it, deliver_pending enqueues the row again.
    countdown = services.seconds_until(message.next_attempt_at)
    if countdown > settings.CELERY_TASK_TIME_LIMIT:
        # A countdown message waits unacknowledged in a worker, and Redis
        # hands it to a second worker after visibility_timeout (just above
        # the time limit): a long wait is left to deliver_pending instead.
        return message.status
    raise self.retry(exc=TransientError(message.last_error), countdown=countdown)


@shared_task(name="mpp_portal.notifications.tasks.deliver_pending", acks_late=True)
def deliver_pending():
    """Every minute (beat): rescue rows of dead workers, enqueue what is due."""
    rescued, enqueued = services.outbox_deliver_pending()
    if rescued or enqueued:
        logger.info("outbox: %s rescued, %s enqueued", rescued, enqueued)
    return {"rescued": rescued, "enqueued": enqueued}
