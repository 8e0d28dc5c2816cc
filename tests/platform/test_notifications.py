"""The notification outbox: queueing, delivery on each channel, retries,
the guard against double delivery, the beat scan, the admin, and one
message delivered end to end by a real Celery worker process."""

import datetime
import socket
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from mpp_portal.accounts.models import User
from mpp_portal.notifications import services, tasks
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.notifications.services import notification_queue, outbox_deliver
from tests.factories import UserFactory

PHONE = "081234567890"
PHONE_E164 = "+6281234567890"  # how the outbox stores PHONE (mpp_portal.identity)
EMAIL = "siti.aminah@example.test"
Status = OutboxMessage.Status
Channel = OutboxMessage.Channel


def queue_sms(**kwargs):
    values = {"channel": Channel.SMS, "recipient": PHONE, "body": "Antrean A-012 dipanggil."}
    values.update(kwargs)
    return notification_queue(**values)


def make_due(message, minutes=5):
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


# --------------------------------------------------------------------------
# Queueing
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_queue_creates_row_and_enqueues_after_commit(django_capture_on_commit_callbacks, hall):
    with django_capture_on_commit_callbacks() as callbacks:
        message = queue_sms(subject="Antrean", related=hall, hall=hall)

    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.attempts == 0
    assert message.related == hall
    assert message.hall == hall
    assert message.next_attempt_at is not None


