"""The dashboard's 5-minute cache forgets a regency's year as soon as one of
its registrations is created, moved or edited (dashboard.forget_on_commit)."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from services.sipabes import dashboard, services
from tests.sipabes.core_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db
REGENCY = "Kabupaten Lebong"


def _figures(year):
    data = dashboard.cached_dashboard(regency=REGENCY, year=year)
    return data["totals"]["traders"], data["totals"]["nib_issued"]


def _keys(year):
    return [dashboard.cache_key(regency=REGENCY, year=year, language=c) for c in ("id", "en")]


def test_recording_a_nib_on_the_page_is_counted_at_once(
    client, officer, make_registration, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration()
        services.registration_submit(registration=registration, by=officer)
    # Three 1-trader figures hide below MIN_GROUP: read the raw cache entry.
    dashboard.cached_dashboard(regency=REGENCY, year=year)
    assert cache.get(_keys(year)[0]) is not None
    # Another year's entry and the same year's other regency stay.
    dashboard.cached_dashboard(regency=REGENCY, year=2024)
    dashboard.cached_dashboard(regency="Kabupaten Rejang Lebong", year=year)

    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/sipabes/pendaftaran/{registration.pk}/nib/",
            {"nib": "9120400000017", "nib_issued_on": timezone.localdate().isoformat()},
        )
    assert response.status_code == 302
    assert callbacks, "the NIB's commit carries the cache drop"
    assert cache.get(_keys(year)[0]) is None
    assert cache.get(dashboard.cache_key(regency=REGENCY, year=2024, language="id")) is not None
    assert (
        cache.get(dashboard.cache_key(regency="Kabupaten Rejang Lebong", year=year, language="id"))
        is not None
    )


def test_every_move_and_language_drops_the_entry(
    officer, make_registration, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        regs = [make_registration() for _ in range(3)]

    def warm():
        for language in ("id", "en"):
            with translation.override(language):
                dashboard.cached_dashboard(regency=REGENCY, year=year)
        assert all(cache.get(key) is not None for key in _keys(year))

    moves = [
        lambda: make_registration(),
        lambda: services.registration_submit(registration=regs[0], by=officer),
        lambda: services.registration_record_nib(
            registration=regs[0], by=officer, nib="9120400000024", issued_on=timezone.localdate()
        ),
        lambda: services.registration_hand_over(
            registration=regs[0], by=officer, acknowledged=True
        ),
        lambda: services.registration_return(registration=regs[1], by=officer, reason="KTP buram"),
        lambda: services.registration_correct(
            registration=regs[1], by=officer, changes={"capital": 30_000_000}
        ),
        lambda: services.registration_add_activity(
            registration=regs[1], by=officer, kbli_codes=["56102"]
        ),
        lambda: services.registration_reject(registration=regs[2], by=officer, reason="Ganda"),
    ]
    for move in moves:
        warm()
        with django_capture_on_commit_callbacks(execute=True):
            move()
        assert all(cache.get(key) is None for key in _keys(year)), move
    warm()
    with translation.override("id"):
        # Four made, the rejected one left out; one NIB handed over.
        assert _figures(year) == (3, 1)


def test_nothing_is_dropped_before_the_commit(
    officer, make_registration, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        make_registration()
    dashboard.cached_dashboard(regency=REGENCY, year=year)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_registration()
        assert cache.get(_keys(year)[0]) is not None  # not yet committed
    assert len(callbacks) == 1


def test_a_registration_of_last_year_drops_last_years_entry(
    officer, make_registration, django_capture_on_commit_callbacks
):
    registration = make_registration()
    last_year = timezone.localdate().year - 1
    registration.created_at = datetime.datetime(last_year, 12, 31, 23, 30, tzinfo=dashboard.JAKARTA)
    dashboard.cached_dashboard(regency=REGENCY, year=last_year)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_submit(registration=registration, by=officer)
    # _move reads the row again: created_at from the database (now), not the
    # unsaved attribute, decides the year.
    assert cache.get(_keys(last_year)[0]) is not None
