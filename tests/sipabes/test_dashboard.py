"""The SIPABES investment dashboard: figures, small-group suppression, page,
CSV and API (services/sipabes/dashboard.py and its views)."""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mpp_portal.accounts.models import User
from mpp_portal.workdays import JAKARTA
from services.sipabes import dashboard
from services.sipabes.models import InvestmentTarget, Registration
from tests.factories import HallFactory, UserFactory
from tests.sipabes import dashboard_seed as seed

S = Registration.Status
REGENCY = "Kabupaten Lebong"
# A moment in 2026 so the current year is known and 2024 is in range.
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def officer(hall):
    return UserFactory(username="petugas.sipabes.uji", role=User.Role.SIPABES_OFFICER, hall=hall)


@pytest.fixture
def year_2024(hall, officer):
    """Seven traders of 2024 in two markets, plus rows the dashboard leaves out.

    Muara Aman (Lebong Utara): June x3 (two with NIB), July x1 (captured).
    Pasar Tes (Lebong Selatan): July x3 (one with NIB, kecil).
    Left out: a rejected one (June, Muara Aman) and one made in 2025.
    """
    muara = seed.market(hall, "Pasar Muara Aman", "17.07.01")
    tes = seed.market(hall, "Pasar Tes", "17.07.04")
    june = datetime.datetime(2024, 6, 20, 10)
    july = datetime.datetime(2024, 7, 4, 10)
    seed.registration(
        market=muara,
        officer=officer,
        when=june,
        status=S.NIB_ISSUED,
        capital=5_000_000,
        workers=1,
        codes=("47811", "47812"),
    )
    seed.registration(
        market=muara,
        officer=officer,
        when=june,
        status=S.HANDED_OVER,
        capital=20_000_000,
        workers=2,
        codes=("47811", "56101"),
    )
    seed.registration(
        market=muara, officer=officer, when=june, status=S.SUBMITTED, capital=7_000_000, workers=1
    )
    seed.registration(
        market=muara, officer=officer, when=july, status=S.CAPTURED, capital=3_000_000, workers=1
    )
    seed.registration(
        market=tes,
        officer=officer,
        when=july,
        status=S.NIB_ISSUED,
        capital=2_000_000_000,
        workers=6,
        codes=("14111",),
    )
    seed.registration(
        market=tes,
        officer=officer,
        when=july,
        status=S.RETURNED,
        capital=4_000_000,
        workers=1,
        codes=("56101",),
    )
    seed.registration(
        market=tes, officer=officer, when=july, status=S.CAPTURED, capital=6_000_000, workers=2
    )
    seed.registration(
        market=muara, officer=officer, when=june, status=S.REJECTED, capital=999_000_000, workers=9
    )
    seed.registration(
        market=muara,
        officer=officer,
        when=datetime.datetime(2025, 1, 2, 9),
        status=S.NIB_ISSUED,
        capital=888_000_000,
        workers=9,
    )
    InvestmentTarget.objects.create(regency=REGENCY, year=2024, amount=1_500_000_000_000)
    return {"muara": muara, "tes": tes}


def _rows(block):
    return {row["label"]: row for row in block["rows"]}


