"""Forum Konsultasi Publik / Forum Komunikasi Masyarakat (FKM).

A forum moves ``planned -> held -> minutes_drafted -> in_signing -> signed``
(a return during the sign-off sends it back to ``minutes_drafted``); its
agreement items ``open -> in_progress -> done | dropped``. Every move goes
through ``forums.services``, which calls ``mpp_portal.transitions``
(audited). The berita acara kesepakatan is rendered by the documents module
(``BeritaAcara`` keeps every version); the signed one is read-only.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.permissions import scope
from mpp_portal.organizations.models import Agency, Hall

INPUT_MAX = 2000
INPUT_MIN = 10


class ForumQuerySet(models.QuerySet):
    def published(self):
        """What anybody may read: forums the hall announced."""
        return self.filter(is_published=True)

    def visible_to(self, user):
        """Hall admins their hall's forums (the staff pages)."""
        return scope(self, user, "forum.manage", hall="hall_id")


class Forum(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Direncanakan")
        HELD = "held", _("Terlaksana")
        MINUTES_DRAFTED = "minutes_drafted", _("Berita acara disusun")
        IN_SIGNING = "in_signing", _("Menunggu persetujuan")
        SIGNED = "signed", _("Ditandatangani")

    TRANSITIONS = {
        Status.PLANNED: {Status.HELD},
        Status.HELD: {Status.MINUTES_DRAFTED},
        Status.MINUTES_DRAFTED: {Status.IN_SIGNING},
        # A signatory's return sends the draft back to be corrected.
        Status.IN_SIGNING: {Status.SIGNED, Status.MINUTES_DRAFTED},
        Status.SIGNED: set(),
    }

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="forums")
    slug = models.SlugField(_("slug"), max_length=80)
    theme = models.CharField(_("tema"), max_length=255)
    legal_basis = models.TextField(
        _("dasar hukum"),
        blank=True,
        default="Peraturan Menteri PANRB Nomor 16 Tahun 2017 tentang Pedoman Forum "
        "Konsultasi Publik di Lingkungan Unit Penyelenggara Pelayanan Publik",
    )
    starts_at = models.DateTimeField(_("waktu pelaksanaan"))
    venue = models.CharField(_("tempat"), max_length=255)
    description = models.TextField(_("uraian"), blank=True)
    invited_groups = models.TextField(
        _("unsur masyarakat yang diundang"),
        blank=True,
        help_text=_("Satu unsur per baris, mis. pengguna layanan, tokoh masyarakat, akademisi."),
    )
    services = models.ManyToManyField(
        "services.Service", verbose_name=_("layanan yang dibahas"), blank=True, related_name="+"
    )
    number = models.CharField(_("nomor berita acara"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    is_published = models.BooleanField(_("diumumkan"), default=False)
    inputs_open = models.BooleanField(_("masukan publik dibuka"), default=True)
    frozen_sha256 = models.CharField(_("SHA-256 draf yang dibekukan"), max_length=64, blank=True)
    chaired_by = models.CharField(_("pimpinan forum"), max_length=150, blank=True)
    signed_at = models.DateTimeField(_("ditandatangani pada"), null=True, blank=True)
    # A signed berita acara is never edited: a correction is an addendum,
    # a forum of its own (its own draft, sign-off and seal) pointing here.
    addendum_of = models.ForeignKey(
        "self",
        verbose_name=_("adendum atas"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addenda",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ForumQuerySet.as_manager()

    # The documents module's verification page includes this for a berita
    # acara issued with ``related=forum``: the forum, its signatories and
    # the time of each approval.
    verification_template = "forums/_verification.html"

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("forum konsultasi publik")
        verbose_name_plural = _("forum konsultasi publik")
        constraints = [
            models.UniqueConstraint(fields=["hall", "slug"], name="forum_unique_slug_per_hall")
        ]

    def __str__(self):
        return self.theme

    def get_absolute_url(self):
        return reverse("forums:public_detail", args=[self.pk, self.slug])

    @property
    def is_read_only(self):
        return self.status == self.Status.SIGNED

    @property
    def final_version(self):
        return self.versions.filter(is_final=True).order_by("-version").first()

    @property
    def latest_version(self):
        return self.versions.order_by("-version").first()


class ForumAgency(models.Model):
    """An agency taking part, with the official who signs for it."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="agencies")
    agency = models.ForeignKey(
        Agency, verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="+"
    )
    signatory_name = models.CharField(_("nama penanda tangan"), max_length=150, blank=True)
    signatory_position = models.CharField(_("jabatan penanda tangan"), max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun pejabat"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("instansi peserta")
        verbose_name_plural = _("instansi peserta")
        constraints = [
            models.UniqueConstraint(fields=["forum", "agency"], name="forumagency_unique")
        ]

    def __str__(self):
        return f"{self.forum_id}: {self.agency}"


class InputQuerySet(models.QuerySet):
    def visible_to(self, user):
        return scope(self, user, "forum.manage", hall="forum__hall_id")


class Input(models.Model):
    """A masukan from the public (or turned from a complaint or survey)."""

    class Source(models.TextChoices):
        PUBLIC = "public", _("Formulir publik")
        COMPLAINT = "complaint", _("Pengaduan")
        SURVEY = "survey", _("Saran survei")
        STAFF = "staff", _("Dicatat petugas")

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="inputs")
    text = models.TextField(_("masukan"), validators=[MaxLengthValidator(INPUT_MAX)])
    service = models.ForeignKey(
        "services.Service",
        verbose_name=_("layanan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("instansi"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.CharField(_("topik"), max_length=100, blank=True)
    name = models.CharField(_("nama"), max_length=100, blank=True)
    contact = models.CharField(_("kontak"), max_length=100, blank=True)
    is_anonymous = models.BooleanField(_("anonim"), default=False)
    source = models.CharField(
        _("sumber"), max_length=10, choices=Source.choices, default=Source.PUBLIC
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("pengaduan asal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    survey_response = models.ForeignKey(
        "services.SurveyResponse",
        verbose_name=_("survei asal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = InputQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("masukan")
        verbose_name_plural = _("masukan")
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "complaint"],
                condition=Q(complaint__isnull=False),
                name="input_unique_complaint_per_forum",
            ),
            models.UniqueConstraint(
                fields=["forum", "survey_response"],
                condition=Q(survey_response__isnull=False),
                name="input_unique_survey_per_forum",
            ),
        ]

    def __str__(self):
        return self.text[:60]


class TopicNote(models.Model):
    """The notes of the discussion on one topic, taken while the forum is held."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="topic_notes")
    topic = models.CharField(_("topik"), max_length=100)
    note = models.TextField(_("catatan"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("catatan topik")
        verbose_name_plural = _("catatan topik")
        constraints = [
            models.UniqueConstraint(fields=["forum", "topic"], name="topicnote_unique_topic")
        ]

    def __str__(self):
        return self.topic


class Attendance(models.Model):
    class Group(models.TextChoices):
        GOVERNMENT = "pemerintah", _("Pemerintah daerah / OPD")
        SERVICE_USER = "pengguna", _("Pengguna layanan")
        COMMUNITY_FIGURE = "tokoh", _("Tokoh masyarakat")
        ACADEMIC = "akademisi", _("Akademisi")
        NGO = "lsm", _("LSM / organisasi masyarakat")
        MEDIA = "media", _("Media")
        OTHER = "lainnya", _("Lainnya")

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="attendance")
    name = models.CharField(_("nama"), max_length=150)
    origin = models.CharField(_("asal / instansi"), max_length=150, blank=True)
    group = models.CharField(_("unsur"), max_length=20, choices=Group.choices)
    role = models.CharField(_("peran"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("daftar hadir")
        verbose_name_plural = _("daftar hadir")

    def __str__(self):
        return self.name


class AgreementItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Hall admins their hall's items, agency staff their agency's."""
        return scope(self, user, "forum.follow_up", hall="forum__hall_id", agency="agency_id")

    def public(self):
        return self.filter(forum__is_published=True)


class AgreementItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Belum dikerjakan")
        IN_PROGRESS = "in_progress", _("Dalam proses")
        DONE = "done", _("Selesai")
        DROPPED = "dropped", _("Dibatalkan")

    TRANSITIONS = {
        Status.OPEN: {Status.IN_PROGRESS, Status.DONE, Status.DROPPED},
        Status.IN_PROGRESS: {Status.DONE, Status.DROPPED},
        Status.DONE: set(),
        Status.DROPPED: set(),
    }

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("nomor"))
    text = models.TextField(_("kesepakatan"))
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("instansi penanggung jawab"),
        on_delete=models.PROTECT,
        related_name="forum_items",
    )
    target_date = models.DateField(_("target selesai"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    status_reason = models.TextField(_("alasan"), blank=True)
    done_on = models.DateField(_("selesai pada"), null=True, blank=True)
    inputs = models.ManyToManyField(
        Input, verbose_name=_("masukan yang dijawab"), blank=True, related_name="items"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AgreementItemQuerySet.as_manager()

    class Meta:
        ordering = ["forum", "number"]
        verbose_name = _("butir kesepakatan")
        verbose_name_plural = _("butir kesepakatan")
        constraints = [
            models.UniqueConstraint(fields=["forum", "number"], name="agreementitem_unique_number")
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:60]}"

    @property
    def is_closed(self):
        return self.status in (self.Status.DONE, self.Status.DROPPED)


class ItemProgress(models.Model):
    item = models.ForeignKey(AgreementItem, on_delete=models.CASCADE, related_name="progress")
    note = models.TextField(_("catatan"))
    attachment = models.FileField(
        _("lampiran"), upload_to="forums/progress/%Y/%m/", null=True, blank=True, max_length=255
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("kemajuan tindak lanjut")
        verbose_name_plural = _("kemajuan tindak lanjut")

    def __str__(self):
        return self.note[:60]


class Signatory(models.Model):
    class Group(models.TextChoices):
        HEAD_OF_REGION = "kepala_daerah", _("Kepala daerah")
        OPD = "opd", _("Kepala OPD")
        COMMUNITY = "masyarakat", _("Perwakilan masyarakat")

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="signatories")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun"),
        on_delete=models.PROTECT,
        related_name="forum_signoffs",
    )
    name = models.CharField(_("nama"), max_length=150)
    position = models.CharField(_("jabatan"), max_length=200)
    group = models.CharField(_("unsur"), max_length=20, choices=Group.choices)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_sha256 = models.CharField(max_length=64, blank=True)
    approved_ip = models.GenericIPAddressField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    returned_comment = models.TextField(blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("penanda tangan")
        verbose_name_plural = _("penanda tangan")
        constraints = [
            models.UniqueConstraint(fields=["forum", "user"], name="signatory_unique_user")
        ]

    def __str__(self):
        return f"{self.name} ({self.position})"

    @property
    def has_approved(self):
        return self.approved_at is not None


class BeritaAcara(models.Model):
    """One rendered version of a forum's berita acara kesepakatan."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField(_("versi"))
    document = models.ForeignKey(
        "documents.IssuedDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # A fingerprint of what the PDF shows (forums.services._content_digest):
    # a draft whose forum changed since cannot be sent for sign-off.
    content_digest = models.CharField(max_length=64, blank=True, editable=False)
    is_final = models.BooleanField(_("final"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["forum", "version"]
        verbose_name = _("berita acara")
        verbose_name_plural = _("berita acara")
        constraints = [
            models.UniqueConstraint(fields=["forum", "version"], name="beritaacara_unique_version"),
            # The final PDF is made once.
            models.UniqueConstraint(
                fields=["forum"], condition=Q(is_final=True), name="beritaacara_one_final"
            ),
        ]

    def __str__(self):
        return f"{self.forum_id} v{self.version}"
