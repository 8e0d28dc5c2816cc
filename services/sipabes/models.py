"""SIPABES: NIB issued at the market (DOMAIN.md "SIPABES").

Officers visit a market (``Visit``), register each trader (``Registration``)
with the trader's KBLI 2020 activities (``Kbli``), record the NIB that OSS RBA
issued and hand over a receipt. ``InvestmentTarget`` is the regency's yearly
investment target the dashboard compares registered capital with.

Status moves only through ``services.py`` (``mpp_portal.transitions``).
The data names here are a contract with the dashboard
(services/sipabes/dashboard.py): keep them.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts import permissions

# Kabupaten Lebong's 12 kecamatan, Kemendagri codes (DOMAIN.md "Identity numbers").
LEBONG_DISTRICTS = [
    ("17.07.01", "Lebong Utara"),
    ("17.07.02", "Lebong Atas"),
    ("17.07.03", "Lebong Tengah"),
    ("17.07.04", "Lebong Selatan"),
    ("17.07.05", "Rimbo Pengadang"),
    ("17.07.06", "Topos"),
    ("17.07.07", "Bingin Kuning"),
    ("17.07.08", "Lebong Sakti"),
    ("17.07.09", "Pelabai"),
    ("17.07.10", "Amen"),
    ("17.07.11", "Uram Jaya"),
    ("17.07.12", "Pinang Belapis"),
]
DISTRICT_NAMES = dict(LEBONG_DISTRICTS)

# PP 7/2021 Pasal 35: business scale by capital excluding land and buildings.
MIKRO_MAX = 1_000_000_000
KECIL_MAX = 5_000_000_000
MENENGAH_MAX = 10_000_000_000

nib_validator = RegexValidator(
    r"^\d{13}\Z", _("NIB terdiri dari tepat 13 angka."), code="nib_format"
)
kbli_code_validator = RegexValidator(
    r"^\d{5}\Z", _("Kode KBLI 2020 terdiri dari tepat 5 angka."), code="kbli_format"
)


def _hall_scope(queryset, user, hall_lookup="hall_id"):
    """Rows of the user's hall for SIPABES officers, hall admins and DPMPTSP tokens.

    A SIPABES officer is not a hall-wide role in accounts.permissions, but
    their work covers every market of their hall; an API client reaches
    SIPABES when its agency is the hall's DPMPTSP (the agency that runs it).
    """
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    if user.is_superuser:
        return queryset
    hall_id = sipabes_hall_id(user)
    return queryset.filter(**{hall_lookup: hall_id}) if hall_id else queryset.none()


# ---------------------------------------------------------------------------
# Who reaches SIPABES: the app's one access rule (every view, list, export and
# API endpoint asks these two functions; DESIGN.md / issue 10).
#
#   person                          reach (pages, list,   full NIK + phone on
#                                   API of the hall)      the detail page
#   SIPABES officer (DPMPTSP)       yes                   yes
#   DPMPTSP agency admin            yes                   yes
#   hall admin (MPP, not DPMPTSP)   yes                   no (masked)
#   DPMPTSP counter staff           no                    no (not SIPABES work)
#   other agencies' staff/admins    no                    no
#   DPMPTSP API client (token)      API only              no (API masks NIK)
#   any of the above, another hall  no                    no
#
# Full NIK is "DPMPTSP staff of that hall" *within* the reach: a person who
# cannot open the detail page never gets the full NIK by another door.
# Planning visits is narrower still: ``services.planner_hall_id``.
# ---------------------------------------------------------------------------
def sipabes_hall_id(user):
    """Return the id of the hall whose SIPABES work ``user`` reaches, or None.

    SIPABES officers and hall admins reach their hall; the DPMPTSP's agency
    admin and its API clients reach the hall of the DPMPTSP. DPMPTSP counter
    staff do not: they serve the counter, not the markets (table above).
    """
    if not (user and user.is_authenticated and user.is_active):
        return None
    if user.role in permissions.roles_with("sipabes.register"):
        return user.hall_id
    if user.role in (permissions.Role.AGENCY_ADMIN, permissions.Role.API_CLIENT) and is_dpmptsp(
        user.agency
    ):
        return user.agency.hall_id
    return None


def sees_full_nik(user, registration):
    """Return True for DPMPTSP people of the registration's hall within the reach.

    That is the SIPABES officers and the DPMPTSP agency admin of that hall
    (table above); never the hall admin, DPMPTSP counter staff or a token.
    An officer recorded under another agency than the DPMPTSP is masked.
    """
    if not user or sipabes_hall_id(user) != registration.hall_id:
        return False
    if user.role == permissions.Role.SIPABES_OFFICER:
        # The role exists for DPMPTSP's SIPABES work: an officer counts as
        # DPMPTSP staff unless recorded under another agency.
        return user.agency is None or is_dpmptsp(user.agency)
    return user.role == permissions.Role.AGENCY_ADMIN and is_dpmptsp(user.agency)


def is_dpmptsp(agency):
    """Return True for the agency that runs SIPABES (slug ``dpmptsp``)."""
    return agency is not None and agency.slug == getattr(settings, "SIPABES_AGENCY_SLUG", "dpmptsp")


class MarketQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _hall_scope(self, user)

    def active(self):
        return self.filter(is_active=True)


class Market(models.Model):
    """A traditional market (pasar) the officers visit."""

    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.PROTECT,
        related_name="markets",
    )
    name = models.CharField(_("nama pasar"), max_length=150)
    village = models.CharField(_("kelurahan/desa"), max_length=100)
    district_code = models.CharField(_("kecamatan"), max_length=8, choices=LEBONG_DISTRICTS)
    address = models.CharField(_("alamat"), max_length=250, blank=True)
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    objects = MarketQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("pasar")
        verbose_name_plural = _("pasar")
        constraints = [
            models.UniqueConstraint(fields=["hall", "name"], name="sipabes_market_unique_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def district_name(self):
        return DISTRICT_NAMES.get(self.district_code, self.district_code)


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _hall_scope(self, user)


class Visit(models.Model):
    """A jemput bola visit of officers to one market on one day."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Direncanakan")
        OPEN = "open", _("Berlangsung")
        CLOSED = "closed", _("Ditutup")

    # closed -> open is the hall admin's reopening, with a reason.
    TRANSITIONS = {
        Status.PLANNED: {Status.OPEN},
        Status.OPEN: {Status.CLOSED},
        Status.CLOSED: {Status.OPEN},
    }

    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.PROTECT,
        related_name="sipabes_visits",
    )
    market = models.ForeignKey(
        Market, verbose_name=_("pasar"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("tanggal"))
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        related_name="sipabes_visits",
        blank=True,
    )
    target_traders = models.PositiveIntegerField(_("target pelaku usaha"), default=0)
    notes = models.TextField(_("catatan"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    opened_at = models.DateTimeField(_("dibuka pada"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "market__name"]
        verbose_name = _("kunjungan jemput bola")
        verbose_name_plural = _("kunjungan jemput bola")
        indexes = [models.Index(fields=["hall", "date"], name="sipabes_visit_hall_date")]
        constraints = [
            # One planned or open visit per market and day: a double-submitted
            # plan (or two planners at once) cannot make a second one
            # (services._check_no_twin gives the message first).
            models.UniqueConstraint(
                fields=["market", "date"],
                condition=models.Q(status__in=["planned", "open"]),
                name="sipabes_visit_one_live_per_market_day",
            )
        ]

    def __str__(self):
        return f"{self.market} {self.date:%d-%m-%Y}"

    def get_absolute_url(self):
        return reverse("sipabes:visit", args=[self.pk])

    @property
    def takes_registrations(self):
        return self.status == self.Status.OPEN


class Kbli(models.Model):
    """One KBLI 2020 activity (5-digit code) of the catalogue."""

    class Risk(models.TextChoices):
        RENDAH = "rendah", _("Rendah")
        MENENGAH_RENDAH = "menengah_rendah", _("Menengah rendah")
        MENENGAH_TINGGI = "menengah_tinggi", _("Menengah tinggi")
        TINGGI = "tinggi", _("Tinggi")

    code = models.CharField(
        _("kode KBLI"), max_length=5, primary_key=True, validators=[kbli_code_validator]
    )
    title = models.CharField(_("judul"), max_length=300)
    section = models.CharField(
        _("kategori"),
        max_length=1,
        validators=[RegexValidator(r"^[A-U]\Z", _("Kategori KBLI adalah satu huruf A sampai U."))],
    )
    is_verified = models.BooleanField(_("terverifikasi"), default=False)
    risk = models.CharField(
        _("tingkat risiko"), max_length=20, choices=Risk.choices, default=Risk.RENDAH
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("KBLI 2020")
        verbose_name_plural = _("KBLI 2020")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{5}$"), name="sipabes_kbli_code_5_digits"
            ),
            models.CheckConstraint(
                condition=Q(section__regex=r"^[A-U]$"), name="sipabes_kbli_section_letter"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


# Highest first wins: a registration's risk is the highest of its KBLI.
RISK_ORDER = [
    Kbli.Risk.RENDAH,
    Kbli.Risk.MENENGAH_RENDAH,
    Kbli.Risk.MENENGAH_TINGGI,
    Kbli.Risk.TINGGI,
]

# What the NIB serves as, per risk (DOMAIN.md; PP 28/2025). Printed on the receipt.
RISK_PERMIT = {
    Kbli.Risk.RENDAH: _(
        "NIB sebagai perizinan berusaha; bagi usaha mikro dan kecil berisiko rendah, "
        "NIB juga berlaku sebagai pernyataan pemenuhan SNI dan pernyataan jaminan halal."
    ),
    Kbli.Risk.MENENGAH_RENDAH: _(
        "NIB ditambah Sertifikat Standar berupa pernyataan mandiri pelaku usaha."
    ),
    Kbli.Risk.MENENGAH_TINGGI: _(
        "NIB ditambah Sertifikat Standar yang harus diverifikasi instansi berwenang."
    ),
    Kbli.Risk.TINGGI: _("NIB ditambah izin dari instansi berwenang sebelum usaha berjalan."),
}


def risk_of(risks):
    """Return the highest of ``risks`` (rendah when there are none)."""
    ranked = [RISK_ORDER.index(r) for r in risks if r in RISK_ORDER]
    return RISK_ORDER[max(ranked)] if ranked else Kbli.Risk.RENDAH


class InvestmentTarget(models.Model):
    """The regency's investment target for one year, in whole rupiah."""

    regency = models.CharField(_("kabupaten/kota"), max_length=100)
    year = models.PositiveSmallIntegerField(_("tahun"))
    amount = models.BigIntegerField(_("target investasi (Rp)"))

    class Meta:
        ordering = ["regency", "-year"]
        verbose_name = _("target investasi")
        verbose_name_plural = _("target investasi")
        constraints = [
            models.UniqueConstraint(fields=["regency", "year"], name="sipabes_target_unique_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sipabes_target_positive"),
        ]

    def __str__(self):
        return f"{self.regency} {self.year}"


def new_receipt_code():
    """Return a short receipt code a trader can type (no 0/O, 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "SPB-" + "".join(secrets.choice(alphabet) for _ in range(8))


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _hall_scope(self, user)

    def registered(self):
        """Every registration that counts as a registered trader (not rejected)."""
        return self.exclude(status=Registration.Status.REJECTED)

    def nib_issued(self):
        return self.filter(
            status__in=[Registration.Status.NIB_ISSUED, Registration.Status.HANDED_OVER]
        )


class Registration(models.Model):
    """One trader registered as a business actor (pendaftaran pelaku usaha)."""

    class Scale(models.TextChoices):
        MIKRO = "mikro", _("Mikro")
        KECIL = "kecil", _("Kecil")
        MENENGAH = "menengah", _("Menengah")

    class Status(models.TextChoices):
        CAPTURED = "captured", _("Dicatat")
        SUBMITTED = "submitted", _("Diajukan ke OSS")
        NIB_ISSUED = "nib_issued", _("NIB terbit")
        HANDED_OVER = "handed_over", _("Diserahkan")
        RETURNED = "returned", _("Dikembalikan untuk perbaikan")
        REJECTED = "rejected", _("Ditolak")

    S = Status
    TRANSITIONS = {
        S.CAPTURED: {S.SUBMITTED, S.RETURNED, S.REJECTED},
        S.SUBMITTED: {S.NIB_ISSUED, S.RETURNED, S.REJECTED},
        S.NIB_ISSUED: {S.HANDED_OVER},
        S.HANDED_OVER: set(),
        S.RETURNED: {S.CAPTURED, S.REJECTED},
        S.REJECTED: set(),
    }
    OPEN_STATES = (S.CAPTURED, S.SUBMITTED, S.RETURNED)

    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.PROTECT,
        related_name="sipabes_registrations",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("kunjungan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    market = models.ForeignKey(
        Market, verbose_name=_("pasar"), on_delete=models.PROTECT, related_name="registrations"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        on_delete=models.PROTECT,
        related_name="sipabes_registrations",
    )
    # The trader.
    nik = models.CharField(_("NIK"), max_length=16)
    name = models.CharField(_("nama pelaku usaha"), max_length=150)
    phone = models.CharField(_("nomor HP/WhatsApp"), max_length=20, blank=True)
    email = models.EmailField(_("surel"), blank=True)
    home_address = models.CharField(_("alamat rumah"), max_length=300)
    # The business.
    business_name = models.CharField(_("nama usaha"), max_length=150)
    kbli = models.ManyToManyField(Kbli, verbose_name=_("KBLI"), related_name="registrations")
    block = models.CharField(_("blok"), max_length=30, blank=True)
    stall_number = models.CharField(_("nomor kios/los"), max_length=30, blank=True)
    capital = models.BigIntegerField(
        _("modal usaha (Rp)"),
        help_text=_("Dalam rupiah penuh, tidak termasuk tanah dan bangunan tempat usaha."),
    )
    workers = models.PositiveIntegerField(_("jumlah tenaga kerja"), default=1)
    scale = models.CharField(_("skala usaha"), max_length=10, choices=Scale.choices)
    risk = models.CharField(
        _("tingkat risiko"), max_length=20, choices=Kbli.Risk.choices, default=Kbli.Risk.RENDAH
    )
    consent_at = models.DateTimeField(_("persetujuan pemrosesan data pada"))
    # The workflow.
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CAPTURED
    )
    status_reason = models.TextField(_("alasan"), blank=True)
    submitted_at = models.DateTimeField(_("diajukan pada"), null=True, blank=True)
    nib = models.CharField(
        _("NIB"), max_length=13, unique=True, null=True, blank=True, validators=[nib_validator]
    )
    nib_issued_on = models.DateField(_("tanggal terbit NIB"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("diserahkan pada"), null=True, blank=True)
    handover_note = models.CharField(_("catatan penyerahan"), max_length=200, blank=True)
    idempotency_key = models.UUIDField(_("kunci idempotensi"), unique=True, null=True, blank=True)
    receipt_code = models.CharField(
        _("kode tanda terima"), max_length=12, unique=True, default=new_receipt_code
    )
    receipt = models.ForeignKey(
        "documents.IssuedDocument",
        verbose_name=_("tanda terima"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat pada"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah pada"), auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("pendaftaran pelaku usaha")
        verbose_name_plural = _("pendaftaran pelaku usaha")
        constraints = [
            # One business actor, one NIB (DOMAIN.md "Identity numbers").
            models.UniqueConstraint(
                fields=["nik"], condition=Q(nib__isnull=False), name="sipabes_one_nib_per_nik"
            ),
            # One live registration per NIK: a second one for the same trader
            # (two officers, two tabs) loses here even when both pass the form.
            models.UniqueConstraint(
                fields=["nik"],
                condition=~Q(status="rejected"),
                name="sipabes_one_registration_per_nik",
            ),
            models.CheckConstraint(
                condition=Q(nib__isnull=True) | Q(nib__regex=r"^[0-9]{13}$"),
                name="sipabes_nib_13_digits",
            ),
            models.CheckConstraint(
                condition=Q(nik__regex=r"^[0-9]{16}$"), name="sipabes_nik_16_digits"
            ),
            models.CheckConstraint(
                condition=Q(capital__gte=0) & Q(capital__lte=MENENGAH_MAX),
                name="sipabes_capital_within_umkm",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["nib_issued", "handed_over"])
                | (Q(nib__isnull=False) & Q(nib_issued_on__isnull=False)),
                name="sipabes_issued_has_nib",
            ),
        ]
        indexes = [
            models.Index(fields=["hall", "status"], name="sipabes_reg_hall_status"),
            models.Index(fields=["hall", "created_at"], name="sipabes_reg_hall_created"),
        ]

    def __str__(self):
        return f"{self.business_name} ({self.name})"

    def get_absolute_url(self):
        return reverse("sipabes:registration", args=[self.pk])

    @property
    def is_open(self):
        return self.status in self.OPEN_STATES

    @property
    def has_nib(self):
        return self.status in (self.Status.NIB_ISSUED, self.Status.HANDED_OVER)

    @property
    def permit_note(self):
        return RISK_PERMIT.get(self.risk, "")

    @classmethod
    def scale_for(cls, capital):
        """Return the scale of ``capital`` (PP 7/2021 Pasal 35).

        Raise ValidationError above Rp10.000.000.000: SIPABES serves UMK and
        menengah; larger businesses register at the DPMPTSP counter.
        """
        if capital is None:
            raise ValidationError({"capital": _("Modal usaha wajib diisi.")})
        if capital < 0:
            raise ValidationError({"capital": _("Modal usaha tidak boleh negatif.")})
        if capital <= MIKRO_MAX:
            return cls.Scale.MIKRO
        if capital <= KECIL_MAX:
            return cls.Scale.KECIL
        if capital <= MENENGAH_MAX:
            return cls.Scale.MENENGAH
        raise ValidationError(
            {
                "capital": _(
                    "Modal usaha di atas Rp10.000.000.000 termasuk usaha besar: SIPABES "
                    "melayani usaha mikro, kecil dan menengah. Arahkan pelaku usaha ke "
                    "loket DPMPTSP di MPP."
                )
            }
        )

    def derive(self, kbli_risks=None):
        """Set ``scale`` from the capital and ``risk`` from the KBLI risks given."""
        self.scale = self.scale_for(self.capital)
        if kbli_risks is not None:
            self.risk = risk_of(kbli_risks)


class RegistrationLocation(models.Model):
    """A further business location added to a trader's registration.

    A NIK holds one NIB; a trader with a second stall gets it added here
    instead of a second registration.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="locations"
    )
    market = models.ForeignKey(
        Market, verbose_name=_("pasar"), on_delete=models.PROTECT, related_name="+"
    )
    block = models.CharField(_("blok"), max_length=30, blank=True)
    stall_number = models.CharField(_("nomor kios/los"), max_length=30, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("lokasi usaha tambahan")
        verbose_name_plural = _("lokasi usaha tambahan")

    def __str__(self):
        return f"{self.market} {self.block} {self.stall_number}".strip()


class SubmissionKey(models.Model):
    """An idempotency key the server has seen, with the first answer it gave.

    The officer's phone sends each queued registration with a key it made;
    a retry with the same key gets the first answer back, also when the
    first attempt was refused (a conflict is not re-tried into a row).
    """

    key = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, null=True, related_name="+"
    )
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kunci pengiriman")
        verbose_name_plural = _("kunci pengiriman")
        indexes = [models.Index(fields=["created_at"], name="sipabes_key_created_idx")]

    def __str__(self):
        return str(self.key)
