"""PKS cooperation agreements of a hall with its stakeholders (DOMAIN.md).

The stakeholders are the hall's ``Agency`` rows (kind, head who signs,
contact person); there is no second list of organisations. An agreement
moves through ``Agreement.TRANSITIONS`` only by the functions of
``agreements.services`` and the daily task, both through
``mpp_portal.transitions``. ``expiring`` is derived from the end date and
never stored.
"""

import datetime
import secrets

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.permissions import scope
from mpp_portal.organizations.models import Agency, Hall

# An active agreement whose end is this many days away or fewer is expiring.
EXPIRING_DAYS = 90
# Reminders before the end, largest first (DESIGN.md §5, issue 12).
REMINDER_DAYS = (90, 60, 30)
SCAN_MAX_BYTES = 10 * 1024 * 1024


def _today():
    # Used for mocking in tests (freezegun moves it with the clock).
    return timezone.localdate()


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user, capability="agreements.view"):
        """Hall admins: their hall's agreements; agency roles: those their
        agency is a party to."""
        return scope(self, user, capability, hall="hall_id", agency="parties__agency_id").distinct()

    def expiring(self, *, today=None, days=EXPIRING_DAYS):
        """Active agreements that end within ``days`` days (0 = ends today)."""
        today = today or _today()
        return self.filter(
            status=Agreement.Status.ACTIVE,
            end_date__isnull=False,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=days),
        )

    def ending_within(self, days, *, today=None):
        """Not yet finished agreements that end within ``days`` days."""
        today = today or _today()
        return self.filter(
            status__in=[Agreement.Status.DRAFT, Agreement.Status.SIGNED, Agreement.Status.ACTIVE],
            end_date__isnull=False,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=days),
        )

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(title__icontains=text) | Q(parties__number__icontains=text)).distinct()


def scan_path(instance, filename):
    # A random name under a private prefix: never served by a media URL.
    return f"agreements/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.pdf"


