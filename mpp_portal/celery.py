"""Celery application: Redis broker from REDIS_URL (or the embedded one).

Every ``CELERY_*`` setting is written out in settings.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")

app = Celery("mpp_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
