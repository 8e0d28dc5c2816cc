"""Services centralised: hand-counted catalogue, agreements and pending list."""

import datetime

import pytest

from agreements.models import Agreement, AgreementParty, CoverageSnapshot, PendingService
from regency.figures import Context, centralised
from regency.periods import MONTH, Period
from tests.factories import ServiceFactory

TODAY = datetime.date(2026, 3, 15)
MARCH = Period(MONTH, 2026, 3)


@pytest.fixture
def world(hall, agency_a, agency_b):
    a1 = ServiceFactory(agency=agency_a, name="KTP-el")
    ServiceFactory(agency=agency_a, name="Kartu Keluarga")
    b1 = ServiceFactory(agency=agency_b, name="PBB")
    ServiceFactory(agency=agency_b, name="Lama", is_active=False)
    active = Agreement.objects.create(hall=hall, title="PKS Dukcapil", status="active")
    active.services.add(a1)
    AgreementParty.objects.create(agreement=active, agency=agency_a, name="Disdukcapil")
    draft = Agreement.objects.create(hall=hall, title="PKS Bapenda", status="draft")
    draft.services.add(b1)
    AgreementParty.objects.create(agreement=draft, agency=agency_b, name="Bapenda")
    PendingService.objects.create(
        hall=hall, agency=agency_b, agency_name="Bapenda", service_name="BPHTB"
    )
    PendingService.objects.create(hall=hall, agency_name="Kemenag", service_name="Nikah")
    # February's last snapshot is the 20th; the one of 1 March belongs to March.
    CoverageSnapshot.objects.create(
        hall=hall,
        date=datetime.date(2026, 2, 20),
        services_in_mpp=2,
        services_covered=0,
        services_pending=4,
    )
    CoverageSnapshot.objects.create(
        hall=hall,
        date=datetime.date(2026, 3, 1),
        services_in_mpp=9,
        services_covered=9,
        services_pending=0,
    )


def values(tile):
    return {f.key: (f.value, f.previous) for f in tile.figures}


def test_current_period_is_the_live_coverage_against_the_last_snapshot(hall, world):
    tile = centralised.build(Context(hall=hall, period=MARCH, today=TODAY))
    got = values(tile)
    assert got["agencies_in_mpp"] == (2, None)
    assert got["agencies_covered"] == (1, None)
    assert got["services_in_mpp"] == (3, 2)
    assert got["services_covered"] == (1, 0)
    assert got["share_covered"] == (33.3, 0.0)
    assert got["services_pending"] == (2, 4)
    assert got["share_centralised"] == (60.0, 33.3)
    assert tile.table.rows == [
        ["Badan Pendapatan Daerah", 1, 0, 1, 1, "Belum"],
        ["Dinas Kependudukan dan Pencatatan Sipil", 2, 1, 1, 0, "Ya"],
        ["Instansi belum hadir di MPP", 0, 0, 0, 1, "Belum"],
    ]
    assert tile.url == "/perjanjian/cakupan/"
    assert tile.public_url == "/mpp/perigo-agung/kerja-sama/"


def test_a_past_period_reads_the_snapshot_at_its_end(hall, world):
    february = Period(MONTH, 2026, 2)
    got = values(centralised.build(Context(hall=hall, period=february, today=TODAY)))
    assert got["services_in_mpp"] == (2, None)  # January has no snapshot: no figure, not 0
    assert got["share_covered"] == (0.0, None)
    assert "agencies_in_mpp" not in got


def test_agency_admin_sees_own_agency_only(hall, world, agency_a):
    tile = centralised.build(Context(hall=hall, period=MARCH, agency=agency_a, today=TODAY))
    got = values(tile)
    assert got["services_in_mpp"] == (2, None)
    assert got["services_covered"] == (1, None)
    assert got["services_pending"] == (0, None)
    assert [row[0] for row in tile.table.rows] == ["Dinas Kependudukan dan Pencatatan Sipil"]


def test_constant_queries(hall, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        centralised.build(Context(hall=hall, period=MARCH, today=TODAY))
