from django.db import models
from django.utils.translation import gettext_lazy as _


class PageViewDay(models.Model):
    """Views of one public page kind (and object) in one hall on one WIB day.

    Nothing about the reader is kept: no cookie, no IP address, no user,
    only a counter per (date, hall, kind, object). ``count_view`` adds one
    with a single UPSERT, so concurrent views are never lost.
    """

    class Kind(models.TextChoices):
        CATALOGUE = "catalogue", _("Katalog layanan")
        SERVICE = "service", _("Standar pelayanan")

    date = models.DateField(_("tanggal"))
    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("jenis halaman"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("ID objek"), null=True, blank=True)
    count = models.PositiveIntegerField(_("jumlah"), default=0)

    class Meta:
        ordering = ["-date", "kind"]
        verbose_name = _("kunjungan halaman per hari")
        verbose_name_plural = _("kunjungan halaman per hari")
        constraints = [
            # One row per key; an empty hall or object is part of the key
            # (NULLS NOT DISTINCT, PostgreSQL 15), so the UPSERT finds it.
            models.UniqueConstraint(
                fields=["date", "hall", "kind", "object_id"],
                name="pageviewday_unique_key",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["hall", "kind", "date"], name="pageviewday_hall_idx")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.kind} {self.object_id or ''}: {self.count}"
