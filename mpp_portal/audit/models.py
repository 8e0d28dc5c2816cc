from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.permissions import scope
from mpp_portal.audit.actions import action_label


class AuditEntryQuerySet(models.QuerySet):
    def for_object(self, obj):
        content_type = ContentType.objects.get_for_model(obj)
        return self.filter(content_type=content_type, object_id=str(obj.pk))

    def visible_to(self, user):
        """The trail a hall admin reads: what the people of their hall did."""
        return scope(self, user, "admin.site", hall="actor__hall_id")


class AuditEntry(models.Model):
    """One thing someone (or the system) did to one object. Append-only.

    ``actor_label`` and ``object_repr`` are snapshots, so the trail still
    reads after the user or the object is deleted.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pelaku"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    actor_label = models.CharField(_("nama pelaku"), max_length=150)
    action = models.CharField(_("tindakan"), max_length=64, db_index=True)
    # PROTECT: removing a model's content type must not erase its trail.
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("jenis objek"), on_delete=models.PROTECT
    )
    # Text, so any primary key type fits (integer, UUID, code).
    object_id = models.CharField(_("ID objek"), max_length=64)
    obj = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("objek"), max_length=200)
    from_status = models.CharField(_("status awal"), max_length=40, blank=True)
    to_status = models.CharField(_("status akhir"), max_length=40, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    changes = models.JSONField(_("perubahan"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("entri audit")
        verbose_name_plural = _("jejak audit")
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "created_at"],
                name="audit_object_history_idx",
            ),
        ]

    def __str__(self):
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
        )

    def save(self, *args, **kwargs):
        # The trail is evidence: a row once written is never rewritten.
        if not self._state.adding:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")

    @property
    def action_label(self):
        return action_label(self.action)

    @property
    def status_changed(self):
        return bool(self.from_status or self.to_status)
