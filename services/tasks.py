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