def test_it_counts_the_registrations_of_the_year(year_2024):
    data = dashboard.dashboard_data(regency=REGENCY, year=2024)
    capital = 5_000_000 + 20_000_000 + 7_000_000 + 3_000_000 + 2_000_000_000 + 4_000_000 + 6_000_000
    assert data["totals"] | {"label": None} == {
        "key": None,
        "label": None,
        "traders": 7,
        "nib_issued": 3,
        "workers": 14,
        "capital": capital,
        "suppressed": False,
    }
    assert data["target"] == {
        "amount": 1_500_000_000_000,
        "capital_share_percent": round(capital * 100 / 1_500_000_000_000, 4),
    }
    months = _rows(data["by_month"])
    assert [months["Juni"]["traders"], months["Juli"]["traders"]] == [3, 4]
    assert months["Juni"]["nib_issued"] == 2 and months["Juli"]["nib_issued"] == 1
    assert months["Januari"]["traders"] == 0  # a zero month stays: it tells nothing
    assert len(data["by_month"]["rows"]) == 12 and data["by_month"]["other"] is None
    districts = _rows(data["by_district"])
    assert districts["Lebong Utara"]["traders"] == 4
    assert districts["Lebong Selatan"]["capital"] == 2_010_000_000
    markets = _rows(data["by_market"])
    assert markets["Pasar Tes"]["district_name"] == "Lebong Selatan"
    assert markets["Pasar Muara Aman"]["workers"] == 5
    # One kecil trader alone is no group to show, and mikro (6) shown beside the
    # total (7) would give it back: both are combined; menengah (0) stays.
    assert [row["label"] for row in data["by_scale"]["rows"]] == ["Menengah"]
    assert data["by_scale"]["other"]["traders"] == 7


def test_a_registration_counts_once_in_each_kbli_section_it_has(year_2024):
    data = dashboard.dashboard_data(regency=REGENCY, year=2024)
    sections = {row["key"]: row for row in data["by_kbli_section"]["rows"]}
    # G: two codes of one registration count once; the 47811 default of three more.
    assert sections["G"]["traders"] == 5
    assert sections["G"]["nib_issued"] == 2
    assert data["by_kbli_section"]["other"]["traders"] == 3  # I (2) + C (1) combined
    assert data["by_kbli_section"]["other"]["groups"] == 2


def test_groups_of_fewer_than_three_traders_are_combined_so_none_can_be_derived(hall, officer):
    big = seed.market(hall, "Pasar Besar", "17.07.01")
    mid = seed.market(hall, "Pasar Tengah", "17.07.02")
    small = seed.market(hall, "Pasar Kecil", "17.07.02")
    for _ in range(5):
        seed.registration(market=big, officer=officer)
    for _ in range(4):
        seed.registration(market=mid, officer=officer)
    seed.registration(market=small, officer=officer, capital=123_456_789)
    data = dashboard.dashboard_data(regency=REGENCY, year=2024)
    markets = data["by_market"]
    # Pasar Kecil (1 trader) alone would be "Lainnya" with 1; its kecamatan's row
    # (Lebong Atas, 5) minus Pasar Tengah would give it back, so Pasar Tengah joins.
    assert [row["label"] for row in markets["rows"]] == ["Pasar Besar"]
    assert markets["other"]["traders"] == 5 and markets["other"]["groups"] == 2
    assert all(row["capital"] != 123_456_789 for row in markets["rows"])
    assert {row["label"] for row in data["by_district"]["rows"]} == {"Lebong Utara", "Lebong Atas"}


def test_protect_grows_the_combined_row_to_three():
    rows = [
        {"key": k, "label": k, "traders": n, "nib_issued": 0, "workers": n, "capital": n}
        for k, n in [("a", 1), ("b", 4), ("c", 3), ("d", 0)]
    ]
    result = dashboard.protect(rows)
    assert [row["key"] for row in result["rows"]] == ["b", "d"]
    assert result["other"]["traders"] == 4 and result["other"]["groups"] == 2


def test_a_year_with_fewer_than_three_traders_shows_no_figure(hall, officer):
    market = seed.market(hall, "Pasar Sepi")
    seed.registration(market=market, officer=officer, capital=77_000_000)
    seed.registration(market=market, officer=officer, capital=66_000_000)
    data = dashboard.dashboard_data(regency=REGENCY, year=2024)
    assert data["suppressed"] is True
    assert data["totals"]["traders"] is None and data["totals"]["capital"] is None
    assert data["target"]["capital_share_percent"] is None
    assert all(data[name] == {"rows": [], "other": None} for name in dashboard.BREAKDOWNS)


