"""Celery tasks of the queue: thin wrappers over services and stats."""

import logging

from celery import shared_task

from services.stats import service_learn_average_minutes

logger = logging.getLogger(__name__)


@shared_task(name="services.tasks.learn_service_averages", acks_late=True)
def learn_service_averages():
    """Refresh the learned average service minutes (idempotent: one UPDATE)."""
    updated = service_learn_average_minutes()
    logger.info("learned average service minutes for %s services", updated)
    return updated


@shared_task(name="services.tasks.booking_reminders")
def booking_reminders():
    """Remind citizens booked for the next working day (each once)."""
    from services.booking import booking_send_reminders

    return booking_send_reminders()


@shared_task(name="services.tasks.booking_no_shows")
def booking_no_shows():
    """Bookings whose slot ended without a check-in become no-shows."""
    from services.booking import booking_mark_no_shows

    return booking_mark_no_shows()
