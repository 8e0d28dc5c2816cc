"""Fixtures of the SIPABES core tests (officer, market, open visit, KBLI seed).

Imported by the test modules that use them (``from tests.sipabes.core_fixtures
import *``), so the dashboard's tests in this folder keep their own.
"""

import datetime
import itertools

import pytest

from mpp_portal.accounts.models import User
from services.sipabes import services
from services.sipabes.kbli import kbli_import_seed
from services.sipabes.models import Market, Visit
from tests.factories import AgencyFactory, HallFactory, UserFactory

# Valid Lebong NIKs (17.07.01, born 12 March 1990, a woman: day + 40).
_serial = itertools.count(1)


def nik(serial=None):
    return f"17070152039{0:01d}{serial if serial is not None else next(_serial):04d}"


def registration_data(**overrides):
    data = {
        "nik": nik(),
        "name": "Rosmawati",
        "phone": "0812-3456-7890",
        "email": "",
        "home_address": "Desa Talang Leak, Kabupaten Lebong",
        "business_name": "Ikan Segar Rosmawati",
        "kbli_codes": ["47813"],
        "block": "Los Ikan",
        "stall_number": "14",
        "capital": 25_000_000,
        "workers": 1,
        "consent": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def kbli_seed(db):
    return kbli_import_seed()


@pytest.fixture
def dpmptsp(hall):
    return AgencyFactory(
        hall=hall,
        name="Dinas Penanaman Modal dan PTSP",
        short_name="DPMPTSP",
        slug="dpmptsp",
    )


@pytest.fixture
def officer(dpmptsp):
    return UserFactory(
        username="petugas.sipabes.uji", role=User.Role.SIPABES_OFFICER, agency=dpmptsp
    )


@pytest.fixture
def market(hall):
    return Market.objects.create(
        hall=hall,
        name="Pasar Tradisional Modern Muara Aman",
        village="Kelurahan Pasar Muara Aman",
        district_code="17.07.01",
    )


@pytest.fixture
def visit(market, officer):
    visit = Visit.objects.create(
        hall=market.hall,
        market=market,
        date=datetime.date(2024, 6, 20),
        status=Visit.Status.OPEN,
        target_traders=30,
    )
    visit.officers.add(officer)
    return visit


@pytest.fixture
def other_hall(db):
    return HallFactory(name="MPP Lain", slug="mpp-lain")


@pytest.fixture
def other_officer(other_hall):
    dpmptsp = AgencyFactory(hall=other_hall, short_name="DPMPTSP Lain", slug="dpmptsp")
    return UserFactory(username="petugas.lain", role=User.Role.SIPABES_OFFICER, agency=dpmptsp)


@pytest.fixture
def make_registration(visit, officer, kbli_seed):
    def make(**overrides):
        return services.registration_create(
            officer=officer, visit=visit, **registration_data(**overrides)
        )

    return make
