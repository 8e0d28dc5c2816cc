"""Durable background work: one row per task to run after a commit.

The row is written in the transaction of the change that asks for the
work, so a rolled back change runs nothing and a committed one is never
lost: the broker only carries a wake-up naming the row, and the beat task
``resend_pending`` publishes again whatever is still pending.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A task with its keyword arguments, and how far it got.

    The status moves pending -> running (the claim of one run) -> done,
    failed, or back to pending for a retry. Every move is one conditional
    UPDATE in ``mpp_portal.jobs.services``, never a save() of this object.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    task = models.CharField(_("tugas"), max_length=200)
    kwargs = models.JSONField(_("argumen"), default=dict)
    # The same logical job ("webhook delivery 41") is written once. NULLs
    # never collide in PostgreSQL, so jobs without a key are free.
    key = models.CharField(_("kunci"), max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Runs started (claims), retries included.
    attempts = models.PositiveIntegerField(_("jumlah percobaan"), default=0)
    last_error = models.TextField(_("galat terakhir"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    # Last wake-up handed to the broker.
    sent_at = models.DateTimeField(_("dikirim ke broker"), null=True, blank=True)
    # A pending row still pending at this time needs a wake-up from the beat:
    # the on-commit wake-up owns it until then, or the retry is due then.
    wake_at = models.DateTimeField(_("dibangunkan ulang"), null=True, blank=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    done_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pekerjaan latar belakang")
        verbose_name_plural = _("pekerjaan latar belakang")
        constraints = [
            models.CheckConstraint(condition=~Q(key=""), name="job_key_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False),
                name="job_done_has_done_at",
            ),
        ]
        indexes = [
            # The beat scan reads only the few rows still waiting or running.
            models.Index(
                fields=["wake_at"], name="job_pending_wake_idx", condition=Q(status="pending")
            ),
            models.Index(
                fields=["started_at"], name="job_running_idx", condition=Q(status="running")
            ),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk} ({self.status})"
