"""The outbox keeps no live secret link once a message is delivered, and the
admin never shows one (issue 14, item 5)."""

import importlib

import pytest
from django.apps import apps
from django.core import mail

from complaints import services as workflow
from complaints.models import Complaint
from mpp_portal.accounts.models import User
from mpp_portal.masking import mask_url_secrets
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.notifications.services import notification_queue, outbox_deliver

EMAIL = "siti.aminah@example.test"
SECRET = "Rahasia_Tautan-123xyz"
LINK = f"http://testserver/pengaduan/lacak/LBG-2026-000001/?token={SECRET}"
Status = OutboxMessage.Status


def queue_link_email(body=None):
    return notification_queue(
        channel=OutboxMessage.Channel.EMAIL,
        recipient=EMAIL,
        subject="Laporan diterima",
        body=body or f"Pantau di: {LINK}. Terima kasih.",
    )


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root.uji", "root@example.test", "rahasia-uji-123")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"Pantau di: {LINK}. Terima kasih.", "?token=••••. Terima kasih."),
        ("/pemesanan/B-1/?token=abc&tanggal=2026-12-01", "?token=••••&tanggal=2026-12-01"),
        ("/open311/v2/requests/1.json?api_key=k3y", "?api_key=••••"),
        ("/akun/masuk/?next=%2Fx%2F%3Ftoken%3Ds3cr3t", "%3Ftoken%3D••••"),
    ],
)
def test_mask_url_secrets_keeps_the_link_but_not_the_secret(text, masked):
    result = mask_url_secrets(text)
    assert masked in result
    assert "abc" not in result and "k3y" not in result and "s3cr3t" not in result
    assert SECRET not in result


def test_mask_url_secrets_leaves_other_parameters_alone():
    text = "/layanan/?q=token&gedung=perigo-agung"
    assert mask_url_secrets(text) == text


@pytest.mark.django_db
def test_delivered_body_is_stored_masked_but_sent_whole():
    message = queue_link_email()
    assert SECRET in message.body  # the link must reach the reporter

    result = outbox_deliver(message_id=message.pk)

    assert result.status == Status.SENT
    assert mail.outbox[0].body == f"Pantau di: {LINK}. Terima kasih."
    stored = OutboxMessage.objects.get(pk=message.pk).body
    assert SECRET not in stored
    assert stored == (
        "Pantau di: http://testserver/pengaduan/lacak/LBG-2026-000001/?token=••••. Terima kasih."
    )


@pytest.mark.django_db
def test_a_failed_message_keeps_its_link_for_the_retry():
    message = notification_queue(
        channel=OutboxMessage.Channel.EMAIL,
        recipient=EMAIL,
        subject="Judul\nBcc: x@evil.test",  # refused by the e-mail backend
        body=f"Pantau di: {LINK}",
    )
    assert outbox_deliver(message_id=message.pk).status == Status.FAILED
    # Nobody received it: the admin's retry must still send the real link.
    assert SECRET in OutboxMessage.objects.get(pk=message.pk).body


@pytest.mark.django_db
def test_reporter_link_of_a_filed_complaint_is_masked_after_delivery(hall):
    complaint, token = workflow.complaint_file(
        hall=hall,
        kind=Complaint.Kind.COMPLAINT,
        title="Antrean KTP-el terlalu lama",
        description="Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
        reporter_name="Siti Aminah",
        reporter_email=EMAIL,
    )
    message = OutboxMessage.objects.get(recipient=EMAIL)
    assert f"?token={token}" in message.body

    outbox_deliver(message_id=message.pk)

    assert f"?token={token}" in mail.outbox[0].body
    stored = OutboxMessage.objects.get(pk=message.pk).body
    assert token not in stored
    assert f"/pengaduan/lacak/{complaint.tracking_id}/?token=••••" in stored
    # The reporter's link still works: only the stored copy lost the secret.
    assert complaint.check_access_token(token)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.QUEUED, Status.FAILED, Status.SENT])
def test_admin_never_shows_a_live_secret(client, superuser, status):
    # A sent row here is one stored before bodies were masked on delivery.
    message = queue_link_email()
    OutboxMessage.objects.filter(pk=message.pk).update(status=status, sent_at=message.created_at)
    client.force_login(superuser)

    detail = client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    listing = client.get("/admin/notifications/outboxmessage/")

    assert detail.status_code == 200 and listing.status_code == 200
    assert SECRET not in detail.content.decode()
    assert SECRET not in listing.content.decode()
    assert "?token=••••" in detail.content.decode()


@pytest.mark.django_db
def test_migration_masks_the_messages_sent_before():
    migration = importlib.import_module(
        "mpp_portal.notifications.migrations.0003_mask_secrets_in_sent_bodies"
    )
    sent = queue_link_email()
    waiting = queue_link_email(body=f"Tautan baru: {LINK}")
    OutboxMessage.objects.filter(pk=sent.pk).update(status=Status.SENT, sent_at=sent.created_at)

    migration.forward(apps, None)

    assert SECRET not in OutboxMessage.objects.get(pk=sent.pk).body
    # Not delivered yet: the recipient still needs the link.
    assert SECRET in OutboxMessage.objects.get(pk=waiting.pk).body
