"""A citizen goes from the home page's agency card to its services, reads the
procedure as steps and books from the service's page; the footer gives the
hall's contacts and complaint number."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mpp_portal.organizations.models import Hall
from services.models import BookingSchedule
from tests.e2e.steps import shot
from tests.factories import ServiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "var/screenshots/act-from-page"


@pytest.fixture
def bookable(hall, agency_a):
    Hall.objects.filter(pk=hall.pk).update(
        phone="(0732) 21000",
        email="mpp@lebongkab.test",
        map_url="https://www.openstreetmap.org/?mlat=-3.16&mlon=102.22",
        complaint_hotline="081200001234",
    )
    service = ServiceFactory(
        agency=agency_a,
        name="Perekaman KTP-el",
        slug="ktp-el",
        code="A",
        procedure="1. Ambil nomor antrean.\n2. Tunggu panggilan.\n3. Foto dan sidik jari.",
    )
    BookingSchedule.objects.create(service=service, weekdays=[0, 1, 2, 3, 4])
    return service


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_from_agency_card_to_booking(live_server, device, office_hours, bookable, viewport):
    page = device(*viewport)
    page.goto(live_server.url + "/")
    footer = page.locator("footer")
    expect(footer.get_by_role("link", name="(0732) 21000")).to_have_attribute(
        "href", "tel:073221000"
    )
    expect(footer.get_by_role("link", name="Lihat lokasi di peta")).to_be_visible()
    expect(footer.locator("[data-complaint-hotline]")).to_contain_text("0812-0000-1234")

    page.get_by_role("link", name="Lihat 1 layanan Disdukcapil").click()
    expect(page).to_have_url(
        live_server.url + reverse("services:catalogue") + f"?instansi={bookable.agency.pk}"
    )
    page.get_by_role("link", name="Perekaman KTP-el").first.click()

    steps = page.locator("ol.procedure-steps > li")
    expect(steps).to_have_count(3)
    expect(steps.first).to_have_text("Ambil nomor antrean.")
    shot(page, SHOTS, f"service-{viewport[0]}")

    page.locator("[data-service-actions]").get_by_role("link", name="Ambil antrean").click()
    expect(page.locator("#ambil-antrean")).to_be_in_viewport()
    page.locator("[data-service-actions]").get_by_role("link", name="Pesan jadwal").click()
    expect(page).to_have_url(
        live_server.url + reverse("services:booking_service", args=[bookable.pk])
    )
