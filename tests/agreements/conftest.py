import datetime

import pytest

from agreements import services
from agreements.models import Agreement
from mpp_portal.accounts.models import User
from tests.factories import AgencyFactory, CounterFactory, ServiceFactory, UserFactory

TODAY = datetime.date(2026, 3, 2)


def pdf_bytes(text="Perjanjian"):
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        + text.encode()
    )


@pytest.fixture
def admin_mpp(hall):
    return UserFactory(
        username="admin.pks", role=User.Role.HALL_ADMIN, hall=hall, email="admin.mpp@example.test"
    )


@pytest.fixture
def make_agreement(hall, admin_mpp):
    """Record an agreement through the service; ``status`` forces a state."""

    def _make(*agencies, status=None, services_=(), **fields):
        from tests.transition_guard import force_status

        values = {
            "title": "Penyelenggaraan layanan di MPP",
            "kind": Agreement.Kind.PKS,
            "signed_on": datetime.date(2024, 6, 20),
            "start_date": datetime.date(2024, 6, 20),
            "end_date": datetime.date(2027, 6, 19),
        } | fields
        parties = [{"agency": None, "number": f"100.3/{len(agencies)}/PKS/2024"}] + [
            {"agency": a, "number": f"{a.slug.upper()}/PKS/2024"} for a in agencies
        ]
        agreement = services.agreement_create(
            hall=hall, by=admin_mpp, parties=parties, services=services_, **values
        )
        if status:
            force_status(agreement, status)
        return agreement

    return _make


@pytest.fixture
def catalogue(agency_a, agency_b, hall):
    """Two services of each agency, one counter each serving them."""
    a1 = ServiceFactory(agency=agency_a, name="KTP-el")
    a2 = ServiceFactory(agency=agency_a, name="Kartu Keluarga")
    b1 = ServiceFactory(agency=agency_b, name="PBB")
    b2 = ServiceFactory(agency=agency_b, name="BPHTB")
    ca = CounterFactory(agency=agency_a, hall=hall, services=[a1, a2])
    cb = CounterFactory(agency=agency_b, hall=hall, services=[b1, b2])
    return {"a1": a1, "a2": a2, "b1": b1, "b2": b2, "ca": ca, "cb": cb}


@pytest.fixture
def agency_c(hall):
    return AgencyFactory(hall=hall, name="Kantor Pertanahan", short_name="BPN", slug="bpn")
