from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = _("Layanan dan antrean")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from mpp_portal.organizations.models import Hall, OfficeHours
        from mpp_portal.workdays.models import CalendarDay
        from services.queue import forget_day_facts

        for model in (CalendarDay, OfficeHours, Hall):
            post_save.connect(forget_day_facts, sender=model, dispatch_uid=f"day-facts-{model}")
            post_delete.connect(
                forget_day_facts, sender=model, dispatch_uid=f"day-facts-del-{model}"
            )