def test_years_and_months_are_those_of_jakarta(hall, officer):
    market = seed.market(hall, "Pasar Malam")
    # 00.30 WIB on 1 January 2025 is still 31 December 2024 in UTC.
    for _ in range(3):
        seed.registration(market=market, officer=officer, when=datetime.datetime(2025, 1, 1, 0, 30))
    assert dashboard.dashboard_data(regency=REGENCY, year=2024)["totals"]["traders"] == 0
    data = dashboard.dashboard_data(regency=REGENCY, year=2025)
    assert data["totals"]["traders"] == 3
    assert _rows(data["by_month"])["Januari"]["traders"] == 3


def test_other_regencies_are_not_counted(year_2024, officer):
    other_hall = HallFactory(name="MPP Curup", slug="curup", regency="Kabupaten Rejang Lebong")
    other_officer = UserFactory(
        username="petugas.curup", role=User.Role.SIPABES_OFFICER, hall=other_hall
    )
    market = seed.market(other_hall, "Pasar Atas Curup")
    for _ in range(3):
        seed.registration(market=market, officer=other_officer)
    assert dashboard.dashboard_data(regency=REGENCY, year=2024)["totals"]["traders"] == 7
    curup = dashboard.dashboard_data(regency="Kabupaten Rejang Lebong", year=2024)
    assert curup["totals"]["traders"] == 3
    assert curup["target"]["amount"] is None


def test_the_number_of_queries_does_not_grow_with_the_rows(hall, officer):
    markets = [seed.market(hall, f"Pasar {i}", f"17.07.{i + 1:02d}") for i in range(3)]

    def count():
        with CaptureQueriesContext(connection) as queries:
            dashboard.dashboard_data(regency=REGENCY, year=2024)
        return len(queries)

    seed.registration(market=markets[0], officer=officer)
    few = count()
    for i in range(60):
        seed.registration(
            market=markets[i % 3],
            officer=officer,
            when=datetime.datetime(2024, 1 + i % 12, 5, 9),
            status=S.NIB_ISSUED if i % 2 else S.CAPTURED,
            codes=("47811", "56101") if i % 3 else ("14111",),
        )
    assert few == count() == dashboard.QUERIES


# --- the page ------------------------------------------------------------------------


def test_the_page_shows_the_figures_charts_and_tables(
    client, year_2024, django_assert_max_num_queries
):
    # Regencies, target, 6 aggregates; the session-less public request needs no more.
    with django_assert_max_num_queries(dashboard.QUERIES + 2):
        response = client.get(reverse("sipabes:dashboard"), {"tahun": 2024})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="jumlah-nib">3<' in html
    assert 'id="jumlah-pelaku">7<' in html
    assert "Rp2.045.000.000" in html
    assert "1.500.000.000.000" in html
    assert "hanya satu bagian dari realisasi investasi" in html
    assert "kurang dari 3 pelaku usaha" in html
    for name in dashboard.BREAKDOWNS:
        assert f'id="grafik-{name}"' in html and f'id="tabel-{name}"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/sipabes-dashboard.js" in html


def test_the_figures_are_computed_once_for_many_visitors(
    client, year_2024, django_assert_max_num_queries
):
    client.get(reverse("sipabes:dashboard"), {"tahun": 2024})
    # Only the regencies of the form (and the footer's hall) are read again.
    with django_assert_max_num_queries(2):
        again = client.get(reverse("sipabes:dashboard"), {"tahun": 2024})
    assert 'id="jumlah-pelaku">7<' in again.content.decode()
    assert "dihitung ulang paling lambat setiap 5 menit" in again.content.decode()
    # The API answers from the same entry: the same moment of computation.
    api = client.get("/api/v1/sipabes/dashboard/", {"year": 2024}).json()
    computed = datetime.datetime.fromisoformat(api["computed_at"])
    assert computed == again.context["data"]["computed_at"]


