from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayQuerySet(models.QuerySet):
    def for_hall(self, hall):
        """Rows that apply to ``hall``: its own and those for every hall."""
        if hall is None:
            return self.filter(hall__isnull=True)
        return self.filter(models.Q(hall__isnull=True) | models.Q(hall=hall))


class CalendarDay(models.Model):
    """An admin's correction of the holiday calendar for one date.

    New decrees (regional holidays, an extra cuti bersama, an office closure)
    arrive between releases of the ``holidays`` package, so a hall admin can
    close a day the package treats as working, or reopen one it treats as a
    holiday. A row for one hall wins over a row for every hall.
    """

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Tutup (hari libur)")
        OPEN = "open", _("Buka (hari kerja)")

    date = models.DateField(_("tanggal"))
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices, default=Kind.CLOSED)
    name = models.CharField(
        _("keterangan"),
        max_length=200,
        help_text=_("Mis. “Cuti bersama (SKB 3 Menteri)” atau “Hari jadi Kabupaten Lebong”."),
    )
    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_days",
        help_text=_("Kosongkan bila berlaku untuk semua gedung MPP."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat pada"), auto_now_add=True)

    objects = CalendarDayQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        verbose_name = _("hari kalender")
        verbose_name_plural = _("kalender hari kerja")
        constraints = [
            models.UniqueConstraint(fields=["date", "hall"], name="calendarday_unique_date_hall"),
            # PostgreSQL treats NULLs as distinct, so the row for every hall
            # needs its own constraint.
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(hall__isnull=True),
                name="calendarday_unique_date_all_halls",
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}: {self.name}"