class Agreement(models.Model):
    class Kind(models.TextChoices):
        MOU = "nota_kesepakatan", _("Nota kesepakatan")
        JOINT = "kesepakatan_bersama", _("Kesepakatan bersama")
        PKS = "pks", _("Perjanjian kerja sama")
        ADDENDUM = "adendum", _("Adendum")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Konsep")
        SIGNED = "signed", _("Ditandatangani")
        ACTIVE = "active", _("Berlaku")
        EXPIRED = "expired", _("Berakhir")
        TERMINATED = "terminated", _("Diakhiri")
        RENEWED = "renewed", _("Diperpanjang")

    # Fields an adendum may change (amended_fields holds a subset).
    AMENDABLE = {
        "title": _("judul"),
        "scope": _("ruang lingkup (layanan dan loket)"),
        "duties": _("hak dan kewajiban"),
        "staff_count": _("jumlah petugas"),
        "financing": _("pembiayaan"),
        "term": _("jangka waktu"),
        "monitoring": _("monitoring dan evaluasi"),
        "hours": _("jam layanan"),
    }

    # DESIGN.md §3. Expired may still be renewed (a late renewal).
    TRANSITIONS = {
        Status.DRAFT: {Status.SIGNED},
        Status.SIGNED: {Status.ACTIVE, Status.TERMINATED},
        Status.ACTIVE: {Status.EXPIRED, Status.TERMINATED, Status.RENEWED},
        Status.EXPIRED: {Status.RENEWED},
        Status.TERMINATED: set(),
        Status.RENEWED: set(),
    }

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="agreements")
    kind = models.CharField(_("jenis"), max_length=30, choices=Kind.choices, default=Kind.PKS)
    title = models.CharField(_("judul"), max_length=300)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    signed_on = models.DateField(_("tanggal penandatanganan"), null=True, blank=True)
    signed_place = models.CharField(_("tempat penandatanganan"), max_length=100, blank=True)
    legal_basis = models.TextField(_("dasar hukum"), blank=True)
    purpose = models.TextField(_("maksud dan tujuan"), blank=True)
    regency_duties = models.TextField(
        _("kewajiban pemerintah daerah"),
        blank=True,
        help_text=_("Mis. ruang, listrik, internet, mebel."),
    )
    partner_duties = models.TextField(
        _("kewajiban mitra"),
        blank=True,
        help_text=_("Mis. petugas, SOP, peralatan, jam layanan."),
    )
    staff_count = models.PositiveSmallIntegerField(_("jumlah petugas ditempatkan"), default=0)
    financing = models.TextField(_("pembiayaan"), blank=True)
    start_date = models.DateField(_("mulai berlaku"), null=True, blank=True)
    end_date = models.DateField(
        _("berakhir"), null=True, blank=True, help_text=_("Kosongkan bila tanpa batas waktu.")
    )
    renewal_clause = models.TextField(_("ketentuan perpanjangan"), blank=True)
    monitoring = models.TextField(_("monitoring dan evaluasi"), blank=True)
    witnesses = models.TextField(_("saksi"), blank=True, help_text=_("Satu saksi per baris."))
    services = models.ManyToManyField(
        "services.Service", verbose_name=_("layanan"), blank=True, related_name="agreements"
    )
    counters = models.ManyToManyField(
        "services.Counter", verbose_name=_("loket"), blank=True, related_name="agreements"
    )
    # The chain.
    implements = models.ForeignKey(
        "self",
        verbose_name=_("melaksanakan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implementations",
        help_text=_("Nota kesepakatan atau kesepakatan bersama yang dilaksanakan."),
    )
    amends = models.ForeignKey(
        "self",
        verbose_name=_("mengubah"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addenda",
    )
    amended_fields = models.JSONField(_("bagian yang diubah"), default=list, blank=True)
    renews = models.ForeignKey(
        "self",
        verbose_name=_("memperpanjang"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("penggantinya"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    terminated_on = models.DateField(_("tanggal diakhiri"), null=True, blank=True)
    termination_reason = models.TextField(_("alasan diakhiri"), blank=True)
    # The signed scan: PDF only, checked by content, private storage.
    scan = models.FileField(upload_to=scan_path, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    scan_size = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "-pk"]
        verbose_name = _("perjanjian kerja sama")
        verbose_name_plural = _("perjanjian kerja sama")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="agreement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(amends=models.F("pk")) & ~Q(renews=models.F("pk")),
                name="agreement_chain_not_self",
            ),
        ]
        indexes = [models.Index(fields=["hall", "status", "end_date"])]

    def __str__(self):
        # The number only when the parties are at hand: a list of many
        # agreements (the audit of a bulk move) must not query per row.
        if "parties" not in getattr(self, "_prefetched_objects_cache", {}):
            return self.title
        number = self.main_number
        return f"{number} · {self.title}" if number else self.title

    def get_absolute_url(self):
        return reverse("agreements:detail", args=[self.pk])

    @property
    def main_number(self):
        """The regency's number, else the first party's (prefetched parties)."""
        parties = list(self.parties.all())
        for party in parties:
            if party.agency_id is None and party.number:
                return party.number
        return next((p.number for p in parties if p.number), "")

    def days_left(self, today=None):
        if self.end_date is None:
            return None
        return (self.end_date - (today or _today())).days

    def is_expiring(self, today=None):
        """Derived: active and ending within EXPIRING_DAYS (0 = ends today)."""
        left = self.days_left(today)
        return self.status == self.Status.ACTIVE and left is not None and 0 <= left <= EXPIRING_DAYS

    @property
    def expiring(self):
        return self.is_expiring()

    @property
    def is_open_ended(self):
        return self.end_date is None

    def amended_field_labels(self):
        return [str(self.AMENDABLE.get(name, name)) for name in self.amended_fields]

    def agency_ids(self):
        return {p.agency_id for p in self.parties.all() if p.agency_id is not None}


class AgreementParty(models.Model):
    """One side of an agreement: the regency (no agency) or an agency."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("instansi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreement_parties",
        help_text=_("Kosong untuk pemerintah daerah."),
    )
    name = models.CharField(_("nama pihak"), max_length=200)
    number = models.CharField(_("nomor dari pihak ini"), max_length=120, blank=True)
    signatory_name = models.CharField(_("nama penanda tangan"), max_length=150, blank=True)
    signatory_title = models.CharField(_("jabatan penanda tangan"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["agreement", "position", "pk"]
        verbose_name = _("pihak")
        verbose_name_plural = _("pihak")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "agency"], name="agreementparty_agency_once"
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(agency__isnull=True),
                name="agreementparty_one_regency",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_regency(self):
        return self.agency_id is None


class ExpiryReminder(models.Model):
    """One row per reminder sent: the unique key makes the daily task safe
    to run twice or concurrently (INSERT ... ON CONFLICT DO NOTHING)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    days = models.PositiveSmallIntegerField()
    end_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "days", "end_date"], name="expiryreminder_once"
            )
        ]

    def __str__(self):
        return f"{self.agreement_id} H-{self.days}"


class PendingService(models.Model):
    """A service of the regency not yet in the MPP (kept by the hall admin)."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="pending_services")
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("instansi di MPP"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Kosongkan bila instansinya belum hadir di MPP."),
    )
    agency_name = models.CharField(_("instansi"), max_length=200)
    service_name = models.CharField(_("nama layanan"), max_length=200)
    reason = models.TextField(_("alasan belum di MPP"), blank=True)
    planned_on = models.DateField(_("rencana masuk MPP"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["planned_on", "agency_name", "service_name"]
        verbose_name = _("layanan belum di MPP")
        verbose_name_plural = _("layanan belum di MPP")
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "agency_name", "service_name"], name="pendingservice_once"
            )
        ]

    def __str__(self):
        return f"{self.agency_name}: {self.service_name}"


class CoverageSnapshot(models.Model):
    """The hall's coverage figures of one day, for the chart over time."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="coverage_snapshots")
    date = models.DateField()
    services_in_mpp = models.PositiveIntegerField()
    services_covered = models.PositiveIntegerField()
    services_pending = models.PositiveIntegerField()

    class Meta:
        ordering = ["hall", "date"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "date"], name="coveragesnapshot_daily")
        ]

    def __str__(self):
        return f"{self.hall_id} {self.date}"

    @property
    def share_centralised(self):
        total = self.services_in_mpp + self.services_pending
        return round(100 * self.services_in_mpp / total, 1) if total else 0.0

    @property
    def share_covered(self):
        return (
            round(100 * self.services_covered / self.services_in_mpp, 1)
            if self.services_in_mpp
            else 0.0
        )