def test_staff_of_the_hall_get_a_link_to_the_registrations(client, year_2024, officer):
    link = reverse("sipabes:staff_list")
    assert link not in client.get(reverse("sipabes:dashboard")).content.decode()
    client.force_login(officer)
    assert link in client.get(reverse("sipabes:dashboard")).content.decode()


def test_the_public_page_holds_no_personal_data(client, year_2024):
    html = client.get(reverse("sipabes:dashboard"), {"tahun": 2024}).content.decode()
    for reg in Registration.objects.all():
        assert reg.name not in html
        assert reg.nik not in html
        assert reg.business_name not in html
        assert not reg.nib or reg.nib not in html


def test_the_page_defaults_to_the_current_year(client, hall, officer):
    market = seed.market(hall, "Pasar Kini")
    for _ in range(3):
        seed.registration(market=market, officer=officer, when=datetime.datetime(2026, 3, 1, 9))
    response = client.get(reverse("sipabes:dashboard"))
    assert response.context["data"]["year"] == 2026
    assert response.context["data"]["totals"]["traders"] == 3


@pytest.mark.parametrize("year", ["abc", "2023", "2027", "-1"])
def test_the_page_refuses_a_year_out_of_range(client, hall, year):
    response = client.get(reverse("sipabes:dashboard"), {"tahun": year})
    assert response.status_code == 400
    assert "Pilih tahun antara 2024 dan 2026." in response.content.decode()


def test_the_csv_holds_the_same_figures(client, year_2024):
    response = client.get(reverse("sipabes:dashboard_csv"), {"tahun": 2024})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sipabes-dasbor-2024.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Dasbor SIPABES", REGENCY, "2024"]
    assert rows[2] == ["Jumlah", "7", "3", "14", "2045000000"]
    assert ["Pasar Muara Aman (Lebong Utara)", "4", "2", "5", "35000000"] in rows
    assert any(row and row[0].startswith("Lainnya") for row in rows)
    text = response.content.decode("utf-8-sig")
    assert "Pedagang Uji" not in text and "170701" not in text


def test_the_csv_refuses_a_bad_year(client, hall):
    assert client.get(reverse("sipabes:dashboard_csv"), {"tahun": "x"}).status_code == 400


# --- the API -------------------------------------------------------------------------


def test_the_api_answers_the_same_figures(api_client, year_2024):
    response = api_client.get("/api/v1/sipabes/dashboard/", {"year": 2024})
    assert response.status_code == 200
    body = response.json()
    expected = dashboard.dashboard_data(regency=REGENCY, year=2024)
    assert body["totals"]["traders"] == expected["totals"]["traders"] == 7
    assert body["target"] == expected["target"]
    assert [r["traders"] for r in body["by_month"]["rows"]] == [
        r["traders"] for r in expected["by_month"]["rows"]
    ]
    assert body["by_scale"]["other"]["suppressed"] is False
    assert set(body["notes"]) == {"population", "capital", "privacy"}
    assert "Pedagang Uji" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "2023"}, "year"),
        ({"year": "2027"}, "year"),
        ({"year": "2024.5"}, "year"),
        ({"regency": "Kabupaten Entah"}, "regency"),
    ],
)
def test_the_api_refuses_bad_input_field_by_field(api_client, hall, query, field):
    response = api_client.get("/api/v1/sipabes/dashboard/", query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]


def test_an_empty_year_is_the_current_one(api_client, hall):
    # Like every filter of the API: an empty value filters nothing.
    response = api_client.get("/api/v1/sipabes/dashboard/", {"year": ""})
    assert response.status_code == 200
    assert response.json()["year"] == 2026


def test_the_api_is_documented_with_an_example(api_client):
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/sipabes/dashboard/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"year", "regency"}
    content = operation["responses"]["200"]["content"]["application/json"]
    assert "Kabupaten Lebong 2024" in str(content["examples"])
    assert "400" in operation["responses"]
