from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts import permissions


class User(AbstractUser):
    """A person or a device that signs in: citizen, staff, kiosk or API client.

    Staff belong to one agency in one hall; a hall admin to one hall.
    """

    # The roles and their groups live in accounts.permissions with the
    # capabilities they grant; these names keep ``user.Role.X`` working.
    Role = permissions.Role
    AGENCY_ROLES = permissions.AGENCY_ROLES
    HALL_ROLES = permissions.HALL_ROLES

    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    hall = models.ForeignKey(
        "organizations.Hall",
        verbose_name=_("gedung MPP"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name=_("instansi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    phone = models.CharField(_("nomor telepon"), max_length=20, blank=True)
    job_title = models.CharField(_("jabatan"), max_length=150, blank=True)
    # Printed under the signature of the documents this user signs or issues
    # (IKM report); an ASN's NIP has 18 digits.
    nip = models.CharField(
        _("NIP"),
        max_length=18,
        blank=True,
        validators=[RegexValidator(r"^\d{18}$", _("NIP terdiri atas 18 angka."))],
    )

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["counter_staff", "agency_admin", "api_client"])
                | models.Q(agency__isnull=False),
                name="user_agency_role_has_agency",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if self.role in self.AGENCY_ROLES and not self.agency_id:
            raise ValidationError({"agency": _("Peran ini harus terhubung ke satu instansi.")})
        if self.role in self.HALL_ROLES and not (self.hall_id or self.agency_id):
            raise ValidationError({"hall": _("Peran ini harus terhubung ke satu gedung MPP.")})
        if self.agency_id and self.hall_id and self.agency.hall_id != self.hall_id:
            raise ValidationError(
                {"agency": _("Instansi ini tidak berada di gedung MPP tersebut.")}
            )

    def save(self, *args, **kwargs):
        # An agency member always belongs to the agency's hall.
        if self.agency_id and not self.hall_id:
            self.hall_id = self.agency.hall_id
        # The Django admin opens to hall admins by role; their rights come
        # from accounts.backends (scoped to their hall) and end with the role.
        if self.role in permissions.roles_with("admin.site"):
            self.is_staff = True
        super().save(*args, **kwargs)

    # Role checks read better in templates and views than string compares.
    # What a role may do is asked with accounts.permissions.can(), not here.
    @property
    def is_hall_admin(self):
        return self.role in permissions.HALL_WIDE_ROLES or self.is_superuser

    @property
    def is_agency_admin(self):
        return self.role == self.Role.AGENCY_ADMIN

    @property
    def is_counter_staff(self):
        return self.role == self.Role.COUNTER_STAFF

    @property
    def is_sipabes_officer(self):
        return self.role == self.Role.SIPABES_OFFICER

    @property
    def is_signatory(self):
        return self.role == self.Role.SIGNATORY

    @property
    def is_kiosk(self):
        return self.role == self.Role.KIOSK

    @property
    def is_api_client(self):
        return self.role == self.Role.API_CLIENT

    @property
    def is_citizen(self):
        return self.role == self.Role.CITIZEN

    @property
    def is_staff_member(self):
        """Any role that works for the hall (not a citizen, not a device)."""
        return self.role in permissions.STAFF_ROLES

    def can(self, capability, **obj):
        """Return True when this user holds ``capability`` (accounts.permissions)."""
        return permissions.can(self, capability, **obj)

    def can_act_for_agency(self, agency):
        """Return True when this user may act on ``agency``'s objects."""
        return permissions.acts_for_agency(self, agency)
