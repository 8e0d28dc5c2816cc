"""The staff list of SIPABES registrations (services/sipabes/staff_list.py)."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from mpp_portal.accounts.models import User
from mpp_portal.masking import mask_nik
from services.sipabes.models import Registration
from tests.factories import AgencyFactory, HallFactory, UserFactory
from tests.sipabes import dashboard_seed as seed

S = Registration.Status
URL = reverse("sipabes:staff_list")
CSV_URL = reverse("sipabes:staff_list_csv")

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(hall):
    return UserFactory(
        username="petugas.sipabes.uji",
        role=User.Role.SIPABES_OFFICER,
        hall=hall,
        first_name="Rina",
        last_name="Petugas",
    )


@pytest.fixture
def second_officer(hall):
    return UserFactory(
        username="petugas.dua", role=User.Role.SIPABES_OFFICER, hall=hall, first_name="Dodi"
    )


@pytest.fixture
def dpmptsp_staff(hall):
    agency = AgencyFactory(hall=hall, name="DPMPTSP", short_name="DPMPTSP", slug="dpmptsp")
    return UserFactory(username="staf.dpmptsp", role=User.Role.AGENCY_ADMIN, agency=agency)


@pytest.fixture
def regs(hall, officer, second_officer):
    muara = seed.market(hall, "Pasar Muara Aman", "17.07.01")
    tes = seed.market(hall, "Pasar Tes", "17.07.04")
    launch = seed.visit(muara, datetime.date(2024, 6, 20))
    return {
        "siti": seed.registration(
            market=muara,
            officer=officer,
            visit=launch,
            name="Siti Aminah",
            status=S.HANDED_OVER,
            when=datetime.datetime(2024, 6, 20, 9),
        ),
        "budi": seed.registration(
            market=muara,
            officer=second_officer,
            visit=launch,
            name="Budi Santoso",
            status=S.CAPTURED,
            when=datetime.datetime(2024, 6, 20, 11),
        ),
        "yanti": seed.registration(
            market=tes,
            officer=officer,
            name="Yanti Lestari",
            status=S.RETURNED,
            when=datetime.datetime(2024, 8, 1, 10),
        ),
    }


def _names(response):
    return {reg.name for reg in response.context["page"].object_list}


def test_the_hall_admin_lists_the_halls_registrations_masked(client, hall_admin, regs):
    client.force_login(hall_admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert _names(response) == {"Siti Aminah", "Budi Santoso", "Yanti Lestari"}
    html = response.content.decode()
    for reg in regs.values():
        assert reg.nik not in html
        assert mask_nik(reg.nik) in html
        assert reg.phone[3:] not in html
    assert regs["siti"].nib in html
    # Each name opens the registration (where DPMPTSP staff may see the full NIK).
    assert reverse("sipabes:registration", args=[regs["siti"].pk]) in html


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"q": "siti"}, {"Siti Aminah"}),
        ({"q": "warung uji"}, {"Siti Aminah", "Budi Santoso", "Yanti Lestari"}),
        ({"status": "returned"}, {"Yanti Lestari"}),
        ({"dari": "2024-06-21"}, {"Yanti Lestari"}),
        ({"sampai": "2024-06-20"}, {"Siti Aminah", "Budi Santoso"}),
        ({"dari": "2024-06-20", "sampai": "2024-06-20", "status": "captured"}, {"Budi Santoso"}),
    ],
)
def test_the_filters_narrow_the_list(client, hall_admin, regs, filters, expected):
    client.force_login(hall_admin)
    assert _names(client.get(URL, filters)) == expected


def test_search_by_nib_visit_market_and_officer(client, officer, second_officer, regs):
    client.force_login(officer)
    siti = regs["siti"]
    assert _names(client.get(URL, {"q": siti.nib})) == {"Siti Aminah"}
    assert _names(client.get(URL, {"q": siti.nib[:6]})) == {"Siti Aminah"}
    assert _names(client.get(URL, {"kunjungan": siti.visit_id})) == {"Siti Aminah", "Budi Santoso"}
    assert _names(client.get(URL, {"pasar": regs["yanti"].market_id})) == {"Yanti Lestari"}
    assert _names(client.get(URL, {"petugas": second_officer.pk})) == {"Budi Santoso"}


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"dari": "2024-07-01", "sampai": "2024-06-01"}, "Tanggal akhir harus sama"),
        ({"dari": "kemarin"}, "Masukkan tanggal yang valid"),
        ({"status": "hilang"}, "Masukkan pilihan yang valid"),
        ({"pasar": "999999"}, "Masukkan pilihan yang valid"),
    ],
)
def test_bad_filters_are_refused_with_a_message(client, hall_admin, regs, filters, message):
    client.force_login(hall_admin)
    response = client.get(URL, filters)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_dpmptsp_staff_of_the_hall_see_the_list(client, dpmptsp_staff, regs):
    client.force_login(dpmptsp_staff)
    assert len(_names(client.get(URL))) == 3


@pytest.mark.parametrize("persona", ["citizen", "staff_a", "agency_admin_a", "kiosk_user"])
def test_people_without_sipabes_work_get_403(client, request, regs, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403


def test_nobody_signed_in_is_sent_to_log_in(client, regs):
    response = client.get(URL)
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


@pytest.mark.parametrize("role", [User.Role.HALL_ADMIN, User.Role.SIPABES_OFFICER])
def test_someone_of_another_hall_sees_nothing(client, regs, role):
    other = HallFactory(name="MPP Lain", slug="mpp-lain")
    client.force_login(UserFactory(username="orang.lain", role=role, hall=other))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    # Naming this hall's market or visit is no way in: not a choice of theirs.
    assert client.get(URL, {"pasar": regs["siti"].market_id}).status_code == 400
    assert client.get(URL, {"kunjungan": regs["siti"].visit_id}).status_code == 400
    body = client.get(CSV_URL).content.decode("utf-8-sig")
    assert body.count("\n") == 1  # the header only
    assert "Siti" not in body and "Pasar Muara Aman" not in response.content.decode()


def test_pages_of_fifty(client, hall_admin, officer, hall):
    market = seed.market(hall, "Pasar Ramai")
    for _ in range(51):
        seed.registration(market=market, officer=officer)
    client.force_login(hall_admin)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 50
    assert "halaman=2" in first.content.decode()
    assert len(client.get(URL, {"halaman": 2}).context["page"].object_list) == 1


def test_the_list_runs_a_fixed_number_of_queries(
    client, hall_admin, officer, hall, django_assert_max_num_queries
):
    market = seed.market(hall, "Pasar Ramai")
    client.force_login(hall_admin)

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    seed.registration(market=market, officer=officer)
    few = queries()
    for _ in range(40):
        seed.registration(market=market, officer=officer)
    assert queries() == few
    with django_assert_max_num_queries(12):
        client.get(URL)


def test_the_csv_export_is_masked_and_filtered(
    client, hall_admin, regs, django_assert_max_num_queries
):
    client.force_login(hall_admin)
    with django_assert_max_num_queries(8):
        response = client.get(CSV_URL, {"pasar": regs["siti"].market_id})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == [
        "Kode tanda terima",
        "Tanggal daftar",
        "Nama pelaku usaha",
        "NIK (disamarkan)",
    ]
    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) == {"Siti Aminah", "Budi Santoso"}
    siti = regs["siti"]
    assert by_name["Siti Aminah"][3] == mask_nik(siti.nik)
    assert by_name["Siti Aminah"][6] == "47811"
    assert by_name["Siti Aminah"][17] == siti.nib
    assert siti.nik not in response.content.decode("utf-8-sig")


def test_the_csv_refuses_bad_filters(client, hall_admin, regs):
    client.force_login(hall_admin)
    assert client.get(CSV_URL, {"dari": "x"}).status_code == 400
