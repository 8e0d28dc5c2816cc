import datetime

import pytest
import time_machine

from mpp_portal.workdays import JAKARTA
from services.models import BookingSchedule
from tests.factories import CounterFactory, ServiceFactory

# Tuesday 1 December 2026, 09:00 WIB: a working day inside office hours.
OPEN_MOMENT = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def _office_hours():
    with time_machine.travel(OPEN_MOMENT, tick=True):
        yield


@pytest.fixture
def service_a(agency_a):
    return ServiceFactory(agency=agency_a, name="Perekaman KTP-el", slug="ktp-el", code="A")


@pytest.fixture
def service_a2(agency_a):
    return ServiceFactory(agency=agency_a, name="Kartu Keluarga", slug="kk", code="K")


@pytest.fixture
def service_b(agency_b):
    return ServiceFactory(agency=agency_b, name="Pajak Kendaraan", slug="pkb", code="P")


@pytest.fixture
def counter_a(agency_a, service_a, service_a2):
    return CounterFactory(agency=agency_a, number=1, services=[service_a, service_a2])


@pytest.fixture
def counter_a2(agency_a, service_a, service_a2):
    return CounterFactory(agency=agency_a, number=2, services=[service_a, service_a2])


@pytest.fixture
def counter_b(agency_b, service_b):
    return CounterFactory(agency=agency_b, number=3, services=[service_b])


@pytest.fixture
def staff_a2(agency_a):
    from mpp_portal.accounts.models import User
    from tests.factories import UserFactory

    return UserFactory(username="petugas.a2", role=User.Role.COUNTER_STAFF, agency=agency_a)


def make_schedule(service, *, seats_per_slot, daily_quota):
    """Book ``service`` Mon-Fri 08-12 in 30-minute slots, a week ahead, today until 10.00."""
    return BookingSchedule.objects.create(
        service=service,
        weekdays=[0, 1, 2, 3, 4],
        opens=datetime.time(8),
        closes=datetime.time(12),
        slot_minutes=30,
        seats_per_slot=seats_per_slot,
        daily_quota=daily_quota,
        days_ahead=7,
        same_day_cutoff=datetime.time(10),
    )
