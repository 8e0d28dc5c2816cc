"""Celery tasks of the complaints app: thin wrappers over services."""

from celery import shared_task

from complaints import services, sla


@shared_task(name="complaints.sla_scan")
def sla_scan():
    """Remind before and at each deadline, escalate when passed, auto-close."""
    return sla.complaint_sla_scan()


@shared_task(
    bind=True,
    name="complaints.send_dispatch_webhook",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_dispatch_webhook(self, complaint_id, agency_id=None, payload=None, delivery_id=None):
    """POST the dispatch event fixed at queue time to the agency it was for."""
    return services.webhook_deliver(
        complaint_id=complaint_id, agency_id=agency_id, payload=payload, delivery_id=delivery_id
    )
