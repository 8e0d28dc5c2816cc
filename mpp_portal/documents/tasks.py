"""Celery tasks of the documents app: thin wrappers, run by beat."""

from celery import shared_task


@shared_task(name="mpp_portal.documents.tasks.media_sweep", acks_late=True)
def media_sweep():
    """Every night (beat): remove the files no row names (documents.sweep).

    Safe to run twice: a second run finds nothing old and unnamed.
    """
    from mpp_portal.documents.sweep import media_sweep as sweep

    return sweep()
