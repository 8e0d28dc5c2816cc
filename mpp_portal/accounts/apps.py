from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "mpp_portal.accounts"
    label = "accounts"
    verbose_name = _("Akun")

    def ready(self):
        from django.db.models.signals import post_save

        from mpp_portal.accounts.authentication import forget_on_save

        post_save.connect(
            forget_on_save, sender=self.get_model("User"), dispatch_uid="forget-token"
        )
