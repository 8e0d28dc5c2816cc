"""Send one outbox message on its channel.

``send(message)`` returns on success and raises ``TransientError`` (try
again later) or ``PermanentError`` (trying again cannot help). Nothing
here touches the database: outbox_deliver() records the outcome.
"""

import json
import smtplib
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage

# Keep last_error readable in the admin even if a gateway answers a page.
ERROR_SNIPPET = 300


class DeliveryError(Exception):
    """The channel did not take the message."""


class TransientError(DeliveryError):
    """A timeout, a dropped connection or a 5xx: worth another try."""


class PermanentError(DeliveryError):
    """A refused address, a 4xx or a missing configuration."""


def send(message):
    from mpp_portal.notifications.models import OutboxMessage

    if message.channel == OutboxMessage.Channel.EMAIL:
        send_email(message)
    elif message.channel in (OutboxMessage.Channel.SMS, OutboxMessage.Channel.WHATSAPP):
        send_gateway(message)
    else:
        raise PermanentError(f"unknown channel {message.channel!r}")


def send_email(message):
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
    )
    try:
        email.send(fail_silently=False)
    except (BadHeaderError, ValueError, smtplib.SMTPRecipientsRefused) as exc:
        raise PermanentError(f"email refused: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        # SMTP 5xx replies are final, 4xx ask the sender to come back later.
        error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:ERROR_SNIPPET]
        if 500 <= exc.smtp_code < 600:
            raise PermanentError(error) from exc
        raise TransientError(error) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"email server unreachable: {exc}") from exc


def send_gateway(message):
    """POST the message to the SMS/WhatsApp HTTP gateway."""
    if not settings.SMS_GATEWAY_URL:
        raise PermanentError("SMS gateway not configured (set SMS_GATEWAY_URL)")
    payload = json.dumps(
        {"to": message.recipient, "message": message.body, "channel": message.channel}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by settings
        settings.SMS_GATEWAY_URL,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
        },
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.SMS_GATEWAY_TIMEOUT
        ) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = _read_snippet(exc)
        error = f"gateway HTTP {exc.code}: {detail}"[:ERROR_SNIPPET]
        # 429 is the gateway asking to slow down, not a bad message.
        if exc.code >= 500 or exc.code == 429:
            raise TransientError(error) from exc
        raise PermanentError(error) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransientError(f"gateway unreachable: {reason}"[:ERROR_SNIPPET]) from exc
    except OSError as exc:
        raise TransientError(f"gateway unreachable: {exc}"[:ERROR_SNIPPET]) from exc


def _read_snippet(response):
    try:
        return response.read(ERROR_SNIPPET).decode("utf-8", "replace").strip()
    except OSError:
        return ""
