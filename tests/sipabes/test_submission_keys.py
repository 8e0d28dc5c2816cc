"""The offline queue's idempotency keys are forgotten after 30 days."""

import datetime
import uuid

import pytest
from django.utils import timezone

from services.sipabes import services
from services.sipabes.models import SubmissionKey
from tests.sipabes.core_fixtures import *  # noqa: F403


def _key(user, age_days, now):
    row = SubmissionKey.objects.create(
        key=uuid.uuid4(), user=user, status_code=201, response={"nik": "1707••••••••0001"}
    )
    SubmissionKey.objects.filter(pk=row.pk).update(
        created_at=now - datetime.timedelta(days=age_days)
    )
    return row.pk


@pytest.mark.django_db
def test_keys_older_than_30_days_are_forgotten(officer):
    now = timezone.now()
    old = _key(officer, 30.5, now)
    kept = _key(officer, 29.5, now)
    fresh = _key(officer, 0, now)

    assert services.submission_keys_purge(now=now) == 1
    assert set(SubmissionKey.objects.values_list("pk", flat=True)) == {kept, fresh}
    assert old not in SubmissionKey.objects.values_list("pk", flat=True)
    # Idempotent: nothing more to forget.
    assert services.submission_keys_purge(now=now) == 0


@pytest.mark.django_db
def test_a_retry_within_the_window_still_gets_the_first_answer(officer):
    now = timezone.now()
    key = _key(officer, 29, now)
    services.submission_keys_purge(now=now)
    answer = services.submission_once(key=key, user=officer, attempt=lambda: (400, {}, None))
    assert answer == (201, {"nik": "1707••••••••0001"}, True)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_purge_runs_in_the_real_worker(officer, celery_worker_process):
    from services.sipabes.tasks import submission_keys_purge

    now = timezone.now()
    old = _key(officer, 45, now)
    kept = _key(officer, 1, now)
    submission_keys_purge.delay()
    celery_worker_process.wait_for(
        lambda: not SubmissionKey.objects.filter(pk=old).exists(),
        timeout=30,
        message="the worker to forget the old key",
    )
    assert list(SubmissionKey.objects.values_list("pk", flat=True)) == [kept]
