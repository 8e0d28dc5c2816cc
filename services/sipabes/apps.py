from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SipabesConfig(AppConfig):
    name = "services.sipabes"
    label = "sipabes"
    verbose_name = _("SIPABES (NIB di pasar)")
