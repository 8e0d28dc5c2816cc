"""Celery task of the webhooks: a thin wrapper over services."""

from celery import shared_task

from mpp_portal.jobs.tasks import JobTask
from mpp_portal.webhooks import services


def _give_up(task, exc, arguments):
    services.webhook_give_up(delivery_pk=arguments["delivery_pk"], error=f"{exc}")


@shared_task(
    bind=True,
    base=JobTask,
    name="mpp_portal.webhooks.tasks.deliver",
    # HTTPError (5xx, 429) and network errors are OSErrors.
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
    on_give_up=_give_up,
)
def deliver(self, delivery_pk):
    """POST one webhook delivery; a transient failure retries with backoff."""
    return services.webhook_deliver(delivery_pk=delivery_pk)
