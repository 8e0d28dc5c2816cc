import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

DEFAULT_OPENS = datetime.time(8, 0)
DEFAULT_CLOSES = datetime.time(16, 0)


class Hall(models.Model):
    """One MPP building. Every other object belongs to a hall."""

    name = models.CharField(_("nama"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    government_name = models.CharField(
        _("pemerintah daerah"),
        max_length=150,
        default="Pemerintah Kabupaten Lebong",
        help_text=_("Dicetak pada kop surat, mis. “Pemerintah Kabupaten Lebong”."),
    )
    regency = models.CharField(_("kabupaten/kota"), max_length=100, default="Kabupaten Lebong")
    address = models.TextField(_("alamat"))
    phone = models.CharField(_("telepon"), max_length=30, blank=True)
    email = models.EmailField(_("surel"), blank=True)
    website = models.URLField(_("situs web"), blank=True)
    map_url = models.URLField(
        _("tautan peta"),
        blank=True,
        help_text=_("Tautan lokasi gedung di peta, mis. dari Google Maps atau OpenStreetMap."),
    )
    complaint_hotline = models.CharField(
        _("layanan pengaduan (telepon/WhatsApp)"),
        max_length=30,
        blank=True,
        help_text=_("Nomor pengaduan yang dicantumkan di setiap halaman, mis. 0812-3456-7890."),
    )
    board_announcement = models.CharField(
        _("teks berjalan layar antrean"),
        max_length=300,
        blank=True,
        help_text=_("Pengumuman satu baris yang berjalan di bawah layar antrean."),
    )
    code = models.CharField(
        _("kode"),
        max_length=6,
        default="MPP",
        help_text=_("Awalan nomor pelacakan, mis. LBG."),
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gedung MPP")
        verbose_name_plural = _("gedung MPP")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organizations:hall", args=[self.slug])

    def hours_on(self, day):
        """Return (opens, closes) for ``day``'s weekday, or None when closed.

        A hall without any configured hours keeps the usual 08:00-16:00
        Monday to Friday (DOMAIN.md).
        """
        hours = {h.weekday: h for h in self.office_hours.all()}
        if not hours:
            if day.weekday() < 5:
                return DEFAULT_OPENS, DEFAULT_CLOSES
            return None
        entry = hours.get(day.weekday())
        if entry is None or entry.is_closed:
            return None
        return entry.opens, entry.closes


class OfficeHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Senin")
        TUESDAY = 1, _("Selasa")
        WEDNESDAY = 2, _("Rabu")
        THURSDAY = 3, _("Kamis")
        FRIDAY = 4, _("Jumat")
        SATURDAY = 5, _("Sabtu")
        SUNDAY = 6, _("Minggu")

    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="office_hours")
    weekday = models.PositiveSmallIntegerField(_("hari"), choices=Weekday.choices)
    opens = models.TimeField(_("buka"), default=DEFAULT_OPENS)
    closes = models.TimeField(_("tutup"), default=DEFAULT_CLOSES)
    is_closed = models.BooleanField(_("tutup sepanjang hari"), default=False)

    class Meta:
        ordering = ["hall", "weekday"]
        verbose_name = _("jam layanan")
        verbose_name_plural = _("jam layanan")
        constraints = [
            models.UniqueConstraint(fields=["hall", "weekday"], name="officehours_unique_day"),
            models.CheckConstraint(
                condition=models.Q(is_closed=True) | models.Q(opens__lt=models.F("closes")),
                name="officehours_opens_before_closes",
            ),
        ]

    def __str__(self):
        if self.is_closed:
            return f"{self.get_weekday_display()}: {_('tutup')}"
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self):
        if not self.is_closed and self.opens >= self.closes:
            raise ValidationError({"closes": _("Jam tutup harus setelah jam buka.")})


class AgencyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_hall(self, hall):
        return self.filter(hall=hall)


class Agency(models.Model):
    """An institution that serves at the hall (instansi, OPD, BUMN, bank)."""

    class Kind(models.TextChoices):
        MINISTRY = "kementerian_lembaga", _("Kementerian/Lembaga")
        REGIONAL = "perangkat_daerah", _("Perangkat Daerah")
        BUMN = "bumn", _("BUMN")
        BUMD = "bumd", _("BUMD")
        PRIVATE = "swasta", _("Swasta")

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(_("nama"), max_length=200)
    short_name = models.CharField(_("nama singkat"), max_length=40)
    slug = models.SlugField(_("slug"), max_length=60)
    kind = models.CharField(_("jenis"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("deskripsi"), blank=True)
    head_name = models.CharField(_("nama pimpinan"), max_length=150, blank=True)
    head_title = models.CharField(_("jabatan pimpinan"), max_length=150, blank=True)
    # The head (head_name/head_title) is the official who signs agreements;
    # the contact person receives the PKS expiry reminders.
    contact_name = models.CharField(_("narahubung"), max_length=150, blank=True)
    contact_email = models.EmailField(_("surel kontak"), blank=True)
    contact_phone = models.CharField(_("telepon kontak"), max_length=30, blank=True)
    website = models.URLField(_("situs web"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["hall", "name"]
        verbose_name = _("instansi")
        verbose_name_plural = _("instansi")
        constraints = [
            models.UniqueConstraint(fields=["hall", "slug"], name="agency_unique_slug_per_hall"),
        ]

    def __str__(self):
        return self.short_name or self.name
