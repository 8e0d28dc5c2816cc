"""The MCP KPK evidence pack: the indicators it answers and the packs built.

``Indicator`` is the hall's editable list of what the KPK's monitoring
(MCP, area "Pelayanan Publik") asks for, each answered by one figure of the
dashboard (``figure_key`` = ``"tile.figure"``, see regency.figures) or by one
document of the pack (``document``). Next year's wording changes rows, not
code.

``EvidencePack`` is one ZIP built for a hall and a period by a Celery task
(regency.evidence). Its file is private: served only to the hall's admins
by regency.evidence_views, never under a media URL a visitor could guess.
"""

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.permissions import scope
from regency.periods import Period

FIGURE_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")


class PackDocument(models.TextChoices):
    """The documents a pack holds besides its cover and manifest."""

    BERITA_ACARA = "berita_acara", _("Berita acara FKM bertanda tangan")
    IKM_REPORT = "ikm_report", _("Laporan IKM per semester")
    COMPLAINTS_REPORT = "complaints_report", _("Laporan tindak lanjut pengaduan")
    AGREEMENTS = "agreements", _("Daftar perjanjian kerja sama yang berlaku")
    SERVICE_STANDARDS = "service_standards", _("Standar pelayanan setiap layanan")
    SIPABES = "sipabes", _("Ringkasan SIPABES")


class IndicatorQuerySet(models.QuerySet):
    def for_hall(self, hall):
        return self.filter(hall=hall)

    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        return scope(self, user, "evidence.export", hall="hall_id")


class Indicator(models.Model):
    """One line of the MCP's list, and the portal source that answers it."""

    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)
    code = models.CharField(
        _("kode"), max_length=20, help_text=_("Nomor indikator dalam daftar MCP, mis. 3.1.")
    )
    area = models.CharField(
        _("area"),
        max_length=120,
        default="Pelayanan Publik",
        help_text=_("Area intervensi MCP KPK, mis. Pelayanan Publik."),
    )
    name = models.CharField(_("nama indikator"), max_length=300)
    figure_key = models.CharField(
        _("angka dasbor"),
        max_length=80,
        blank=True,
        help_text=_('Kunci angka dasbor yang menjawabnya, mis. "complaints.received".'),
    )
    document = models.CharField(
        _("dokumen dalam paket"),
        max_length=30,
        blank=True,
        choices=PackDocument.choices,
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["hall", "order", "code", "pk"]
        verbose_name = _("indikator MCP")
        verbose_name_plural = _("indikator MCP")
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "code"],
                name="indicator_unique_code",
                violation_error_message=_("Kode ini sudah dipakai indikator lain."),
            ),
            # Exactly one source: a figure or a document.
            models.CheckConstraint(
                condition=(Q(figure_key="") & ~Q(document=""))
                | (~Q(figure_key="") & Q(document="")),
                name="indicator_one_source",
                violation_error_message=_(
                    "Pilih satu sumber: angka dasbor atau dokumen dalam paket, tidak keduanya."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        self.figure_key = (self.figure_key or "").strip()
        # Both or neither source: the constraint indicator_one_source says so.
        if self.figure_key and not FIGURE_KEY.match(self.figure_key):
            raise ValidationError(
                {"figure_key": _('Tulis kunci sebagai "kartu.angka", mis. "complaints.received".')}
            )

    @property
    def source_label(self):
        if self.document:
            return self.get_document_display()
        return self.figure_key


def pack_path(instance, filename):
    # A random name under a private prefix: never served by a media URL.
    return f"evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.zip"


class EvidencePackQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The packs of the user's hall, to its admins only."""
        return scope(self, user, "evidence.export", hall="hall_id")


class EvidencePack(models.Model):
    """One ZIP of evidence for one hall and period, built in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Dalam antrean")
        BUILDING = "building", _("Sedang disusun")
        READY = "ready", _("Siap diunduh")
        FAILED = "failed", _("Gagal")

    class Step(models.TextChoices):
        WAITING = "", _("Menunggu giliran")
        FIGURES = "figures", _("Menghitung angka dasbor")
        DOCUMENTS = "documents", _("Mengumpulkan dokumen")
        COVER = "cover", _("Menerbitkan sampul dan menyusun ZIP")

    # DESIGN.md §3: a failed pack stays failed; the admin asks for a new one.
    TRANSITIONS = {
        Status.QUEUED: {Status.BUILDING, Status.FAILED},
        Status.BUILDING: {Status.READY, Status.FAILED},
        Status.READY: set(),
        Status.FAILED: set(),
    }

    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.PROTECT,
        related_name="evidence_packs",
    )
    period = models.CharField(_("periode"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    step = models.CharField(
        _("langkah"), max_length=10, choices=Step.choices, default=Step.WAITING, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diminta oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("diminta pada"), default=timezone.now)
    started_at = models.DateTimeField(_("mulai disusun"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    file = models.FileField(_("berkas"), upload_to=pack_path, max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("ukuran (bita)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    files = models.PositiveSmallIntegerField(_("jumlah berkas"), null=True, blank=True)
    cover = models.ForeignKey(
        "documents.IssuedDocument",
        verbose_name=_("sampul"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    error = models.TextField(_("pesan galat"), blank=True)

    objects = EvidencePackQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("paket bukti MCP")
        verbose_name_plural = _("paket bukti MCP")
        constraints = [
            # A ready pack has its file; any other has none (no half-written ZIP).
            models.CheckConstraint(
                condition=(Q(status="ready") & ~Q(file="") & ~Q(sha256=""))
                | (~Q(status="ready") & Q(file="")),
                name="evidencepack_file_iff_ready",
            ),
            # One pack in the making per hall and period: a double click,
            # or two admins at once, builds it once.
            models.UniqueConstraint(
                fields=["hall", "period"],
                condition=Q(status__in=["queued", "building"]),
                name="evidencepack_one_open_per_period",
            ),
        ]
        indexes = [models.Index(fields=["hall", "-requested_at"])]

    def __str__(self):
        return f"{self.hall_id} {self.period} #{self.pk}"

    @property
    def period_obj(self):
        return Period.from_slug(self.period)

    @property
    def is_open(self):
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)

    @property
    def download_filename(self):
        return f"paket-bukti-mcp-{self.period}-{self.pk}.zip"
