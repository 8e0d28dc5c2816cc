"""The booking PDF (A6) fits on one page for every demo service."""

import datetime
import io

import pytest
from pypdf import PdfReader

from mpp_portal.documents.pdf import qr_data_uri, render_pdf
from mpp_portal.organizations.management.commands.seed_demo import HALL
from mpp_portal.organizations.models import Agency, Hall
from services.demo import SERVICES
from services.models import Booking, Service

# The longest name the booking form takes (Booking.name, 150 characters).
LONG_NAME = ("Raden Ajeng Siti Aminah Kusumawardhani " * 4)[:150]


def _pages(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("demo", SERVICES, ids=[entry[2][:30] for entry in SERVICES])
def test_the_booking_pdf_is_one_page_for_each_demo_service(demo):
    agency_slug, code, name, *_rest = demo
    requirements = demo[7]
    hall = Hall(name=HALL["name"], address=HALL["address"])
    agency = Agency(hall=hall, name=f"Agency {agency_slug} " * 4, short_name=agency_slug)
    service = Service(agency=agency, name=name, code=code, requirements=requirements)
    booking = Booking(
        service=service,
        code="AB12CD34",
        date=datetime.date(2026, 12, 2),
        slot_start=datetime.time(9),
        slot_end=datetime.time(9, 30),
        name=LONG_NAME,
        status=Booking.Status.BOOKED,
    )
    context = {"booking": booking, "service": service, "hall": hall, "qr": qr_data_uri("AB12CD34")}

    pdf = render_pdf("services/booking/pdf.html", context)

    assert _pages(pdf) == 1
    text = _text(pdf)
    assert "AB12CD34" in text
    # The last requirement and the closing note made it onto that page.
    assert requirements[-1].split()[-1].strip("()") in text
    assert "Check-in dibuka" in text
