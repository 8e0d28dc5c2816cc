"""Imported only by the test worker process (``celery worker --include``).

Tests flush the database between transactional tests and the flush brings
content types back with new ids; a worker living for the whole session
must not keep the old ids in ContentType's per-process cache.
"""

from celery.signals import task_prerun


@task_prerun.connect
def forget_content_types(**kwargs):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
