"""The one SIPABES access rule (services/sipabes/models.py, the table above
``sipabes_hall_id``): who reaches the hall's SIPABES work and who sees the full
NIK on the detail page, checked on the functions and on the pages."""

import pytest
from django.urls import reverse

from mpp_portal.accounts.models import User
from mpp_portal.audit.models import AuditEntry
from services.sipabes.models import sees_full_nik, sipabes_hall_id
from tests.factories import AgencyFactory, HallFactory, UserFactory
from tests.sipabes.core_fixtures import *  # noqa: F403
from tests.sipabes.core_fixtures import nik

pytestmark = pytest.mark.django_db
R = User.Role

# persona: (reaches the staff list / detail page, sees the full NIK there)
MATRIX = {
    "officer_dpmptsp": (True, True),
    "officer_without_agency": (True, True),
    "officer_of_another_agency": (True, False),
    "dpmptsp_admin": (True, True),
    "hall_admin": (True, False),
    "dpmptsp_counter_staff": (False, False),
    "other_agency_admin": (False, False),
    "other_agency_staff": (False, False),
    "citizen": (False, False),
    "dpmptsp_admin_of_another_hall": (False, False),
    "officer_of_another_hall": (False, False),
}


@pytest.fixture
def people(hall, dpmptsp, officer, hall_admin, agency_a, agency_admin_a, staff_a, citizen):
    other_hall = HallFactory(name="MPP Lain", slug="mpp-lain")
    return {
        "officer_dpmptsp": officer,
        "officer_without_agency": UserFactory(
            username="petugas.tanpa.dinas", role=R.SIPABES_OFFICER, hall=hall
        ),
        "officer_of_another_agency": UserFactory(
            username="petugas.dinas.lain", role=R.SIPABES_OFFICER, agency=agency_a
        ),
        "dpmptsp_admin": UserFactory(
            username="admin.dpmptsp.uji", role=R.AGENCY_ADMIN, agency=dpmptsp
        ),
        "hall_admin": hall_admin,
        "dpmptsp_counter_staff": UserFactory(
            username="loket.dpmptsp", role=R.COUNTER_STAFF, agency=dpmptsp
        ),
        "other_agency_admin": agency_admin_a,
        "other_agency_staff": staff_a,
        "citizen": citizen,
        "dpmptsp_admin_of_another_hall": UserFactory(
            username="admin.dpmptsp.lain",
            role=R.AGENCY_ADMIN,
            agency=AgencyFactory(hall=other_hall, slug="dpmptsp", short_name="DPMPTSP"),
        ),
        "officer_of_another_hall": UserFactory(
            username="petugas.lain", role=R.SIPABES_OFFICER, hall=other_hall
        ),
    }


@pytest.fixture
def registration(make_registration):
    return make_registration(nik=nik(8801), name="Sulastri Matriks")


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_the_access_matrix(persona, people, registration, client):
    reaches, full = MATRIX[persona]
    user = people[persona]
    assert (sipabes_hall_id(user) == registration.hall_id) is reaches
    assert sees_full_nik(user, registration) is full

    client.force_login(user)
    listing = client.get(reverse("sipabes:staff_list"))
    detail = client.get(f"/sipabes/pendaftaran/{registration.pk}/")
    if not reaches:
        assert listing.status_code in (403, 200)
        if listing.status_code == 200:  # another hall's person: an empty list
            assert listing.context["page"].paginator.count == 0
        assert detail.status_code in (403, 404)
        return
    assert listing.status_code == 200
    assert registration.name in listing.content.decode()
    assert nik(8801) not in listing.content.decode()  # the list is always masked
    body = detail.content.decode()
    assert detail.status_code == 200
    assert (nik(8801) in body) is full
    assert (
        AuditEntry.objects.filter(action="sipabes.registration.view_nik", actor=user).exists()
        is full
    )


def test_the_dpmptsp_token_reaches_the_api_but_never_the_full_nik(
    token_client, dpmptsp, registration
):
    token_user = UserFactory(username="api.dpmptsp.uji", role=R.API_CLIENT, agency=dpmptsp)
    assert sipabes_hall_id(token_user) == registration.hall_id
    assert not sees_full_nik(token_user, registration)
    body = token_client(token_user).get(f"/api/v1/sipabes/registrations/{registration.pk}/")
    assert body.status_code == 200 and nik(8801) not in body.content.decode()
