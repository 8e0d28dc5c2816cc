"""Celery tasks of the agreements app: thin wrappers over services."""

from celery import shared_task

from agreements import services


@shared_task(name="agreements.daily_states")
def daily_states():
    """Start and end agreements on their dates, send expiry reminders once."""
    return services.agreement_daily()
