"""Celery tasks of the accounts app: thin wrappers, run by beat."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="mpp_portal.accounts.tasks.clear_sessions", acks_late=True)
def clear_sessions():
    """Every night (beat): delete the expired sessions (``manage.py clearsessions``).

    Django never deletes a database session by itself: a row stays after
    its cookie has expired, with whatever it held. Safe to run twice.
    """
    call_command("clearsessions")
