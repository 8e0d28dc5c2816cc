"""Outgoing events to agencies' own systems, and the log of each delivery."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """Every event an app may send; an app names its own, the platform delivers it."""

    COMPLAINT_DISPATCHED = "complaint.dispatched", _("Pengaduan diteruskan ke instansi")
    NIB_RECORDED = "nib.recorded", _("NIB dicatat (SIPABES)")
    BERITA_ACARA_SIGNED = "berita_acara.signed", _("Berita acara FKM ditandatangani")


def all_events():
    return list(Event.values)


def new_delivery_id():
    return uuid.uuid4().hex


class Webhook(models.Model):
    """An agency system that receives the events it subscribed to, signed."""

    Event = Event

    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name=_("instansi"),
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    url = models.URLField(_("URL"))
    secret = models.CharField(_("rahasia HMAC"), max_length=100)
    is_active = models.BooleanField(_("aktif"), default=True)
    events = ArrayField(
        models.CharField(max_length=50, choices=Event.choices),
        verbose_name=_("peristiwa"),
        default=all_events,
        help_text=_("Peristiwa yang dikirim ke alamat ini."),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        ordering = ["agency", "url"]
        verbose_name = _("webhook instansi")
        verbose_name_plural = _("webhook instansi")
        constraints = [
            models.UniqueConstraint(fields=["agency", "url"], name="webhook_agency_url_unique"),
        ]

    def __str__(self):
        return f"{self.agency}: {self.url}"

    def receives(self, event):
        return self.is_active and event in self.events


class WebhookDelivery(models.Model):
    """One event for one webhook: its fixed body, each attempt's outcome.

    The body and the webhook are fixed when the event happens, so every
    retry sends the same event to the same endpoint, whatever happened
    to the object since.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu / diulang")
        DELIVERED = "delivered", _("Terkirim")
        REFUSED = "refused", _("Ditolak penerima")
        FAILED = "failed", _("Gagal")
        CANCELLED = "cancelled", _("Dibatalkan (webhook nonaktif)")

    event = models.CharField(_("peristiwa"), max_length=50, choices=Event.choices)
    # X-MPP-Delivery: the same on every retry, so a receiver deduplicates.
    delivery_id = models.CharField(
        _("ID pengiriman"), max_length=32, unique=True, default=new_delivery_id, editable=False
    )
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name=_("instansi"),
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
    )
    webhook = models.ForeignKey(
        Webhook,
        verbose_name=_("webhook"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    payload = models.JSONField(_("isi"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("jumlah percobaan"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("kode HTTP terakhir"), null=True, blank=True
    )
    last_error = models.TextField(_("galat terakhir"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("percobaan terakhir"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("terkirim"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pengiriman webhook")
        verbose_name_plural = _("pengiriman webhook")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="webhook_delivered_has_delivered_at",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="webhook_delivery_agency_idx")
        ]

    def __str__(self):
        return f"{self.event} → {self.agency} ({self.status})"
