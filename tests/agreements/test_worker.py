"""The daily task through the broker and a real worker, twice at once."""

import datetime
import time

import pytest
from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement, ExpiryReminder
from mpp_portal.notifications.models import OutboxMessage
from tests.transition_guard import force_status

S = Agreement.Status


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_daily_runs_at_once_send_each_reminder_once(
    make_agreement, agency_a, agency_b, admin_mpp, celery_worker_process
):
    from agreements.tasks import daily_states

    agency_a.contact_email = "kontak.a@example.test"
    agency_a.save()
    # The worker runs on the real clock: dates relative to today.
    today = timezone.localdate()
    due = [
        make_agreement(
            agency_a,
            title=f"PKS {n}",
            status=S.ACTIVE,
            end_date=today + datetime.timedelta(days=days),
        )
        for n, days in enumerate((85, 50, 20))
    ]
    starting = make_agreement(
        agency_b,
        title="Mulai hari ini",
        start_date=today,
        end_date=today + datetime.timedelta(days=400),
    )
    force_status(starting, S.SIGNED)
    ended = make_agreement(
        agency_b, title="Sudah lewat", status=S.ACTIVE, end_date=today - datetime.timedelta(days=1)
    )
    with transaction.atomic():
        transaction.on_commit(lambda: (daily_states.delay(), daily_states.delay()))
    celery_worker_process.wait_for(
        lambda: (
            ExpiryReminder.objects.count() == 3
            and Agreement.objects.filter(pk=ended.pk, status=S.EXPIRED).exists()
            and Agreement.objects.filter(pk=starting.pk, status=S.ACTIVE).exists()
        ),
        timeout=60,
        message="reminders claimed and states moved by the worker",
    )
    time.sleep(3)  # the second run finishes too, claiming nothing
    assert sorted(ExpiryReminder.objects.values_list("days", flat=True)) == [30, 60, 90]
    messages = OutboxMessage.objects.filter(dedupe_key__startswith="agreement-expiry:")
    for agreement in due:
        for recipient in ("admin.mpp@example.test", "kontak.a@example.test"):
            assert messages.filter(object_id=agreement.pk, recipient=recipient).count() == 1
    assert messages.count() == 6


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_runs_move_and_remind_once(make_agreement, agency_a, admin_mpp):
    """Threads with their own connections run the daily task at the same moment."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from agreements import services
    from mpp_portal.audit.models import AuditEntry

    today = datetime.date(2026, 3, 2)
    for n in range(10):
        make_agreement(
            agency_a,
            title=f"PKS {n}",
            status=S.ACTIVE,
            end_date=today + datetime.timedelta(days=10 + n * 10),
        )
        make_agreement(
            agency_a,
            title=f"Lewat {n}",
            status=S.ACTIVE,
            end_date=today - datetime.timedelta(days=1),
        )
    barrier = threading.Barrier(4)

    def run(_):
        try:
            barrier.wait(timeout=5)
            return services.agreement_daily(today=today)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, range(4)))
    assert sum(r["expired"] for r in results) == 10
    assert sum(r["reminders"] for r in results) == 9  # ends in 10..90 days
    assert ExpiryReminder.objects.count() == 9
    assert AuditEntry.objects.filter(action="agreement.expire").count() == 10
    assert OutboxMessage.objects.filter(dedupe_key__startswith="agreement-expiry:").count() == 9
