"""The dashboard pages: who sees what, the period picker, CSV, public version."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from mpp_portal.accounts.models import User
from regency.figures import TILE_MODULES
from regency.forms import PeriodForm
from regency.periods import MONTH, Period
from services.sipabes.models import InvestmentTarget
from tests.factories import AgencyFactory, HallFactory, ServiceFactory, UserFactory
from tests.regency.conftest import answer

URL = "/dasbor/"
MARCH = {"jenis": "month", "tahun": 2026, "ke": 3}
# Every tile's queries for one page (constant whatever the data: asserted
# for one and for ten services with answers).
MAX_QUERIES = 70


@pytest.fixture
def world(hall, agency_a, agency_b):
    ktp = ServiceFactory(agency=agency_a, name="KTP-el")
    pbb = ServiceFactory(agency=agency_b, name="PBB")
    for score in (4, 4, 3):
        answer(ktp, datetime.date(2026, 3, 31), score)
    answer(pbb, datetime.date(2026, 3, 2), 2)
    InvestmentTarget.objects.create(regency=hall.regency, year=2026, amount=10**9)
    return ktp, pbb


def test_bupati_sees_every_tile_of_the_hall(client, bupati, world, django_assert_max_num_queries):
    client.force_login(bupati)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(URL, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert len(response.context["tiles"]) == len(TILE_MODULES)
    for item in response.context["tiles"]:
        assert f'id="ubin-{item["tile"].key}"' in page
    assert page.count("<summary>Cara hitung</summary>") == len(TILE_MODULES)
    assert "Maret 2026" in page and "Februari 2026" in page
    assert 'id="dasbor-grafik"' in page and "regency/dashboard.js" in page
    assert "<script>" not in page.replace('<script id="dasbor-grafik"', "")  # no inline JS
    # IKM of the hall: (4+4+3+2)/4 x 25.
    assert "81,25" in page
    # The bupati may not open the coverage page: the tile links the public one.
    links = {item["tile"].key: item["link"] for item in response.context["tiles"]}
    assert links["centralised"] == "/mpp/perigo-agung/kerja-sama/"


def test_query_count_does_not_grow_with_the_data(
    client, hall_admin, world, agency_a, django_assert_max_num_queries
):
    for n in range(10):
        service = ServiceFactory(agency=agency_a, name=f"Layanan {n}")
        answer(service, datetime.date(2026, 3, 10), 3)
    client.force_login(hall_admin)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(URL, MARCH).status_code == 200


def test_hall_admin_links_to_the_staff_pages(client, hall_admin, world):
    client.force_login(hall_admin)
    response = client.get(URL, MARCH)
    links = {item["tile"].key: item["link"] for item in response.context["tiles"]}
    assert links["centralised"] == reverse("agreements:coverage")
    assert links["ikm"] == reverse("services:ikm")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"jenis": "month", "tahun": 2026, "ke": 13}, "ke", "Bulan hanya sampai ke-12."),
        ({"jenis": "quarter", "tahun": 2026, "ke": 5}, "ke", "Triwulan hanya sampai ke-4."),
        ({"jenis": "minggu", "tahun": 2026, "ke": 1}, "jenis", "Pilih bulan, triwulan"),
        ({"jenis": "month", "tahun": "dua ribu", "ke": 1}, "tahun", "Tahun harus berupa angka"),
        ({"jenis": "month", "tahun": 1999, "ke": 1}, "tahun", "Pilih tahun antara 2024"),
        ({"jenis": "month", "tahun": 2026, "ke": "x"}, "ke", "Isi nomor periode dengan angka"),
        ({"jenis": "month", "tahun": 2026, "ke": 0}, "ke", "Nomor periode mulai dari 1."),
    ],
)
def test_bad_period_is_refused_with_a_clear_message(client, bupati, world, params, field, message):
    client.force_login(bupati)
    response = client.get(URL, params)
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert f'id="galat-{field}"' in page and message in page
    # The page still shows figures, of this month, and says so.
    assert "tidak dapat ditampilkan" in page


def test_a_period_that_has_not_started_is_refused(client, bupati, world):
    form = PeriodForm({"jenis": "month", "tahun": 2026, "ke": 4}, today=datetime.date(2026, 3, 31))
    assert not form.is_valid()
    assert form.errors["ke"] == ["Periode itu belum dimulai."]
    assert form.period == Period(MONTH, 2026, 3)  # the fallback: this month
    form = PeriodForm({"jenis": "quarter", "tahun": 2026}, today=datetime.date(2026, 3, 31))
    assert form.is_valid() and form.period == Period("quarter", 2026, 1)
    client.force_login(bupati)
    next_year = timezone.localdate().year + 1
    response = client.get(URL, {"jenis": "year", "tahun": next_year})
    assert response.status_code == 400


def test_no_choice_shows_this_month(client, bupati, world):
    client.force_login(bupati)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["period"].kind == "month"


def test_agency_admin_sees_own_agency_slice_only(client, agency_admin_a, world):
    client.force_login(agency_admin_a)
    response = client.get(URL, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["ctx"].agency == agency_admin_a.agency
    keys = [item["tile"].key for item in response.context["tiles"]]
    assert "investment" not in keys  # no per-agency meaning
    ikm = next(i["tile"] for i in response.context["tiles"] if i["tile"].key == "ikm")
    assert [row[0] for row in ikm.table.rows] == ["KTP-el"]
    assert "PBB" not in page
    assert "91,67" in page  # the agency's own IKM, not the hall's 81,25


@pytest.mark.parametrize("persona", ["citizen", "staff_a", "kiosk_user"])
def test_others_are_refused(client, request, world, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL, MARCH).status_code == 403
    assert client.get(reverse("regency:dashboard_csv"), MARCH).status_code == 403


def test_another_halls_admin_sees_their_own_hall_only(client, world):
    other = HallFactory(name="MPP Lain", slug="mpp-lain")
    AgencyFactory(hall=other)
    admin = UserFactory(username="admin.lain", role=User.Role.HALL_ADMIN, hall=other)
    client.force_login(admin)
    response = client.get(URL, MARCH)
    assert response.status_code == 200
    assert response.context["ctx"].hall == other
    page = response.content.decode()
    assert "KTP-el" not in page and "81,25" not in page


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(URL, MARCH)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(reverse("regency:dashboard_csv")).status_code == 302


def test_csv_has_every_figure_and_table(client, bupati, world):
    client.force_login(bupati)
    for response in (
        client.get(URL, {**MARCH, "format": "csv"}),
        client.get(reverse("regency:dashboard_csv"), MARCH),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "dasbor-perigo-agung-2026-03.csv" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["Dasbor kabupaten", "MPP Perigo Agung", "Maret 2026"]
        by_key = {row[1]: row for row in rows if len(row) > 4 and "." in row[1]}
        assert by_key["ikm.ikm"][3:5] == ["81.25", ""]
        assert by_key["investment.target"][3] == str(10**9)
        assert [
            "KTP-el",
            "Dinas Kependudukan dan Pencatatan Sipil",
            "3",
            "3",
            "3",
            "Ya",
            "91.67",
            "A",
        ] in rows


def test_csv_with_bad_period_shows_the_form(client, bupati, world):
    client.force_login(bupati)
    response = client.get(
        reverse("regency:dashboard_csv"), {"jenis": "month", "ke": 13, "tahun": 2026}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_public_page_aggregates_only(client, hall, world, django_assert_max_num_queries):
    url = reverse("regency:public_dashboard", args=[hall.slug])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url, MARCH)
    assert response.status_code == 200
    assert response.context["ctx"].public is True
    page = response.content.decode()
    assert "Hanya angka gabungan" in page
    for item in response.context["tiles"]:
        assert item["link"] == item["tile"].public_url
    assert reverse("agreements:coverage") not in page
    assert reverse("services:ikm") not in page
    # PBB's one answer is not shown as an index on the public page.
    ikm = next(i["tile"] for i in response.context["tiles"] if i["tile"].key == "ikm")
    assert ikm.table.rows[0][0] == "PBB" and ikm.table.rows[0][6] is None
    csv_response = client.get(url + "csv/", MARCH)
    assert csv_response.status_code == 200
    assert client.get(url, {"jenis": "month", "tahun": 2026, "ke": 13}).status_code == 400


def test_public_page_of_unknown_hall_is_404(client, world):
    assert client.get("/mpp/tidak-ada/dasbor/").status_code == 404


def test_public_index_leads_to_the_only_hall(client, hall, world):
    response = client.get(reverse("regency:public_index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("regency:public_dashboard", args=[hall.slug])


def test_menus(client, bupati, hall_admin, citizen, world):
    client.force_login(bupati)
    assert 'href="/dasbor/"' in client.get("/", follow=True).content.decode()
    client.force_login(citizen)
    page = client.get("/", follow=True).content.decode()
    assert 'href="/dasbor/"' not in page and 'href="/dasbor/publik/"' in page


def test_figures_are_reused_for_a_while(
    client, bupati, world, settings, django_assert_max_num_queries
):
    client.force_login(bupati)
    first = client.get(URL, MARCH)
    assert "Angka per" in first.content.decode()
    answer(world[0], datetime.date(2026, 3, 30), 1)
    with django_assert_max_num_queries(12):  # session and user only, no tile
        again = client.get(URL, MARCH)
    assert "81,25" in again.content.decode()  # the first computation's IKM
    settings.REGENCY_DASHBOARD_CACHE_SECONDS = 0
    fresh = client.get(URL, MARCH).content.decode()
    assert "81,25" not in fresh  # (4+4+3+2+1)/5 x 25 = 70,00
    assert "70,00" in fresh


@pytest.mark.parametrize("persona", ["bupati", "hall_admin", "agency_admin_a"])
def test_every_tile_link_opens_for_its_viewer(client, request, world, persona):
    """A tile never links a viewer to a page that refuses them."""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL, MARCH)
    links = [item["link"] for item in response.context["tiles"] if item["link"]]
    assert links
    for link in links:
        assert client.get(link, follow=True).status_code == 200, link
