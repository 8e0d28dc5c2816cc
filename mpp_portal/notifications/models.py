"""The notification outbox: one row per message to one recipient.

A message is written in the same transaction as the change it reports
and delivered afterwards by a Celery task, so a rolled back change sends
nothing and a broker outage delays a message instead of losing it.
"""

import datetime

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mpp_portal.masking import mask_email, mask_phone

# First retry after 30 s, then 60 s, 120 s ... but never more than an hour.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
# A row left in "sending" this long belongs to a worker that died: the task
# time limit (CELERY_TASK_TIME_LIMIT, 5 minutes) has long passed.
STUCK_AFTER = datetime.timedelta(minutes=10)


class OutboxMessage(models.Model):
    """A message waiting for, or done with, delivery on one channel."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Surel")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Dalam antrean")
        SENDING = "sending", _("Sedang dikirim")
        SENT = "sent", _("Terkirim")
        FAILED = "failed", _("Gagal")

    channel = models.CharField(_("kanal"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("penerima"), max_length=254)
    subject = models.CharField(_("judul"), max_length=200, blank=True)
    body = models.TextField(_("isi"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("jumlah percobaan"), default=0)
    last_error = models.TextField(_("galat terakhir"), blank=True)
    # The same logical message ("booking 123 reminder") is queued once.
    # NULLs never collide in PostgreSQL, so messages without a key are free.
    dedupe_key = models.CharField(
        _("kunci deduplikasi"), max_length=200, null=True, blank=True, unique=True
    )
    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    related = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("percobaan berikutnya"), null=True, blank=True)
    # Stamped by the claim; the rescue of dead workers' rows reads it.
    claimed_at = models.DateTimeField(_("diambil pekerja"), null=True, blank=True)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)

    # Allowed status changes; outbox_deliver() and the rescue perform them
    # with conditional UPDATEs, the admin "retry" with failed -> queued.
    TRANSITIONS = {
        Status.QUEUED: {Status.SENDING},
        Status.SENDING: {Status.SENT, Status.QUEUED, Status.FAILED},
        Status.FAILED: {Status.QUEUED},
        Status.SENT: set(),
    }

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pesan keluar")
        verbose_name_plural = _("pesan keluar")
        constraints = [
            models.CheckConstraint(condition=~Q(dedupe_key=""), name="outbox_dedupe_key_not_empty"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="outbox_sent_has_sent_at",
            ),
        ]
        indexes = [
            # The beat scan reads only the few rows still waiting.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_queued_due_idx",
                condition=Q(status="queued"),
            ),
            models.Index(
                fields=["claimed_at"],
                name="outbox_sending_idx",
                condition=Q(status="sending"),
            ),
            models.Index(fields=["content_type", "object_id"], name="outbox_related_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.masked_recipient} ({self.status})"

    @property
    def masked_recipient(self):
        """Return the recipient with most of the address or number hidden."""
        if self.channel == self.Channel.EMAIL:
            return mask_email(self.recipient)
        return mask_phone(self.recipient)

    def can_transition(self, target):
        return target in self.TRANSITIONS.get(self.status, set())

    @staticmethod
    def retry_delay(attempts):
        """Return the wait before the next try after ``attempts`` tries."""
        seconds = RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
        return datetime.timedelta(seconds=min(seconds, RETRY_MAX_SECONDS))
