"""IKM per service and for the hall, against hand-computed indices and samples."""

import datetime
from decimal import Decimal

import pytest

from regency.figures import Context, ikm
from regency.periods import MONTH, Period
from tests.factories import ServiceFactory
from tests.regency.conftest import answer, ticket

MARCH = Period(MONTH, 2026, 3)


@pytest.fixture
def world(agency_a, agency_b):
    ktp = ServiceFactory(agency=agency_a, name="KTP-el")
    pbb = ServiceFactory(agency=agency_b, name="PBB")
    day = datetime.date(2026, 3, 31)
    for score in (4, 4, 3):
        answer(ktp, day, score)
    ticket(ktp, day)  # served, no answer
    answer(pbb, datetime.date(2026, 3, 2), 2)
    answer(ktp, datetime.date(2026, 2, 27), 1)  # February
    answer(ktp, datetime.date(2026, 4, 1), 4)  # April
    return ktp, pbb


def values(tile):
    return {f.key: (f.value, f.previous) for f in tile.figures}


def test_hand_computed_indices(hall, world):
    tile = ikm.build(Context(hall=hall, period=MARCH))
    got = values(tile)
    # Hall: every element's NRR = (4+4+3+2)/4 = 3.25; IKM = 3.25 x 25.
    assert got["ikm"] == (Decimal("81.25"), Decimal("25.00"))
    assert tile.figure("ikm").note == "B (Baik)"
    assert got["respondents"] == (4, 1)
    assert got["population"] == (5, 1)
    # Krejcie-Morgan: 5 -> 5 (not reached with 4), 1 -> 1 (reached).
    assert got["min_sample"] == (5, 1)
    assert got["sample_reached"] == (0, 1)
    assert got["services_sample_reached"] == (1, None)
    assert tile.table.rows == [
        ["PBB", "Badan Pendapatan Daerah", 1, 1, 1, "Ya", Decimal("50.00"), "D"],
        # 11/3 x 25 = 91.666... -> 91.67, grade A; 4 served -> minimum 4.
        [
            "KTP-el",
            "Dinas Kependudukan dan Pencatatan Sipil",
            3,
            4,
            4,
            "Belum",
            Decimal("91.67"),
            "A",
        ],
    ]


def test_agency_slice(hall, world, agency_a):
    tile = ikm.build(Context(hall=hall, period=MARCH, agency=agency_a))
    assert values(tile)["ikm"] == (Decimal("91.67"), Decimal("25.00"))
    assert [row[0] for row in tile.table.rows] == ["KTP-el"]


def test_public_hides_an_index_of_fewer_than_three_answers(hall, world):
    tile = ikm.build(Context(hall=hall, period=MARCH, public=True))
    assert tile.table.rows[0][6:] == [None, None]
    assert tile.table.rows[1][6:] == [Decimal("91.67"), "A"]
    assert tile.chart.labels == ["KTP-el"]


def test_no_answers_no_index(hall, world):
    got = values(ikm.build(Context(hall=hall, period=Period(MONTH, 2026, 6))))
    assert got["ikm"] == (None, None)
    assert got["respondents"] == (0, 0)


def test_rolled_up_days_give_the_same_tile(hall, world):
    """The daily rollups (queue and SKM) of some days change no figure."""
    from services import rollup

    before = ikm.build(Context(hall=hall, period=MARCH))
    rollup.rollup_days([datetime.date(2026, 3, 2), datetime.date(2026, 2, 27)])
    after = ikm.build(Context(hall=hall, period=MARCH))
    assert after.table.rows == before.table.rows
    assert values(after) == values(before)


def test_constant_queries(hall, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        ikm.build(Context(hall=hall, period=MARCH))
