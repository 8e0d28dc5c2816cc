"""Celery tasks of the complaints app: thin wrappers over services.

The dispatch webhook is sent by the platform (mpp_portal.webhooks).
"""

from celery import shared_task

from complaints import sla


@shared_task(name="complaints.sla_scan")
def sla_scan():
    """Remind before and at each deadline, escalate when passed, auto-close."""
    return sla.complaint_sla_scan()
