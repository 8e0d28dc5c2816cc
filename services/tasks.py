"""Celery tasks of the queue: thin wrappers over services and stats."""

import logging

from celery import shared_task

from mpp_portal.jobs.tasks import JobTask
from services.stats import service_learn_average_minutes

logger = logging.getLogger(__name__)


@shared_task(name="services.tasks.learn_service_averages", acks_late=True)
def learn_service_averages():
    """Refresh the learned average service minutes (idempotent: one UPDATE)."""
    updated = service_learn_average_minutes()
    logger.info("learned average service minutes for %s services", updated)
    return updated


@shared_task(name="services.tasks.rollup_closed_days", acks_late=True)
def rollup_closed_days():
    """Write the daily rollups (queue, SKM) of the days closed since the last run (idempotent).

    Then computes ahead the closed part of the common statistics ranges.
    """
    from services.rollup import rollup_closed_days as run
    from services.rollup import warm_page_cache

    days = run()
    logger.info("rolled up %s days of queue statistics and SKM answers", days)
    passes = warm_page_cache()
    logger.info("cached the closed days of %s statistics ranges", passes)
    return days


# acks_late (DESIGN.md §5), as CELERY_TASK_ACKS_LATE also says, written out so
# that it stays when the global default changes: a worker lost mid-run leaves
# the task queued for another; running twice is harmless, the UPDATE claims
# each row once.
@shared_task(name="services.tasks.booking_reminders", acks_late=True)
def booking_reminders():
    """Remind citizens booked for the next working day (each once)."""
    from services.booking import booking_send_reminders

    return booking_send_reminders()


@shared_task(name="services.tasks.booking_no_shows", acks_late=True)
def booking_no_shows():
    """Bookings whose slot ended without a check-in become no-shows."""
    from services.booking import booking_mark_no_shows

    return booking_mark_no_shows()


@shared_task(name="services.tasks.booking_confirmations_purge", acks_late=True)
def booking_confirmations_purge():
    """Delete pending bookings whose one-time code expired (their NIK goes too)."""
    from services.booking import booking_confirmations_purge

    return booking_confirmations_purge()


@shared_task(name="services.tasks.ikm_report_pdf", base=JobTask)
def ikm_report_pdf(job):
    """Render the IKM report PDF under the number the page polls for (``job``: a JSON dict).

    A number already issued means a redelivered job finished before: nothing to do.
    """
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from mpp_portal.documents.services import DocumentNumberTaken
    from mpp_portal.organizations.models import Agency, Hall
    from services import ikm_report
    from services.models import Service

    def _get(model, pk):
        return model.objects.get(pk=pk) if pk else None

    try:
        document = ikm_report.report_issue(
            hall=Hall.objects.get(pk=job["hall"]),
            agency=_get(Agency, job.get("agency")),
            service=_get(Service, job.get("service")),
            date_from=datetime.date.fromisoformat(job["from"]),
            date_to=datetime.date.fromisoformat(job["to"]),
            number=job["number"],
            issued_by=_get(get_user_model(), job.get("user")),
            followup_plan=job.get("plan", ""),
        )
    except DocumentNumberTaken:
        logger.info("IKM report %s was already issued", job["number"])
        return None
    except Exception:
        cache.set(ikm_report.job_key(job["number"]), "failed", ikm_report.JOB_TTL)
        raise
    return document.verification_code
