"""Queue and deliver outbox messages.

Other apps call ``notification_queue()`` inside the transaction of the
change they report. Delivery runs in a Celery worker (tasks.deliver) and
claims the row first, so a message is sent once however often its task
runs.
"""

import datetime
import logging
import math

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.identity import normalize_phone
from mpp_portal.masking import mask_url_secrets
from mpp_portal.notifications import channels
from mpp_portal.notifications.models import STUCK_AFTER, OutboxMessage

logger = logging.getLogger(__name__)

# The beat scan leaves fresh rows to the task enqueued on commit for this
# long, so it does not publish a second copy of every new message.
PENDING_GRACE_SECONDS = 60
PENDING_BATCH = 500
DELIVER_TASK = "mpp_portal.notifications.tasks.deliver"


def _clean_recipient(channel, recipient):
    recipient = (recipient or "").strip()
    if channel == OutboxMessage.Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            raise ValidationError(
                {"recipient": _("Alamat surel penerima tidak valid.")}, code="invalid"
            ) from None
        return recipient
    # SMS and WhatsApp reach mobile numbers only; the outbox keeps the
    # canonical E.164 form, whatever the caller stored or was typed.
    phone = normalize_phone(recipient)
    if phone is None:
        raise ValidationError(
            {"recipient": _("Nomor telepon penerima tidak valid.")}, code="invalid"
        )
    return phone


def notification_queue(
    *,
    channel,
    recipient,
    subject="",
    body,
    dedupe_key=None,
    related=None,
    hall=None,
):
    """Queue a message and deliver it once the caller's transaction commits.

    With a ``dedupe_key`` that is already queued or sent, return that
    message and queue nothing: a reminder task that runs twice must not
    tell anybody twice.
    """
    if channel not in OutboxMessage.Channel.values:
        raise ValidationError({"channel": _("Kanal notifikasi tidak dikenal.")}, code="invalid")
    recipient = _clean_recipient(channel, recipient)
    if not (body or "").strip():
        raise ValidationError({"body": _("Isi pesan tidak boleh kosong.")}, code="required")
    dedupe_key = dedupe_key or None

    if dedupe_key is not None:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing

    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=(subject or "")[:200],
        body=body,
        dedupe_key=dedupe_key,
        hall=hall,
        next_attempt_at=timezone.now(),
    )
    if related is not None:
        message.content_type = ContentType.objects.get_for_model(related)
        message.object_id = related.pk
    try:
        # The savepoint keeps the caller's transaction usable when another
        # transaction queued the same key between the check and the insert.
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if dedupe_key is None:
            raise
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)

    message_id = message.pk
    transaction.on_commit(lambda: outbox_enqueue(message_id=message_id))
    return message


def outbox_enqueue(*, message_id, countdown=None):
    """Publish the delivery task; a broker outage leaves the row to the beat scan.

    The OutboxMessage row is the durable intent (mpp_portal.jobs' Job for
    other work): publish() logs a refused wake-up instead of raising it into
    a saved change, and deliver_pending publishes the row again.
    """
    from mpp_portal.jobs.services import publish

    return publish(DELIVER_TASK, args=[message_id], countdown=countdown)


def _claim(message_id):
    """Move the row queued -> sending; return it, or None if not ours to send.

    The conditional UPDATE is the guard against double delivery: of two
    workers running the same task (a redelivered message, the beat scan
    and a retry, two prefork children) only one sees a row count of 1.
    """
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=OutboxMessage.Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
    )
    if claimed != 1:
        return None
    return OutboxMessage.objects.get(pk=message_id)


def outbox_deliver(*, message_id):
    """Send one message if it is due and nobody else is sending it.

    Return the message after the attempt (status sent, queued for a retry
    at ``next_attempt_at``, or failed), or None when there was nothing to do.
    """
    message = _claim(message_id)
    if message is None:
        return None

    now = timezone.now()
    try:
        channels.send(message)
    except channels.TransientError as exc:
        error = str(exc)
        if message.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            status, next_attempt_at = OutboxMessage.Status.FAILED, None
        else:
            status = OutboxMessage.Status.QUEUED
            next_attempt_at = now + OutboxMessage.retry_delay(message.attempts)
    except channels.PermanentError as exc:
        error, status, next_attempt_at = str(exc), OutboxMessage.Status.FAILED, None
    except Exception as exc:
        # A bug must not leave the row in "sending" until the rescue; treat
        # it as transient so a fixed deployment still sends the message.
        logger.exception("unexpected error delivering outbox message %s", message_id)
        error = f"{type(exc).__name__}: {exc}"[:300]
        if message.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            status, next_attempt_at = OutboxMessage.Status.FAILED, None
        else:
            status = OutboxMessage.Status.QUEUED
            next_attempt_at = now + OutboxMessage.retry_delay(message.attempts)
    else:
        # The recipient has the message; the stored copy keeps no live secret
        # link (a reporter's or booking's ?token=), which would let whoever
        # reads the outbox act as the recipient.
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.SENDING).update(
            status=OutboxMessage.Status.SENT,
            sent_at=now,
            last_error="",
            next_attempt_at=None,
            body=mask_url_secrets(message.body),
        )
        message.refresh_from_db()
        return message

    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.SENDING).update(
        status=status, last_error=error, next_attempt_at=next_attempt_at
    )
    message.refresh_from_db()
    if status == OutboxMessage.Status.FAILED:
        logger.warning("outbox message %s failed: %s", message.pk, error)
    return message


def outbox_retry(*, messages):
    """Queue failed messages again now (the admin "retry" action).

    Return the number of messages queued. Sent messages are left alone and
    rows being sent right now are not touched.
    """
    ids = [m.pk for m in messages]
    with transaction.atomic():
        retried = list(
            OutboxMessage.objects.filter(pk__in=ids, status=OutboxMessage.Status.FAILED)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=retried).update(
            status=OutboxMessage.Status.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_at=None,
        )
        for message_id in retried:
            transaction.on_commit(lambda pk=message_id: outbox_enqueue(message_id=pk))
    return len(retried)


def outbox_deliver_pending(*, now=None):
    """Rescue rows of dead workers and enqueue every message that is due.

    Return (rescued, enqueued). Set-based: two UPDATEs and one SELECT
    whatever the number of rows.
    """
    now = now or timezone.now()
    stuck = Q(status=OutboxMessage.Status.SENDING, claimed_at__lt=now - STUCK_AFTER)
    # A worker killed mid-send may or may not have handed the message over;
    # the row has waited the task time limit twice over, so try once more.
    exhausted = OutboxMessage.objects.filter(
        stuck, attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS
    ).update(
        status=OutboxMessage.Status.FAILED,
        last_error="worker lost while sending; no attempts left",
    )
    requeued = OutboxMessage.objects.filter(stuck).update(
        status=OutboxMessage.Status.QUEUED,
        last_error="worker lost while sending",
        next_attempt_at=now,
    )
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.QUEUED,
            next_attempt_at__lte=now - datetime.timedelta(seconds=PENDING_GRACE_SECONDS),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:PENDING_BATCH]
    )
    # Requeued rows are due now; they join the next scan after the grace.
    for message_id in due:
        outbox_enqueue(message_id=message_id)
    return exhausted + requeued, len(due)


def seconds_until(moment):
    """Return whole seconds from now until ``moment`` (at least 1)."""
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))
