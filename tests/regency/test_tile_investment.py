"""Investment: SIPABES registrations by WIB month, year to date vs the target."""

import datetime

import pytest

from regency.figures import Context, investment
from regency.periods import MONTH, QUARTER, Period
from services.sipabes.models import InvestmentTarget, Registration
from tests.sipabes.dashboard_seed import market, registration

R = Registration.Status
MARCH = Period(MONTH, 2026, 3)
M = 1_000_000


@pytest.fixture
def world(hall, staff_a):
    pasar = market(hall, "Pasar Muara Aman")

    def reg(when, status, capital):
        registration(market=pasar, officer=staff_a, when=when, status=status, capital=capital)

    reg(datetime.datetime(2026, 3, 31, 23, 30), R.NIB_ISSUED, 10 * M)  # 16:30 UTC: March
    reg(datetime.datetime(2026, 3, 1, 0, 10), R.CAPTURED, 20 * M)  # still February in UTC
    reg(datetime.datetime(2026, 4, 1, 0, 0), R.HANDED_OVER, 40 * M)  # April
    reg(datetime.datetime(2026, 3, 15, 10, 0), R.REJECTED, 99 * M)  # never counted
    reg(datetime.datetime(2026, 2, 10, 10, 0), R.HANDED_OVER, 5 * M)
    reg(datetime.datetime(2026, 1, 10, 10, 0), R.CAPTURED, 1 * M)
    reg(datetime.datetime(2025, 12, 20, 10, 0), R.NIB_ISSUED, 7 * M)  # last year
    InvestmentTarget.objects.create(regency=hall.regency, year=2026, amount=100 * M)


def values(tile):
    return {f.key: (f.value, f.previous) for f in tile.figures}


def test_hand_counted_march(hall, world):
    tile = investment.build(Context(hall=hall, period=MARCH))
    got = values(tile)
    assert got["registrations"] == (2, 1)
    assert got["nib_issued"] == (1, 1)
    assert got["capital"] == (30 * M, 5 * M)
    assert got["nib_ytd"] == (2, None)
    assert got["capital_ytd"] == (36 * M, None)
    assert got["target"] == (100 * M, None)
    assert got["target_share"] == (36.0, None)
    assert tile.table.rows == [["Mar 2026", 2, 1, 30 * M]]
    assert tile.hidden_for_agency is True


def test_quarter_by_month(hall, world):
    tile = investment.build(Context(hall=hall, period=Period(QUARTER, 2026, 1)))
    assert tile.table.rows == [
        ["Jan 2026", 1, 0, 1 * M],
        ["Feb 2026", 1, 1, 5 * M],
        ["Mar 2026", 2, 1, 30 * M],
    ]
    assert values(tile)["registrations"] == (4, 1)  # Q4 2025: the December one


def test_public_hides_fewer_than_three_traders(hall, world):
    got = values(investment.build(Context(hall=hall, period=MARCH, public=True)))
    assert got["registrations"] == (None, None)
    assert got["capital"] == (None, None)
    assert got["capital_ytd"] == (36 * M, None)  # four traders


def test_no_target_no_share(hall, world):
    InvestmentTarget.objects.all().delete()
    got = values(investment.build(Context(hall=hall, period=MARCH)))
    assert got["target"] == (None, None)
    assert got["target_share"] == (None, None)


def test_constant_queries(hall, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        investment.build(Context(hall=hall, period=MARCH))
