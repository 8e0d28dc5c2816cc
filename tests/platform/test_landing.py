"""Each role lands on its work page after signing in (accounts.landing)."""

import pytest
from django.urls import reverse

from mpp_portal.accounts.landing import LANDING_PAGES, landing_url
from mpp_portal.accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def _login(client, username, next_url=None):
    url = LOGIN + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": PASSWORD})


@pytest.fixture
def people(hall, agency_a, staff_a, agency_admin_a, hall_admin, kiosk_user, citizen):
    return {
        "counter": staff_a,
        "agency_admin": agency_admin_a,
        "hall_admin": hall_admin,
        "kiosk": kiosk_user,
        "citizen": citizen,
        "signatory": UserFactory(username="bupati.uji", role=User.Role.SIGNATORY, hall=hall),
        "sipabes": UserFactory(
            username="sipabes.uji", role=User.Role.SIPABES_OFFICER, agency=agency_a
        ),
    }


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("counter", "/antrean/loket/"),
        ("agency_admin", "/pengaduan/instansi/"),
        ("hall_admin", "/pengaduan/kelola/"),
        ("kiosk", "/antrean/kios/perigo-agung/"),
        ("citizen", "/"),
        ("signatory", "/forum/persetujuan/"),
        ("sipabes", "/sipabes/"),
    ],
)
def test_each_role_lands_on_its_work_page(client, people, who, lands_on):
    response = _login(client, people[who].username)
    assert response.status_code == 302
    assert response["Location"] == lands_on
    # The page is there for them (not a 403 or 404).
    assert client.get(lands_on, follow=True).status_code == 200


def test_every_role_has_a_landing_page():
    assert set(LANDING_PAGES) == set(User.Role)


def test_a_safe_next_still_wins(client, people):
    response = _login(client, people["hall_admin"].username, next_url="/skm/")
    assert response["Location"] == "/skm/"


def test_an_unsafe_next_lands_on_the_work_page(client, people):
    response = _login(client, people["counter"].username, next_url="https://jahat.test/")
    assert response["Location"] == "/antrean/loket/"


def test_a_wrong_password_lands_nowhere(client, people):
    response = client.post(LOGIN, {"username": people["counter"].username, "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signed_in_user_opening_login_goes_to_work_page(client, people):
    client.force_login(people["counter"])
    response = client.get(LOGIN)
    assert response["Location"] == "/antrean/loket/"


def test_a_superuser_lands_like_the_hall_admin(db):
    root = UserFactory(username="root.uji", is_superuser=True, is_staff=True)
    assert landing_url(root) == "/pengaduan/kelola/"


def test_a_kiosk_without_a_hall_lands_home(db):
    device = UserFactory(username="kios.tanpa", role=User.Role.KIOSK)
    assert landing_url(device) == "/"


# --- the "coming" page ----------------------------------------------------------------------


def test_coming_page_says_what_the_api_account_is_for(client, agency_a):
    client.force_login(UserFactory(username="api.uji", role=User.Role.API_CLIENT, agency=agency_a))
    html = client.get(reverse("accounts:coming")).content.decode()
    assert "Segera hadir" in html
    assert "API" in html


@pytest.mark.parametrize(
    ("who", "page"), [("signatory", "/forum/persetujuan/"), ("sipabes", "/sipabes/")]
)
def test_a_bookmark_of_the_coming_page_leads_to_the_new_pages(client, people, who, page):
    client.force_login(people[who])
    response = client.get(reverse("accounts:coming"))
    assert response.status_code == 302
    assert response["Location"] == page


def test_coming_page_sends_a_role_with_a_page_to_it(client, people):
    client.force_login(people["counter"])
    response = client.get(reverse("accounts:coming"))
    assert response.status_code == 302
    assert response["Location"] == "/antrean/loket/"


def test_coming_page_needs_sign_in(client, db):
    response = client.get(reverse("accounts:coming"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
