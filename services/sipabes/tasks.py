"""Celery tasks of SIPABES: thin wrappers over services."""

from celery import shared_task

from mpp_portal.jobs.tasks import JobTask


@shared_task(name="sipabes.receipt_pdf", base=JobTask)
def receipt_pdf(registration_id, user_id=None):
    """Render the trader's "Tanda Terima Pendaftaran NIB" (enqueued, once per registration)."""
    from services.sipabes.services import registration_issue_receipt

    document = registration_issue_receipt(registration_id=registration_id, user_id=user_id)
    return document.verification_code


@shared_task(name="sipabes.submission_keys_purge", acks_late=True)
def submission_keys_purge():
    """Forget the officers' phones' idempotency keys after SUBMISSION_KEY_DAYS."""
    from services.sipabes.services import submission_keys_purge as purge

    return purge()
