"""The platform's webhooks: events by name, a delivery log, the admin, the move.

Complaint-specific behaviour (the dispatch body, signatures, retries
against a real receiver) is in tests/complaints/test_webhook.py; these
tests cover what any app sending an event relies on.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from mpp_portal.accounts.models import User
from mpp_portal.jobs import services as jobs
from mpp_portal.jobs.models import Job
from mpp_portal.jobs.tasks import resend_pending
from mpp_portal.webhooks import services as webhooks
from mpp_portal.webhooks.models import Event, Webhook, WebhookDelivery
from tests.complaints.test_webhook import AgencyReceiver

SECRET = "rahasia-platform-webhook-41b7"
D = WebhookDelivery.Status


@pytest.fixture
def receiver():
    server = AgencyReceiver(SECRET)
    yield server
    server.close()


def _send(event, agency, payload, capture):
    with capture(execute=True):
        return webhooks.webhook_send(event=event, agency=agency, payload=payload)


class TestEvents:
    def test_each_webhook_gets_only_the_events_it_subscribed_to(
        self, celery_eager, agency_a, django_capture_on_commit_callbacks
    ):
        nib = AgencyReceiver(SECRET)
        everything = AgencyReceiver(SECRET)
        try:
            Webhook.objects.create(
                agency=agency_a, url=nib.url, secret=SECRET, events=[Event.NIB_RECORDED]
            )
            # A new webhook receives every event unless the admin unticks some.
            Webhook.objects.create(agency=agency_a, url=everything.url, secret=SECRET)
            capture = django_capture_on_commit_callbacks
            _send("berita_acara.signed", agency_a, {"nomor": "BA/1"}, capture)
            _send("nib.recorded", agency_a, {"nib": "1234567890123"}, capture)

            assert [r["headers"]["X-MPP-Event"] for r in nib.requests] == ["nib.recorded"]
            assert [r["headers"]["X-MPP-Event"] for r in everything.requests] == [
                "berita_acara.signed",
                "nib.recorded",
            ]
            assert all(r["signed"] for r in nib.requests + everything.requests)
            # The body names its event first thing a receiver reads.
            assert b'"event": "nib.recorded"' in nib.requests[0]["raw"]
        finally:
            nib.close()
            everything.close()

    def test_another_agencys_webhook_gets_nothing(
        self, celery_eager, receiver, agency_a, agency_b, django_capture_on_commit_callbacks
    ):
        Webhook.objects.create(agency=agency_b, url=receiver.url, secret=SECRET)
        deliveries = _send(
            "complaint.dispatched", agency_a, {"x": 1}, django_capture_on_commit_callbacks
        )
        assert deliveries == []
        assert receiver.requests == []

    def test_an_unknown_event_or_a_payload_naming_another_is_refused(self, agency_a):
        with pytest.raises(ValueError, match="unknown webhook event"):
            webhooks.webhook_send(event="ticket.lost", agency=agency_a, payload={})
        with pytest.raises(ValueError, match="names event"):
            webhooks.webhook_send(
                event="nib.recorded", agency=agency_a, payload={"event": "complaint.dispatched"}
            )
        assert not WebhookDelivery.objects.exists()

    def test_one_delivery_and_one_job_per_webhook_in_the_callers_transaction(
        self, agency_a, django_capture_on_commit_callbacks
    ):
        Webhook.objects.create(agency=agency_a, url="https://a.example.test/", secret=SECRET)
        Webhook.objects.create(agency=agency_a, url="https://b.example.test/", secret=SECRET)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            deliveries = webhooks.webhook_send(
                event="nib.recorded", agency=agency_a, payload={"nib": "1"}
            )
        assert len(deliveries) == 2 and len(callbacks) == 2
        assert len({d.delivery_id for d in deliveries}) == 2
        keys = set(Job.objects.values_list("key", flat=True))
        assert keys == {f"webhook-delivery:{d.pk}" for d in deliveries}


class TestDeliveryLog:
    def test_a_delivered_event_is_logged_with_its_status_code(
        self, celery_eager, receiver, agency_a, django_capture_on_commit_callbacks
    ):
        Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)
        [delivery] = _send(
            "nib.recorded", agency_a, {"nib": "1"}, django_capture_on_commit_callbacks
        )
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            D.DELIVERED,
            1,
            200,
        )
        assert delivery.delivered_at is not None
        assert receiver.requests[0]["headers"]["X-MPP-Delivery"] == delivery.delivery_id

    def test_a_refusal_is_logged_and_not_retried(
        self, celery_eager, receiver, agency_a, django_capture_on_commit_callbacks
    ):
        receiver.status = 410
        Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)
        [delivery] = _send(
            "nib.recorded", agency_a, {"nib": "1"}, django_capture_on_commit_callbacks
        )
        delivery.refresh_from_db()
        assert (delivery.status, delivery.last_status_code, delivery.attempts) == (
            D.REFUSED,
            410,
            1,
        )
        assert Job.objects.get().status == Job.Status.DONE

    def test_a_delivery_that_keeps_failing_is_logged_failed(
        self, celery_eager, receiver, agency_a, django_capture_on_commit_callbacks
    ):
        from mpp_portal.celery import app
        from mpp_portal.webhooks.tasks import deliver

        app.conf.task_eager_propagates = False  # eager apply() runs each retry in turn
        receiver.status = 503
        Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)
        [delivery] = _send(
            "nib.recorded", agency_a, {"nib": "1"}, django_capture_on_commit_callbacks
        )
        delivery.refresh_from_db()
        assert delivery.status == D.FAILED
        assert delivery.attempts == 1 + deliver.max_retries == len(receiver.requests)
        assert delivery.last_status_code == 503
        job = Job.objects.get()
        assert (job.status, job.attempts) == (Job.Status.FAILED, 1 + deliver.max_retries)

    def test_a_webhook_switched_off_before_sending_cancels_the_delivery(
        self, celery_eager, receiver, agency_a, django_capture_on_commit_callbacks
    ):
        webhook = Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            [delivery] = webhooks.webhook_send(
                event="nib.recorded", agency=agency_a, payload={"nib": "1"}
            )
        webhook.is_active = False
        webhook.save()
        for callback in callbacks:
            callback()
        delivery.refresh_from_db()
        assert delivery.status == D.CANCELLED
        assert receiver.requests == []

    def test_a_delivered_event_is_not_sent_again(self, receiver, agency_a):
        Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)
        [delivery] = webhooks.webhook_send(
            event="nib.recorded", agency=agency_a, payload={"nib": "1"}
        )
        assert webhooks.webhook_deliver(delivery_pk=delivery.pk) == 200
        assert webhooks.webhook_deliver(delivery_pk=delivery.pk) is None
        assert len(receiver.requests) == 1


class TestAdmin:
    @pytest.fixture
    def root(self, client, db):
        user = User.objects.create_superuser("root", "root@example.test", "x")
        client.force_login(user)
        return user

    def test_an_admin_registers_a_webhook_with_its_events(self, client, root, agency_a):
        response = client.post(
            "/admin/webhooks/webhook/add/",
            {
                "agency": agency_a.pk,
                "url": "https://sipabes.example.test/hook",
                "secret": SECRET,
                "is_active": "on",
                "events": ["nib.recorded", "berita_acara.signed"],
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        webhook = Webhook.objects.get()
        assert sorted(webhook.events) == ["berita_acara.signed", "nib.recorded"]
        page = client.get(f"/admin/webhooks/webhook/{webhook.pk}/change/").content.decode()
        assert 'type="checkbox" name="events" value="complaint.dispatched"' in page

    def test_the_delivery_log_is_visible_and_read_only(self, client, root, agency_a):
        webhook = Webhook.objects.create(
            agency=agency_a, url="https://x.example.test/", secret=SECRET
        )
        [delivery] = webhooks.webhook_send(
            event="complaint.dispatched", agency=agency_a, payload={"tracking_id": "LPR-1"}
        )
        assert webhook.deliveries.get() == delivery
        listing = client.get("/admin/webhooks/webhookdelivery/").content.decode()
        assert "complaint.dispatched" in listing
        detail = client.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
        assert detail.status_code == 200 and delivery.delivery_id in detail.content.decode()
        assert client.get("/admin/webhooks/webhookdelivery/add/").status_code == 403
        assert client.get("/admin/jobs/job/").status_code == 200


# --------------------------------------------------------------------------
# The move out of complaints: existing rows survive
# --------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_the_complaints_webhooks(agency_a, agency_b):
    executor = MigrationExecutor(connection)
    before = [("webhooks", "0001_webhook_and_delivery")]
    # Unapplies the copy and, with it, complaints' removal of its table.
    executor.migrate(before)
    executor.loader.build_graph()
    old_apps = executor.loader.project_state(before + [("complaints", "0006_phones_to_e164")]).apps
    OldWebhook = old_apps.get_model("complaints", "Webhook")
    OldWebhook.objects.create(agency_id=agency_a.pk, url="https://a.example.test/", secret="s-a")
    OldWebhook.objects.create(
        agency_id=agency_b.pk, url="https://b.example.test/", secret="s-b", is_active=False
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    copied = {w.agency_id: (w.url, w.secret, w.is_active, w.events) for w in Webhook.objects.all()}
    assert copied == {
        agency_a.pk: ("https://a.example.test/", "s-a", True, ["complaint.dispatched"]),
        agency_b.pk: ("https://b.example.test/", "s-b", False, ["complaint.dispatched"]),
    }
    with connection.cursor() as cursor:
        assert "complaints_webhook" not in connection.introspection.table_names(cursor)


# --------------------------------------------------------------------------
# Through the real worker: a retry waits in the row, not in the broker
# --------------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_retry_waits_in_the_row_and_the_rescue_sends_it(celery_worker_process, agency_a):
    receiver = AgencyReceiver(SECRET)
    try:
        receiver.statuses = [503]
        Webhook.objects.create(agency=agency_a, url=receiver.url, secret=SECRET)
        before = timezone.now()
        # Autocommit: the job is published at once.
        [delivery] = webhooks.webhook_send(
            event="nib.recorded", agency=agency_a, payload={"nib": "9120001234567"}
        )
        job = Job.objects.get(key=f"webhook-delivery:{delivery.pk}")

        def retried_once():
            # One read: two would race the worker's claim between them.
            row = Job.objects.get(pk=job.pk)
            return row.status == Job.Status.PENDING and row.attempts == 1

        celery_worker_process.wait_for(retried_once, message="the first attempt to end in a retry")
        job.refresh_from_db()
        # Backoff from 30 s (with jitter), kept in the row.
        assert before <= job.wake_at <= timezone.now() + datetime.timedelta(seconds=31)
        assert "503" in job.last_error
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            D.PENDING,
            1,
            503,
        )

        # The time has come; beat's rescue publishes it.
        Job.objects.filter(pk=job.pk).update(wake_at=timezone.now())
        resend_pending.delay()
        celery_worker_process.wait_for(
            lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == D.DELIVERED,
            message="the retried delivery",
        )
        assert len(receiver.requests) == 2
        assert {r["headers"]["X-MPP-Delivery"] for r in receiver.requests} == {delivery.delivery_id}
        job.refresh_from_db()
        assert (job.status, job.attempts) == (Job.Status.DONE, 2)
        # Nothing else is due.
        assert jobs.jobs_resend_pending() == (0, 0)
    finally:
        receiver.close()
