"""Complaints, aspirations and information requests the SP4N-LAPOR! way.

A complaint moves through ``Complaint.TRANSITIONS`` only by the functions
of ``complaints.services`` and the SLA scan's auto-close, both through
``mpp_portal.transitions``; each move is audited and, where the public may
read it, appears on the complaint's timeline (``ComplaintUpdate``).
"""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mpp_portal.accounts.permissions import scope
from mpp_portal.documents.uploads import UploadKind
from mpp_portal.organizations.models import Agency, Hall

TITLE_MAX = 150
DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 5000
# UU 14/2008 Pasal 22 ayat (8): the answer to a request for information may
# be extended once, by at most 7 working days, with a written reason.
INFORMATION_EXTENSION_DAYS = 7


class ComplaintPolicy(models.Model):
    """Working-day service levels of one hall (DOMAIN.md defaults 3/5/10)."""

    hall = models.OneToOneField(Hall, on_delete=models.CASCADE, related_name="complaint_policy")
    verify_days = models.PositiveSmallIntegerField(
        _("batas verifikasi (hari kerja)"), default=3, validators=[MinValueValidator(1)]
    )
    followup_days = models.PositiveSmallIntegerField(
        _("batas tindak lanjut instansi (hari kerja)"), default=5, validators=[MinValueValidator(1)]
    )
    autoclose_days = models.PositiveSmallIntegerField(
        _("tutup otomatis tanpa tanggapan pelapor (hari kerja)"),
        default=10,
        validators=[MinValueValidator(1)],
    )
    # UU 14/2008 Pasal 22 ayat (7): a public body answers a request for
    # information within 10 working days at the latest; a hall may be faster.
    information_days = models.PositiveSmallIntegerField(
        _("batas jawaban permintaan informasi (hari kerja)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "Batas instansi menjawab permintaan informasi, paling lama 10 hari kerja "
            "(UU 14/2008 Pasal 22). Dapat diperpanjang satu kali 7 hari kerja dengan alasan."
        ),
    )
    info_wait_days = models.PositiveSmallIntegerField(
        _("tunggu informasi pelapor sebelum boleh diarsipkan (hari kerja)"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Setelah sekian hari kerja tanpa jawaban atas permintaan informasi, admin MPP "
            "boleh mengarsipkan laporan sebagai tidak dapat ditindaklanjuti."
        ),
    )

    class Meta:
        verbose_name = _("kebijakan pengaduan")
        verbose_name_plural = _("kebijakan pengaduan")

    def __str__(self):
        return f"{self.hall}: {self.verify_days}/{self.followup_days}/{self.autoclose_days}"

    def followup_days_for(self, kind):
        """Return the agency's working days to follow up a report of ``kind``."""
        if kind == Complaint.Kind.INFORMATION:
            return self.information_days
        return self.followup_days

    @classmethod
    def for_hall(cls, hall):
        policy = getattr(hall, "_complaint_policy_cache", None)
        if policy is None:
            policy, _created = cls.objects.get_or_create(hall=hall)
            hall._complaint_policy_cache = policy
        return policy


