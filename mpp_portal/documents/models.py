import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.permissions import scope

# No 0/O, 1/I/L: the code is read off paper and typed in by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# 31 ** 14 is about 2 ** 69: far beyond guessing, short enough to type.
CODE_LENGTH = 14


def new_verification_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(value):
    """Read a code as typed: any case, with spaces or dashes between groups."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


class IssuedDocumentQuerySet(models.QuerySet):
    def for_hall(self, hall):
        return self.filter(hall=hall)

    def valid(self):
        return self.filter(is_revoked=False)

    def visible_to(self, user):
        """The registry a hall admin reads: their hall's documents."""
        return scope(self, user, "admin.site", hall="hall_id")


class IssuedDocument(models.Model):
    """A PDF the portal issued: its number, its fingerprint and its QR code.

    Everything shown on the public verification page comes from here, so
    the title must not carry a citizen's personal data.
    """

    class Kind(models.TextChoices):
        # Add new kinds here; the column is wide enough for long codes.
        GENERIC = "generic", _("Dokumen umum")
        BERITA_ACARA = "berita_acara", _("Berita acara")
        NIB_RECEIPT = "nib_receipt", _("Tanda terima NIB")
        IKM_REPORT = "ikm_report", _("Laporan IKM")
        TICKET = "ticket", _("Tiket antrean")
        BOOKING = "booking", _("Bukti pemesanan")
        PKS = "pks", _("Perjanjian kerja sama")
        FORUM_REPORT = "forum_report", _("Laporan tindak lanjut FKM")
        EVIDENCE_PACK = "evidence_pack", _("Paket bukti MCP KPK")

    kind = models.CharField(_("jenis"), max_length=40, choices=Kind.choices)
    number = models.CharField(_("nomor"), max_length=120)
    title = models.CharField(_("judul"), max_length=255)
    verification_code = models.CharField(
        _("kode verifikasi"), max_length=32, unique=True, editable=False
    )
    file = models.FileField(_("berkas"), upload_to="documents/%Y/%m/", max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("ukuran (bita)"))
    issued_at = models.DateTimeField(_("diterbitkan pada"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diterbitkan oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issued_documents",
    )
    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    related_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Text, so objects with UUID or string keys can be pointed at too.
    related_id = models.CharField(max_length=64, null=True, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    signed = models.BooleanField(
        _("bertanda tangan elektronik"), default=False, help_text=_("Tanda tangan PAdES.")
    )
    is_revoked = models.BooleanField(_("dicabut"), default=False)
    revoked_reason = models.TextField(_("alasan pencabutan"), blank=True)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)

    objects = IssuedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("dokumen terbit")
        verbose_name_plural = _("dokumen terbit")
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="issueddocument_unique_number"),
            models.CheckConstraint(
                condition=models.Q(is_revoked=False) | ~models.Q(revoked_reason=""),
                name="issueddocument_revoked_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["related_type", "related_id"])]

    def __str__(self):
        return f"{self.number} · {self.title}"

    def get_absolute_url(self):
        return reverse("documents:verify", args=[self.verification_code])

    def get_download_url(self):
        return reverse("documents:download", args=[self.verification_code])

    @property
    def verification_url(self):
        return settings.SITE_URL + self.get_absolute_url()

    @property
    def download_filename(self):
        safe = "".join(ch if ch.isalnum() else "-" for ch in self.number).strip("-")
        return f"{self.kind}-{safe or self.verification_code}.pdf"
