"""Signing in lands each role on its work page (accounts.landing)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.forms import LoginForm
from mpp_portal.accounts.landing import COMING, landing_name, landing_url
from mpp_portal.accounts.permissions import Role


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # Used when no safe ?next= was given.
        return landing_url(self.request.user)


# What each role without its page yet will find here, and until then.
COMING_TEXT = {
    Role.API_CLIENT: {
        "title": _("Akun akses API"),
        "coming": _(
            "Akun ini dipakai sistem instansi untuk mengakses API dengan token, bukan untuk "
            "bekerja di halaman ini."
        ),
        "meanwhile": _("Dokumentasi API menjelaskan setiap operasi dan contohnya."),
    },
}


@login_required
def coming(request):
    """The landing page of a role whose work page is not built yet.

    A role that has its page is sent there: a bookmark of this page stays
    useful after its page arrives.
    """
    if landing_name(request.user) != COMING:
        return redirect(landing_url(request.user))
    text = COMING_TEXT.get(request.user.role, {})
    return render(request, "accounts/coming.html", {"text": text})
