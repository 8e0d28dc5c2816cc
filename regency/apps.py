from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegencyConfig(AppConfig):
    name = "regency"
    verbose_name = _("Dasbor kabupaten")