class Category(models.Model):
    name = models.CharField(_("nama"), max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kategori")
        verbose_name_plural = _("kategori")

    def __str__(self):
        return self.name


class ComplaintSequence(models.Model):
    """Last tracking number of a hall in a year (see services.complaint_file)."""

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("urutan nomor pengaduan")
        verbose_name_plural = pgettext_lazy("jamak", "urutan nomor pengaduan")
        constraints = [
            models.UniqueConstraint(fields=["hall", "year"], name="complaintsequence_unique_year")
        ]

    def __str__(self):
        return f"{self.hall_id}/{self.year}: {self.last_number}"


class ComplaintQuerySet(models.QuerySet):
    def public(self):
        """What anybody may see: not confidential, verified, not archived."""
        return self.filter(is_confidential=False).exclude(
            status__in=[
                Complaint.Status.SUBMITTED,
                Complaint.Status.INFO_REQUESTED,
                Complaint.Status.ARCHIVED,
            ]
        )

    def visible_to(self, user):
        """The one scoping rule of complaints: hall admins their hall, agency
        roles what is dispatched to their agency, a citizen what they filed."""
        return scope(
            self,
            user,
            "complaint.read",
            hall="hall_id",
            agency="assigned_agency_id",
            owner="reporter_id",
        )

    def open(self):
        return self.exclude(status__in=[Complaint.Status.CLOSED, Complaint.Status.ARCHIVED])


class Complaint(models.Model):
    class Kind(models.TextChoices):
        # One report of this kind ("Complaint"), not the section ("Complaints").
        COMPLAINT = "pengaduan", pgettext_lazy("jenis laporan", "Pengaduan")
        ASPIRATION = "aspirasi", _("Aspirasi")
        INFORMATION = "permintaan_informasi", _("Permintaan informasi")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Menunggu verifikasi")
        INFO_REQUESTED = "info_requested", _("Menunggu informasi pelapor")
        DISPATCHED = "dispatched", _("Diteruskan ke instansi")
        RESPONDED = "responded", _("Sudah ditanggapi")
        CLOSED = "closed", _("Selesai")
        ARCHIVED = "archived", _("Diarsipkan")

    class Channel(models.TextChoices):
        WEB = "web", _("Situs web")
        COUNTER = "loket", _("Loket")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311")

    class ArchiveReason(models.TextChoices):
        OUT_OF_SCOPE = "out_of_scope", _("Di luar kewenangan")
        DUPLICATE = "duplicate", _("Duplikat laporan lain")
        UNCLEAR = "unclear", _("Tidak jelas / tidak dapat ditindaklanjuti")
        # Only through services.complaint_archive_unanswered, after the wait.
        NO_INFO = "no_info", _("Tidak dapat ditindaklanjuti: pelapor tidak melengkapi informasi")

    # DESIGN.md §3.
    TRANSITIONS = {
        Status.SUBMITTED: {Status.DISPATCHED, Status.INFO_REQUESTED, Status.ARCHIVED},
        # Archived only once the reporter left the request unanswered for
        # ComplaintPolicy.info_wait_days (services.complaint_archive_unanswered).
        Status.INFO_REQUESTED: {Status.SUBMITTED, Status.ARCHIVED},
        Status.DISPATCHED: {Status.RESPONDED, Status.SUBMITTED},
        Status.RESPONDED: {Status.DISPATCHED, Status.CLOSED},
        Status.CLOSED: {Status.DISPATCHED},
        Status.ARCHIVED: set(),
    }

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="complaints")
    tracking_id = models.CharField(_("nomor pelacakan"), max_length=30, unique=True)
    access_token_hash = models.CharField(max_length=64, editable=False)
    kind = models.CharField(_("jenis"), max_length=30, choices=Kind.choices, default=Kind.COMPLAINT)
    title = models.CharField(_("judul"), max_length=TITLE_MAX)
    description = models.TextField(
        _("uraian"),
        max_length=DESCRIPTION_MAX,
        validators=[MinLengthValidator(DESCRIPTION_MIN)],
    )
    category = models.ForeignKey(
        Category, verbose_name=_("kategori"), on_delete=models.PROTECT, null=True, blank=True
    )
    reported_agency = models.ForeignKey(
        Agency,
        verbose_name=_("instansi yang dilaporkan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_complaints",
    )
    service = models.ForeignKey(
        "services.Service",
        verbose_name=_("layanan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    location = models.CharField(_("lokasi kejadian"), max_length=200, blank=True)
    event_date = models.DateField(_("tanggal kejadian"), null=True, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    reporter_name = models.CharField(_("nama pelapor"), max_length=150, blank=True)
    reporter_email = models.EmailField(_("surel pelapor"), blank=True)
    reporter_phone = models.CharField(_("nomor HP pelapor"), max_length=20, blank=True)
    is_anonymous = models.BooleanField(
        _("anonim"),
        default=False,
        help_text=_("Identitas Anda tidak diketahui siapa pun, termasuk instansi terlapor."),
    )
    is_confidential = models.BooleanField(
        _("rahasia"),
        default=False,
        help_text=_("Laporan tidak ditampilkan di daftar publik."),
    )
    channel = models.CharField(
        _("kanal"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    assigned_agency = models.ForeignKey(
        Agency,
        verbose_name=_("instansi penanggung jawab"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_complaints",
    )
    instruction = models.TextField(_("instruksi disposisi"), blank=True)
    archive_reason = models.CharField(
        _("alasan pengarsipan"), max_length=20, choices=ArchiveReason.choices, blank=True
    )
    archive_note = models.TextField(_("keterangan pengarsipan"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    planned_completion = models.DateField(_("rencana penyelesaian"), null=True, blank=True)

    submitted_at = models.DateTimeField(_("waktu masuk"), default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The deadline of the current step (verification, follow-up or the
    # auto-close window); None while the clock is paused or when done.
    due_at = models.DateTimeField(_("batas waktu"), null=True, blank=True, db_index=True)
    # Working days left on the verification clock while it is paused.
    paused_days_left = models.PositiveSmallIntegerField(null=True, blank=True)
    # When the pending information request was sent (None when none is).
    info_requested_at = models.DateTimeField(null=True, blank=True)
    # When the agency extended the answer of an information request (once,
    # UU 14/2008 Pasal 22 ayat (8); services.complaint_extend).
    extended_at = models.DateTimeField(null=True, blank=True)
    reopened = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(
        _("penilaian"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("komentar penilaian"), blank=True)
    # Filled when a closed complaint's response arrived after its deadline.
    responded_late = models.BooleanField(null=True, blank=True)
    # A suggestion from the satisfaction survey turned into this complaint.
    source_survey = models.OneToOneField(
        "services.SurveyResponse",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaint",
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("pengaduan")
        verbose_name_plural = _("pengaduan")
        indexes = [
            models.Index(fields=["status", "due_at"], name="complaint_status_due_idx"),
            models.Index(fields=["assigned_agency", "status"], name="complaint_agency_idx"),
            # The SLA scan's claims (complaints/sla.py), in (due_at, id) order
            # from where the last claim of their kind stopped (SlaMark).
            # It carries what a claim sums (hall, agency, status), so a claim
            # reads the index alone, in order, as far as its chunk goes.
            models.Index(
                fields=["due_at", "id"],
                name="complaint_sla_claim_idx",
                include=["hall", "assigned_agency", "status"],
                condition=Q(status__in=["submitted", "dispatched"], due_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="complaint_rating_1_5",
            ),
        ]

    def __str__(self):
        return self.tracking_id

    def get_absolute_url(self):
        return reverse("complaints:detail", args=[self.tracking_id])

    # -- secret link -------------------------------------------------------
    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    def set_access_token(self):
        """Create a new secret for the reporter's link; return it (shown once)."""
        token = secrets.token_urlsafe(24)
        self.access_token_hash = self.hash_token(token)
        return token

    def check_access_token(self, token):
        if not token or not self.access_token_hash:
            return False
        return secrets.compare_digest(self.hash_token(token), self.access_token_hash)

    # -- rules ---------------------------------------------------------------
    def can_move_to(self, status):
        return status in self.TRANSITIONS[self.status]

    def info_wait_ends(self):
        """Return when the hall admin may archive an unanswered information
        request: closing time of the hall's ``info_wait_days``-th working day
        after the request (None when no request is pending)."""
        if self.status != self.Status.INFO_REQUESTED:
            return None
        from mpp_portal.workdays import deadline

        asked = self.info_requested_at or self.submitted_at
        return deadline(asked, ComplaintPolicy.for_hall(self.hall).info_wait_days, self.hall)

    def extension_refused(self, now=None):
        """Return why the answer cannot be extended now, or None if it can.

        UU 14/2008 Pasal 22 ayat (8): only a request for information, once,
        and while the agency is still within its time to answer (the
        extension is announced before the deadline, not after missing it).
        Returns (code, message).
        """
        if self.kind != self.Kind.INFORMATION:
            return "not_an_information_request", _(
                "Hanya permintaan informasi yang dapat diperpanjang."
            )
        if self.extended_at is not None:
            return "already_extended", _("Batas waktu hanya dapat diperpanjang satu kali.")
        if self.status != self.Status.DISPATCHED or self.due_at is None:
            return "not_with_agency", _(
                "Batas waktu hanya dapat diperpanjang selama permintaan ditangani instansi."
            )
        if (now or timezone.now()) > self.due_at:
            return "deadline_passed", _(
                "Batas waktu sudah lewat; perpanjangan harus diberikan sebelum batas waktu."
            )
        return None

    @property
    def can_extend(self):
        return self.extension_refused() is None

    @property
    def is_open(self):
        return self.status not in (self.Status.CLOSED, self.Status.ARCHIVED)

    @property
    def public_reporter_name(self):
        """The reporter's name as anybody but the hall admin may see it."""
        if self.is_anonymous:
            return _("Anonim")
        return self.reporter_name or _("Warga")

    def reporter_visible_to(self, user):
        """Whether ``user`` may see who reported: never for an anonymous
        report; otherwise only hall admins (the agency sees the name only)."""
        if self.is_anonymous:
            return False
        return bool(user and user.is_authenticated and user.is_hall_admin)


class ComplaintUpdate(models.Model):
    """One entry of a complaint's timeline."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Perubahan status")
        RESPONSE = "response", _("Tanggapan")
        NOTE = "note", _("Catatan internal")
        REPLY = "reply", _("Balasan pelapor")
        INFO_REQUEST = "info_request", _("Permintaan informasi")
        EXTENSION = "extension", _("Perpanjangan waktu")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    body = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who spoke, as the public may read it: "Admin MPP", "Disdukcapil",
    # "Pelapor". Never the reporter's name.
    author_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("riwayat pengaduan")
        verbose_name_plural = _("riwayat pengaduan")

    def __str__(self):
        return f"{self.complaint}: {self.get_kind_display()}"


def attachment_path(instance, filename):
    # A random name: the uploaded name may carry personal data.
    ext = instance.extension
    return f"complaints/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class Attachment(models.Model):
    # What ``mpp_portal.documents.uploads.clean_upload`` tells apart.
    Kind = UploadKind

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    update = models.ForeignKey(
        ComplaintUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(upload_to=attachment_path)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    extension = models.CharField(max_length=5)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Staff attachments may be internal; the reporter's are visible to staff.
    is_public = models.BooleanField(default=True)
    uploaded_by_reporter = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("lampiran")
        verbose_name_plural = _("lampiran")

    def __str__(self):
        return f"{self.complaint}: {self.get_kind_display()}"


class ReminderLog(models.Model):
    """One row per H-1 reminder sent (the SLA scan, complaints/sla.py): a
    second scan skips what has a row; concurrent scans claim one after the
    other (a lock per kind), and the unique key guards against a double.

    Only the H-1 reminder needs a row per complaint: a deadline set today
    may fall on tomorrow, a window already claimed. A new deadline is never
    today nor past (it is at least one working day ahead), so the due-today
    reminder and the escalation are claimed in deadline order from their
    kind's SlaMark instead, without a row per complaint. Rows of the other
    kinds written before that change stay as history.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Pengingat H-1")
        DUE_NOW = "due_now", _("Pengingat hari batas")
        ESCALATION = "escalation", _("Eskalasi")

    # No index of its own (the unique key starts with it) and no database
    # constraint: a check per row doubled the cost of a big claim; deleting
    # a complaint still deletes its rows (Django's CASCADE).
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    step = models.CharField(max_length=20)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("log pengingat")
        verbose_name_plural = pgettext_lazy("jamak", "log pengingat")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind", "step", "due_at"], name="reminderlog_once"
            )
        ]

    def __str__(self):
        return f"{self.complaint_id} {self.kind} {self.step}"


class SlaMark(models.Model):
    """Where the SLA scan's last claim of a kind stopped, in deadline order.

    The due-today reminder and the escalation each claim the open
    complaints after their mark's (due_at, complaint id) and move the mark
    in the same transaction, under a lock of their kind (complaints/sla.py):
    each complaint is told once per deadline without a row per complaint,
    and a run reads only the deadlines reached since the last one.
    """

    kind = models.CharField(max_length=20, primary_key=True, choices=ReminderLog.Kind.choices)
    due_at = models.DateTimeField()
    complaint_id = models.BigIntegerField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("penanda pemindaian SLA")
        verbose_name_plural = pgettext_lazy("jamak", "penanda pemindaian SLA")

    def __str__(self):
        return f"{self.kind} {self.due_at:%Y-%m-%d %H:%M} #{self.complaint_id}"
