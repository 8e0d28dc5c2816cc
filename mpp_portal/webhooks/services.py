"""Send events to agencies' systems: one signed POST per webhook, retried, logged.

An app calls ``webhook_send(event=..., agency=..., payload=...)`` inside
the transaction of the change it reports. Each active webhook of the
agency that subscribed to the event gets a WebhookDelivery row and a job
(``mpp_portal.jobs``), so nothing is sent for a rolled back change and a
broker outage delays the POST instead of losing it.

Headers of each POST: ``X-MPP-Event`` (the event name), ``X-MPP-Delivery``
(one id per delivery, the same on every retry), ``X-MPP-Timestamp`` (Unix
seconds of this attempt) and ``X-MPP-Signature`` ("sha256=" + the hex
HMAC-SHA256, keyed with the webhook's secret, of the timestamp, a dot and
the raw body).
"""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.db.models import F
from django.utils import timezone

from mpp_portal.jobs.services import enqueue
from mpp_portal.webhooks.models import Event, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

DELIVER_TASK = "mpp_portal.webhooks.tasks.deliver"
TIMEOUT_SECONDS = 10


def webhook_send(*, event: str, agency, payload: dict) -> list[WebhookDelivery]:
    """Queue ``event`` with ``payload`` for every webhook of ``agency`` that takes it.

    Return the deliveries (none when the agency has no such webhook). The
    body is ``payload`` with ``"event"`` first; a payload that names
    another event is refused.
    """
    if event not in Event.values:
        raise ValueError(f"unknown webhook event {event!r}; add it to webhooks.models.Event")
    if payload.get("event", event) != event:
        raise ValueError(f"payload names event {payload['event']!r}, not {event!r}")
    body = {"event": event, **payload}
    deliveries = []
    for webhook in Webhook.objects.filter(agency=agency, is_active=True, events__contains=[event]):
        delivery = WebhookDelivery.objects.create(
            event=event, agency=agency, webhook=webhook, payload=body
        )
        enqueue(DELIVER_TASK, key=f"webhook-delivery:{delivery.pk}", delivery_pk=delivery.pk)
        deliveries.append(delivery)
    return deliveries


def webhook_sign(secret: str, body: bytes, timestamp: str) -> str:
    """Return the X-MPP-Signature value: HMAC-SHA256 of "<timestamp>.<body>".

    The timestamp (X-MPP-Timestamp, Unix seconds) is signed with the body so
    a receiver can refuse an old request replayed later.
    """
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _record(delivery, **fields):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)


def webhook_deliver(*, delivery_pk: int) -> int | None:
    """POST one delivery, signed; raise on a transient failure so the task retries.

    Return the HTTP status of the answer, or None when there was nothing
    to send (already delivered or refused, or the webhook was switched off
    or deleted since). A 5xx or 429 answer and network errors raise (an
    OSError); any other non-2xx answer is a refusal, logged and not retried.
    """
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_pk)
    if delivery.status != WebhookDelivery.Status.PENDING:
        return None
    webhook = delivery.webhook
    if webhook is None or not webhook.receives(delivery.event):
        _record(delivery, status=WebhookDelivery.Status.CANCELLED)
        return None

    body = json.dumps(delivery.payload, sort_keys=True).encode()
    now = timezone.now()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-MPP-Event": delivery.event,
        "X-MPP-Delivery": delivery.delivery_id,
        "X-MPP-Timestamp": timestamp,
        "X-MPP-Signature": webhook_sign(webhook.secret, body, timestamp),
    }
    request = urllib.request.Request(  # noqa: S310 - URL set by an admin, http(s) only
        webhook.url, data=body, method="POST", headers=headers
    )
    attempt = {"attempts": F("attempts") + 1, "last_attempt_at": now}
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        _record(delivery, last_status_code=exc.code, last_error=f"HTTP {exc.code}", **attempt)
        if exc.code >= 500 or exc.code == 429:
            raise
        _record(delivery, status=WebhookDelivery.Status.REFUSED)
        logger.warning(
            "webhook %s (%s) refused with %s", delivery.delivery_id, delivery.event, exc.code
        )
        return exc.code
    except OSError as exc:
        _record(delivery, last_status_code=None, last_error=str(exc)[:1000], **attempt)
        raise
    _record(
        delivery,
        status=WebhookDelivery.Status.DELIVERED,
        delivered_at=timezone.now(),
        last_status_code=status,
        last_error="",
        **attempt,
    )
    return status


def webhook_give_up(*, delivery_pk: int, error: str) -> None:
    """Mark a delivery failed once its task has no retry left."""
    WebhookDelivery.objects.filter(pk=delivery_pk, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, last_error=error[:1000]
    )
    logger.warning("webhook delivery %s failed for good: %s", delivery_pk, error)
