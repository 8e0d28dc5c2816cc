"""manage.py seed_demo: the demo hall, its agencies and one account per role."""

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from mpp_portal.accounts.models import User
from mpp_portal.organizations.management.commands.seed_demo import DEMO_PASSWORD
from mpp_portal.organizations.models import Agency, Hall, OfficeHours

pytestmark = pytest.mark.django_db

# username: (role, agency slug or None)
EXPECTED_USERS = {
    "admin.mpp": (User.Role.HALL_ADMIN, None),
    "admin.dukcapil": (User.Role.AGENCY_ADMIN, "disdukcapil"),
    "petugas.dukcapil": (User.Role.COUNTER_STAFF, "disdukcapil"),
    "petugas.sipabes": (User.Role.SIPABES_OFFICER, "dpmptsp"),
    "bupati": (User.Role.SIGNATORY, None),
    "warga": (User.Role.CITIZEN, None),
    "kiosk": (User.Role.KIOSK, None),
    "api.dukcapil": (User.Role.API_CLIENT, "disdukcapil"),
}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Eight PBKDF2 hashes per seed would dominate the test's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed(*args):
    call_command("seed_demo", "--force", *args, stdout=_Sink(), stderr=_Sink())


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def _counts():
    return {
        "halls": Hall.objects.count(),
        "agencies": Agency.objects.count(),
        "hours": OfficeHours.objects.count(),
        "users": User.objects.count(),
        "tokens": Token.objects.count(),
    }


def test_it_is_idempotent():
    _seed()
    first = _counts()
    tokens = dict(Token.objects.values_list("user__username", "key"))
    _seed()
    assert _counts() == first
    # Printed tokens stay valid across runs.
    assert dict(Token.objects.values_list("user__username", "key")) == tokens


def test_it_creates_the_lebong_hall_and_agencies():
    _seed()
    hall = Hall.objects.get(slug="perigo-agung")
    assert hall.name == "MPP Perigo Agung"
    assert hall.government_name == "Pemerintah Kabupaten Lebong"
    assert hall.regency == "Kabupaten Lebong"
    assert hall.code == "LBG"
    assert "Muara Aman" in hall.address
    assert "Lebong Utara" in hall.address

    agencies = Agency.objects.filter(hall=hall)
    assert agencies.count() >= 12
    kinds = dict(agencies.values_list("slug", "kind"))
    assert kinds["disdukcapil"] == Agency.Kind.REGIONAL
    assert kinds["dpmptsp"] == Agency.Kind.REGIONAL
    assert kinds["taspen"] == Agency.Kind.BUMN
    assert kinds["bank-bengkulu"] == Agency.Kind.BUMD
    assert kinds["polres"] == Agency.Kind.MINISTRY
    # Every kind but swasta is represented.
    assert set(kinds.values()) >= {"perangkat_daerah", "kementerian_lembaga", "bumn", "bumd"}


def test_office_hours_close_on_the_weekend():
    import datetime

    _seed()
    hall = Hall.objects.get(slug="perigo-agung")
    thursday, friday, saturday = (datetime.date(2024, 6, d) for d in (20, 21, 22))
    assert hall.hours_on(thursday) == (datetime.time(8), datetime.time(16))
    assert hall.hours_on(friday) == (datetime.time(8), datetime.time(16, 30))
    assert hall.hours_on(saturday) is None
    assert hall.hours_on(saturday + datetime.timedelta(days=1)) is None


def test_every_role_has_its_account():
    _seed()
    hall = Hall.objects.get(slug="perigo-agung")
    for username, (role, agency_slug) in EXPECTED_USERS.items():
        user = User.objects.select_related("agency").get(username=username)
        assert user.role == role, username
        assert user.is_active
        assert user.check_password(DEMO_PASSWORD), username
        if agency_slug:
            assert user.agency.slug == agency_slug, username
            assert user.agency.hall == hall
        if role == User.Role.CITIZEN:
            assert user.hall is None
        else:
            assert user.hall == hall, username
        user.full_clean()
    admin = User.objects.get(username="admin.mpp")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(username="admin.mpp").exists()


def test_passwords_sign_in(client, rf):
    from django.contrib.auth import authenticate

    _seed()
    # Through the real backends (django-axes wants the request).
    for username in EXPECTED_USERS:
        user = authenticate(rf.post("/akun/masuk/"), username=username, password=DEMO_PASSWORD)
        assert user is not None and user.username == username
    assert authenticate(rf.post("/akun/masuk/"), username="warga", password="salah") is None

    client.force_login(User.objects.get(username="admin.mpp"))
    assert client.get("/admin/").status_code == 200
    client.force_login(User.objects.get(username="petugas.dukcapil"))
    # Not staff: the Django admin sends them to its login page.
    assert client.get("/admin/").status_code == 302


def test_it_links_the_demo_document_when_the_documents_app_offers_it():
    from mpp_portal.documents import services as document_services

    if not hasattr(document_services, "document_issue_demo"):
        pytest.skip("documents app has no document_issue_demo yet")
    out = _Sink()
    call_command("seed_demo", "--force", stdout=out, stderr=_Sink())
    assert "/verifikasi/" in out.text


def test_it_prints_working_tokens(api_client):
    out = _Sink()
    call_command("seed_demo", "--force", stdout=out, stderr=_Sink())
    key = Token.objects.get(user__username="api.dukcapil").key
    assert key in out.text
    assert Token.objects.get(user__username="kiosk").key in out.text
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/").status_code == 200


def test_a_changed_password_survives_unless_reset():
    _seed()
    user = User.objects.get(username="warga")
    user.set_password("sandi-baru-warga-2024")
    user.save()
    _seed()
    user.refresh_from_db()
    assert user.check_password("sandi-baru-warga-2024")
    _seed("--reset-passwords")
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_a_rerun_restores_a_changed_role():
    _seed()
    User.objects.filter(username="kiosk").update(role=User.Role.CITIZEN, hall=None)
    _seed()
    assert User.objects.get(username="kiosk").role == User.Role.KIOSK


def test_it_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=_Sink(), stderr=_Sink())
    assert not User.objects.filter(username="admin.mpp").exists()
    assert not Hall.objects.filter(slug="perigo-agung").exists()


def test_it_runs_with_debug_on(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=_Sink(), stderr=_Sink())
    assert User.objects.filter(username="admin.mpp").exists()