@pytest.mark.django_db
def test_queue_normalises_phone_number():
    message = queue_sms(recipient=" 0812-3456 7890 ")
    assert message.recipient == PHONE_E164


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel", "recipient", "body", "field"),
    [
        (Channel.EMAIL, "bukan-surel", "Halo", "recipient"),
        (Channel.SMS, "12ab", "Halo", "recipient"),
        (Channel.WHATSAPP, "", "Halo", "recipient"),
        (Channel.SMS, PHONE, "   ", "body"),
        ("fax", PHONE, "Halo", "channel"),
    ],
)
def test_queue_rejects_bad_input(
    django_capture_on_commit_callbacks, channel, recipient, body, field
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as err:
        notification_queue(channel=channel, recipient=recipient, body=body)
    assert field in err.value.message_dict
    assert callbacks == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_queue_with_same_dedupe_key_returns_existing_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue_sms(dedupe_key="booking:123:reminder")
        second = queue_sms(dedupe_key="booking:123:reminder", body="Teks lain")

    assert second.pk == first.pk
    assert second.body == first.body
    assert len(callbacks) == 1
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_empty_dedupe_key_does_not_dedupe():
    queue_sms(dedupe_key="")
    queue_sms(dedupe_key="")
    assert OutboxMessage.objects.filter(dedupe_key__isnull=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_sends_nothing(celery_eager):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        notification_queue(channel=Channel.EMAIL, recipient=EMAIL, subject="S", body="Isi")
        raise Boom

    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_committed_message_is_delivered_by_the_task(celery_eager):
    with transaction.atomic():
        message = notification_queue(
            channel=Channel.EMAIL, recipient=EMAIL, subject="Tiket Anda", body="A-012"
        )
        # Nothing leaves before the commit.
        assert mail.outbox == []

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1


# --------------------------------------------------------------------------
# Delivery: e-mail
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_deliver_email_uses_email_backend(settings):
    settings.DEFAULT_FROM_EMAIL = "MPP Lebong <noreply@mpp.test>"
    message = notification_queue(
        channel=Channel.EMAIL, recipient=EMAIL, subject="Pengaduan diterima", body="Nomor P-7"
    )

    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.SENT
    assert result.sent_at is not None
    assert result.attempts == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [EMAIL]
    assert sent.from_email == "MPP Lebong <noreply@mpp.test>"
    assert sent.subject == "Pengaduan diterima"
    assert sent.body == "Nomor P-7"


@pytest.mark.django_db
def test_deliver_email_refused_header_fails_permanently():
    message = notification_queue(
        channel=Channel.EMAIL, recipient=EMAIL, subject="Judul\nBcc: x@evil.test", body="Isi"
    )
    result = outbox_deliver(message_id=message.pk)
    assert result.status == Status.FAILED
    assert "refused" in result.last_error
    assert mail.outbox == []


# --------------------------------------------------------------------------
# Delivery: SMS/WhatsApp gateway (a real HTTP server on 127.0.0.1)
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_deliver_sms_posts_json_with_bearer_key(sms_gateway):
    message = queue_sms()

    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.SENT
    assert result.sent_at is not None
    assert result.last_error == ""
    assert len(sms_gateway.requests) == 1
    request = sms_gateway.requests[0]
    assert request["json"] == {
        "to": PHONE_E164,
        "message": "Antrean A-012 dipanggil.",
        "channel": "sms",
    }
    assert request["headers"]["Authorization"] == "Bearer kunci-uji"
    assert request["headers"]["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_deliver_whatsapp_names_its_channel(sms_gateway):
    message = queue_sms(channel=Channel.WHATSAPP)
    assert outbox_deliver(message_id=message.pk).status == Status.SENT
    assert sms_gateway.requests[0]["json"]["channel"] == "whatsapp"


@pytest.mark.django_db
def test_gateway_5xx_is_retried_later(sms_gateway):
    sms_gateway.status = 500
    message = queue_sms()
    before = timezone.now()

    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.QUEUED
    assert result.attempts == 1
    assert "500" in result.last_error
    assert result.next_attempt_at >= before + OutboxMessage.retry_delay(1)
    # Not due yet: a duplicate task arriving now does nothing.
    assert outbox_deliver(message_id=message.pk) is None
    assert len(sms_gateway.requests) == 1

    sms_gateway.status = 200
    make_due(message)
    result = outbox_deliver(message_id=message.pk)
    assert result.status == Status.SENT
    assert result.attempts == 2
    assert result.last_error == ""


@pytest.mark.django_db
def test_gateway_5xx_fails_after_max_attempts(sms_gateway, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    sms_gateway.status = 503
    message = queue_sms()

    assert outbox_deliver(message_id=message.pk).status == Status.QUEUED
    make_due(message)
    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.FAILED
    assert result.attempts == 2
    assert result.next_attempt_at is None
    assert "503" in result.last_error


@pytest.mark.django_db
def test_gateway_4xx_fails_permanently(sms_gateway):
    sms_gateway.status = 400
    message = queue_sms()

    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.FAILED
    assert "400" in result.last_error
    make_due(message)
    assert outbox_deliver(message_id=message.pk) is None
    assert len(sms_gateway.requests) == 1


@pytest.mark.django_db
def test_gateway_timeout_is_transient(sms_gateway, settings):
    settings.SMS_GATEWAY_TIMEOUT = 1
    sms_gateway.delay = 2
    message = queue_sms()

    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.QUEUED
    assert result.attempts == 1
    assert "unreachable" in result.last_error


@pytest.mark.django_db
def test_gateway_connection_refused_is_transient(settings):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/send"
    message = queue_sms()

    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.QUEUED
    assert "unreachable" in result.last_error


@pytest.mark.django_db
def test_gateway_not_configured_fails_with_clear_error(settings):
    settings.SMS_GATEWAY_URL = None
    message = queue_sms()

    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.FAILED
    assert "not configured" in result.last_error
    assert "SMS_GATEWAY_URL" in result.last_error


# --------------------------------------------------------------------------
# Never twice
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_delivering_twice_sends_once(sms_gateway):
    message = queue_sms()

    assert outbox_deliver(message_id=message.pk).status == Status.SENT
    assert outbox_deliver(message_id=message.pk) is None

    assert len(sms_gateway.requests) == 1
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db
def test_deliver_unknown_id_does_nothing(sms_gateway):
    assert outbox_deliver(message_id=987654321) is None
    assert sms_gateway.requests == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_delivery_sends_exactly_once(sms_gateway):
    # A slow gateway keeps the first claimer busy while the others arrive.
    sms_gateway.delay = 0.3
    # Created directly: in autocommit notification_queue() would publish a
    # task to the broker at once, and no worker of this test consumes it.
    message = OutboxMessage.objects.create(
        channel=Channel.SMS, recipient=PHONE, body="Sekali", next_attempt_at=timezone.now()
    )
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(outbox_deliver(message_id=message.pk))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(sms_gateway.requests) == 1
    assert [r.status for r in results if r is not None] == [Status.SENT]
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1


# --------------------------------------------------------------------------
# Tasks and the beat scan
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_deliver_task_schedules_retry_after_transient_error(sms_gateway, celery_eager):
    from celery.exceptions import Retry

    sms_gateway.status = 502
    message = queue_sms()

    # Eagerly, the retry runs at once; the row is not due and it does nothing.
    with pytest.raises(Retry):
        tasks.deliver.apply(args=[message.pk], throw=True)

    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.attempts == 1
    assert len(sms_gateway.requests) == 1


@pytest.mark.django_db
def test_deliver_pending_rescues_stuck_rows_and_sends_due_ones(sms_gateway, celery_eager, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    now = timezone.now()
    due = queue_sms(body="jatuh tempo")
    make_due(due)
    fresh = queue_sms(body="baru")  # left to its on-commit task
    stuck = queue_sms(body="macet")
    exhausted = queue_sms(body="habis")
    OutboxMessage.objects.filter(pk__in=[stuck.pk, exhausted.pk]).update(
        status=Status.SENDING, claimed_at=now - datetime.timedelta(minutes=11), attempts=1
    )
    OutboxMessage.objects.filter(pk=exhausted.pk).update(attempts=3)
    recent = queue_sms(body="sedang dikirim")
    OutboxMessage.objects.filter(pk=recent.pk).update(
        status=Status.SENDING, claimed_at=now - datetime.timedelta(minutes=2)
    )

    result = tasks.deliver_pending.apply().get()

    assert result == {"rescued": 2, "enqueued": 1}
    statuses = dict(OutboxMessage.objects.values_list("body", "status"))
    assert statuses == {
        "jatuh tempo": Status.SENT,
        "baru": Status.QUEUED,
        "macet": Status.QUEUED,
        "habis": Status.FAILED,
        "sedang dikirim": Status.SENDING,
    }
    assert [r["json"]["message"] for r in sms_gateway.requests] == ["jatuh tempo"]
    stuck.refresh_from_db()
    assert "worker lost" in stuck.last_error
    assert fresh.pk


@pytest.mark.django_db
def test_deliver_pending_query_count_does_not_grow(django_assert_max_num_queries, settings):
    # No broker publish here: the enqueue is what is counted separately.
    for i in range(30):
        message = queue_sms(body=f"pesan {i}")
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=Status.SENDING, claimed_at=timezone.now() - datetime.timedelta(hours=1)
        )
    with django_assert_max_num_queries(3):
        rescued, enqueued = services.outbox_deliver_pending()
    assert (rescued, enqueued) == (30, 0)


def test_beat_schedule_names_the_task(settings):
    from mpp_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["deliver-outbox"]
    assert entry["task"] == tasks.deliver_pending.name
    assert entry["task"] in app.tasks


# --------------------------------------------------------------------------
# Personal data and the admin
# --------------------------------------------------------------------------
@pytest.mark.django_db
def test_str_masks_recipient():
    sms = queue_sms()
    email = notification_queue(channel=Channel.EMAIL, recipient=EMAIL, body="Isi")

    assert PHONE not in str(sms)
    assert "0812******90" in str(sms)
    assert EMAIL not in str(email)
    assert "s***@example.test" in str(email)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root.uji", "root@example.test", "rahasia-uji-123")


@pytest.mark.django_db
def test_admin_list_masks_recipient_and_filters_status(client, superuser):
    queue_sms()
    failed = queue_sms(recipient="089876543210")
    OutboxMessage.objects.filter(pk=failed.pk).update(status=Status.FAILED)
    client.force_login(superuser)

    response = client.get("/admin/notifications/outboxmessage/")
    assert response.status_code == 200
    content = response.content.decode()
    assert PHONE not in content
    assert "0812******90" in content

    response = client.get("/admin/notifications/outboxmessage/", {"status__exact": "failed"})
    assert response.status_code == 200
    assert "0898******10" in response.content.decode()
    assert "0812******90" not in response.content.decode()

    detail = client.get(f"/admin/notifications/outboxmessage/{failed.pk}/change/")
    assert detail.status_code == 200
    assert "89876543210" not in detail.content.decode()


@pytest.mark.django_db
def test_admin_retry_action_requeues_failed_only(
    client, superuser, django_capture_on_commit_callbacks
):
    failed = queue_sms(body="gagal")
    sent = queue_sms(body="terkirim")
    OutboxMessage.objects.filter(pk=failed.pk).update(
        status=Status.FAILED, attempts=5, last_error="gateway HTTP 400"
    )
    OutboxMessage.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=timezone.now())
    client.force_login(superuser)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/admin/notifications/outboxmessage/",
            {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert len(callbacks) == 1
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.QUEUED, 0)
    assert sent.status == Status.SENT


@pytest.mark.django_db
def test_admin_hidden_from_counter_staff(client, staff_a):
    client.force_login(staff_a)
    response = client.get("/admin/notifications/outboxmessage/")
    assert response.status_code in (302, 403)


@pytest.mark.django_db
def test_admin_retry_refused_without_change_permission(client, superuser):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(username="pengamat.uji", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    failed = queue_sms()
    OutboxMessage.objects.filter(pk=failed.pk).update(status=Status.FAILED)
    client.force_login(viewer)

    response = client.get("/admin/notifications/outboxmessage/")
    assert response.status_code == 200
    assert 'value="retry"' not in response.content.decode()
    client.post(
        "/admin/notifications/outboxmessage/",
        {"action": "retry", "_selected_action": [failed.pk]},
    )
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


# --------------------------------------------------------------------------
# A real worker process
# --------------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_delivers_committed_sms_once(celery_worker_process):
    gateway = celery_worker_process.gateway
    with transaction.atomic():
        message = queue_sms(channel=Channel.WHATSAPP, dedupe_key="uji-worker:1")

    celery_worker_process.wait_for(
        lambda: OutboxMessage.objects.get(pk=message.pk).status == Status.SENT,
        timeout=30,
        message="the worker to deliver the message",
    )
    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request["json"] == {
        "to": PHONE_E164,
        "message": "Antrean A-012 dipanggil.",
        "channel": "whatsapp",
    }
    assert request["headers"]["Authorization"] == "Bearer kunci-worker"
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_never_sends_a_duplicate_task_twice(celery_worker_process):
    gateway = celery_worker_process.gateway
    with transaction.atomic():
        message = queue_sms(body="sekali saja")
    # A second copy of the task, as a redelivery or the beat scan would send.
    services.outbox_enqueue(message_id=message.pk)
    services.outbox_enqueue(message_id=message.pk)

    celery_worker_process.wait_for(
        lambda: OutboxMessage.objects.get(pk=message.pk).status == Status.SENT,
        message="the worker to deliver the message",
    )
    # The solo worker takes tasks in order: once this later message is
    # sent, the duplicates have been consumed.
    marker = queue_sms(body="penanda")  # autocommit: enqueued at once
    celery_worker_process.wait_for(
        lambda: OutboxMessage.objects.get(pk=marker.pk).status == Status.SENT,
        message="the marker message",
    )
    assert [r["json"]["message"] for r in gateway.requests] == ["sekali saja", "penanda"]
