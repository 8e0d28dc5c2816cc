"""Celery tasks of the forums app: thin wrappers over forums' modules."""

import logging

from celery import shared_task

from mpp_portal.jobs.tasks import JobTask

logger = logging.getLogger(__name__)


# acks_late: a worker lost mid-run leaves the scan queued for another; a
# second run is harmless, each reminder's row is claimed once.
@shared_task(name="forums.follow_up_scan", acks_late=True)
def follow_up_scan():
    """Sign-off reminders, target dates approaching, overdue items (each once)."""
    from forums.follow_up import follow_up_scan as scan

    return scan()


@shared_task(name="forums.follow_up_report_pdf", base=JobTask)
def follow_up_report_pdf(job):
    """Render a forum's follow-up report PDF under the number the page polls for.

    ``job`` is a JSON dict (forum, number, user). A number already issued
    means a redelivered job finished before: nothing to do.
    """
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from forums import reports
    from forums.models import Forum
    from mpp_portal.documents.services import DocumentNumberTaken

    user_id = job.get("user")
    try:
        document = reports.report_issue(
            forum=Forum.objects.select_related("hall").get(pk=job["forum"]),
            number=job["number"],
            issued_by=get_user_model().objects.filter(pk=user_id).first() if user_id else None,
        )
    except DocumentNumberTaken:
        logger.info("forum follow-up report %s was already issued", job["number"])
        return None
    except Exception:
        cache.set(reports.job_key(job["number"]), "failed", reports.JOB_TTL)
        raise
    return document.verification_code


@shared_task(name="forums.render_berita_acara", base=JobTask)
def render_berita_acara(forum_id, final=False, user_id=None):
    """Render and register a berita acara version (a draft, or the final signed one).

    Enqueued by forums.services (berita_acara_request, the last approval);
    the final one is made once (its job key, and berita_acara_issue returns
    the existing final version on a second run).
    """
    from forums.services import berita_acara_issue

    row = berita_acara_issue(forum_id, final=final, user_id=user_id)
    return row.pk if row is not None else None
