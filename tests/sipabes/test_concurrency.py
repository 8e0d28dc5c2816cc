"""One NIB per NIK and one row per idempotency key, under real concurrency.

Each thread has its own PostgreSQL connection; the threads start together
at a barrier. The check before the insert is made to pass in both threads
(as it does when two officers press "Simpan" in the same instant), so the
database constraint decides, and the loser gets the clear message.
"""

import contextlib
import datetime
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from mpp_portal.accounts.models import User
from services.sipabes import services
from services.sipabes.kbli import kbli_import_seed
from services.sipabes.models import Market, Registration, SubmissionKey, Visit
from tests.factories import AgencyFactory, HallFactory, UserFactory
from tests.sipabes.core_fixtures import nik, registration_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def place():
    hall = HallFactory(slug="konkuren")
    dpmptsp = AgencyFactory(hall=hall, slug="dpmptsp")
    officers = [
        UserFactory(username=f"petugas.{n}", role=User.Role.SIPABES_OFFICER, agency=dpmptsp)
        for n in range(2)
    ]
    market = Market.objects.create(
        hall=hall, name="Pasar Uji", village="X", district_code="17.07.01"
    )
    visit = Visit.objects.create(
        hall=hall, market=market, date=datetime.date(2024, 6, 20), status=Visit.Status.OPEN
    )
    kbli_import_seed()
    return visit, officers


def _together(functions):
    barrier = threading.Barrier(len(functions))

    def run(function):
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            try:
                return function()
            except Exception as exc:  # the outcome is what is compared
                return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        return list(pool.map(run, functions))


def test_two_officers_register_one_nik_at_once_one_wins(place, monkeypatch):
    visit, officers = place
    real = services.live_registration_of
    seen = threading.local()

    def first_check_passes(value):
        # The pre-insert check of each thread sees no row yet (the race);
        # the look-up after the refused insert is the real one.
        if not getattr(seen, "checked", False):
            seen.checked = True
            return None
        return real(value)

    monkeypatch.setattr(services, "live_registration_of", first_check_passes)
    the_nik = nik(9001)

    def register(officer, business):
        def run():
            return services.registration_create(
                officer=officer,
                visit=visit,
                **registration_data(nik=the_nik, business_name=business),
            )

        return run

    results = _together([register(officers[0], "Kios A"), register(officers[1], "Kios B")])
    won = [r for r in results if isinstance(r, Registration)]
    lost = [r for r in results if isinstance(r, services.NikAlreadyRegistered)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].extra["registration"] == won[0].pk
    assert "sudah terdaftar" in str(lost[0].message)
    assert Registration.objects.filter(nik=the_nik).count() == 1


def test_eight_sends_of_one_key_make_one_row(place):
    """A retry storm (two tabs, a resend after a lost answer): one row, one answer."""
    visit, officers = place
    key = uuid.uuid4()
    data = registration_data(nik=nik(9002))

    def send():
        def attempt():
            try:
                registration = services.registration_create(
                    officer=officers[0], visit=visit, idempotency_key=key, **data
                )
            except services.NikAlreadyRegistered as exc:
                return 409, {"message": str(exc.message)}, None
            return 201, {"id": registration.pk}, registration

        return services.submission_once(key=key, user=officers[0], attempt=attempt)

    results = _together([send for _ in range(8)])
    assert all(not isinstance(r, Exception) for r in results), results
    assert {(status, body["id"]) for status, body, _replayed in results} == {
        (201, Registration.objects.get().pk)
    }
    assert sum(1 for _s, _b, replayed in results if not replayed) == 1
    assert Registration.objects.count() == 1
    assert SubmissionKey.objects.count() == 1
