"""FKM commitment: forums held and signed, items on time / late / open, in WIB."""

import datetime

import pytest

from forums.models import AgreementItem, Forum, ForumAgency
from regency.figures import Context, commitment
from regency.periods import MONTH, Period
from tests.regency.conftest import wib

MARCH = Period(MONTH, 2026, 3)
TODAY = datetime.date(2026, 4, 8)
S = Forum.Status
I = AgreementItem.Status  # noqa: E741


def forum(hall, starts_at, status, signed_at=None, slug="forum", published=True):
    return Forum.objects.create(
        hall=hall,
        slug=slug,
        theme="Pemusatan layanan",
        starts_at=starts_at,
        venue="Aula",
        status=status,
        signed_at=signed_at,
        is_published=published,
    )


def item(forum_, number, agency, target, status=I.OPEN, done_on=None):
    return AgreementItem.objects.create(
        forum=forum_,
        number=number,
        text=f"Butir {number}",
        agency=agency,
        target_date=target,
        status=status,
        done_on=done_on,
    )


@pytest.fixture
def world(hall, agency_a, agency_b):
    # 23:30 WIB on 31 March is 16:30 UTC: still March.
    late_night = forum(hall, wib(2026, 3, 31, 23, 30), S.SIGNED, wib(2026, 3, 31, 23, 45), "a")
    ForumAgency.objects.create(forum=late_night, agency=agency_a)
    # 00:10 WIB on 1 March is still February in UTC: March.
    forum(hall, wib(2026, 3, 1, 0, 10), S.HELD, slug="b")
    forum(hall, wib(2026, 3, 20), S.PLANNED, slug="c")  # not held
    forum(hall, wib(2026, 4, 1, 0, 0), S.HELD, slug="d")  # April
    forum(hall, wib(2026, 2, 10), S.IN_SIGNING, slug="e")  # February, not signed
    unpublished = forum(hall, wib(2026, 3, 5), S.HELD, slug="f", published=False)
    # Items due in March. Saturday 28 March moves to Monday 30 March.
    item(late_night, 1, agency_a, datetime.date(2026, 3, 28), I.DONE, datetime.date(2026, 3, 30))
    item(late_night, 2, agency_a, datetime.date(2026, 3, 28), I.DONE, datetime.date(2026, 3, 31))
    item(late_night, 3, agency_b, datetime.date(2026, 3, 31), I.IN_PROGRESS)  # overdue today
    item(late_night, 4, agency_b, datetime.date(2026, 3, 10), I.DROPPED)  # left out
    item(late_night, 5, agency_b, datetime.date(2026, 4, 30))  # April
    item(unpublished, 1, agency_b, datetime.date(2026, 3, 2), I.DONE, datetime.date(2026, 3, 2))
    # February: one done late (target Fri 27 Feb, done Mon 2 Mar).
    item(late_night, 6, agency_a, datetime.date(2026, 2, 27), I.DONE, datetime.date(2026, 3, 2))


def values(tile):
    return {f.key: (f.value, f.previous) for f in tile.figures}


def test_hand_counted_march(hall, world):
    tile = commitment.build(Context(hall=hall, period=MARCH, today=TODAY))
    got = values(tile)
    assert got["forums_held"] == (3, 1)
    assert got["berita_acara_signed"] == (1, 0)
    assert got["items_due"] == (4, 1)
    assert got["items_on_time"] == (2, 0)
    assert got["items_late"] == (1, 1)
    assert got["items_open"] == (1, 0)
    assert got["items_overdue"] == (1, 0)
    assert got["on_time_rate"] == (50.0, 0.0)
    assert tile.table.rows == [
        ["Badan Pendapatan Daerah", 2, 1, 0, 1, 1],
        ["Dinas Kependudukan dan Pencatatan Sipil", 2, 1, 1, 0, 0],
    ]


def test_public_counts_published_forums_only(hall, world):
    got = values(commitment.build(Context(hall=hall, period=MARCH, today=TODAY, public=True)))
    assert got["forums_held"] == (2, 1)
    assert got["items_due"] == (3, 1)


def test_agency_slice(hall, world, agency_a):
    tile = commitment.build(Context(hall=hall, period=MARCH, agency=agency_a, today=TODAY))
    got = values(tile)
    assert got["forums_held"] == (1, 0)
    assert got["items_due"] == (2, 1)
    assert [row[0] for row in tile.table.rows] == ["Dinas Kependudukan dan Pencatatan Sipil"]
    assert tile.url == "/forum/tindak-lanjut/"


def test_constant_queries(hall, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        commitment.build(Context(hall=hall, period=MARCH, today=TODAY))
