"""Act from where you read: book or take a number from a service's page, an
agency's services from its card, the procedure as numbered steps, and the
hall's contacts and complaint number in every page's footer."""

import pytest
from django.urls import reverse

from mpp_portal.organizations.models import Hall
from services.models import BookingSchedule, Service
from services.templatetags.catalogue import procedure_steps
from tests.factories import AgencyFactory, ServiceFactory

pytestmark = pytest.mark.django_db


# --- the procedure as steps -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        (
            "1. Ambil antrean. 2. Tunggu panggilan. 3. Serahkan berkas.",
            ["Ambil antrean.", "Tunggu panggilan.", "Serahkan berkas."],
        ),
        (
            "1) Daftar 2) Bayar Rp10.000 di loket 3) Terima",
            ["Daftar", "Bayar Rp10.000 di loket", "Terima"],
        ),
        ("Ambil antrean.\nSerahkan berkas.\n", ["Ambil antrean.", "Serahkan berkas."]),
        ("1. Ambil antrean.\n2. Serahkan berkas.", ["Ambil antrean.", "Serahkan berkas."]),
        ("- Ambil antrean\n• Serahkan berkas", ["Ambil antrean", "Serahkan berkas"]),
        # Not numbered in sequence: one step, kept as written.
        ("Bawa 2. fotokopi KK dan 5. pas foto", ["Bawa 2. fotokopi KK dan 5. pas foto"]),
        (
            "Sesuai Perbup tahun 2024. Datang langsung.",
            ["Sesuai Perbup tahun 2024. Datang langsung."],
        ),
        ("", []),
        (None, []),
    ],
)
def test_procedure_steps(text, steps):
    assert procedure_steps(text) == steps


# --- the service page -----------------------------------------------------------------------


@pytest.fixture
def service(agency_a):
    return ServiceFactory(
        agency=agency_a,
        name="Perekaman KTP-el",
        slug="ktp-el",
        code="A",
        procedure="1. Ambil nomor antrean. 2. Tunggu panggilan. 3. Foto dan sidik jari.",
    )


def _page(client, service):
    return client.get(service.get_absolute_url()).content.decode()


def test_procedure_is_a_numbered_list(client, service):
    html = _page(client, service)
    assert (
        '<ol class="procedure-steps"><li>Ambil nomor antrean.</li><li>Tunggu panggilan.</li>'
        in html
    )


def test_a_bookable_service_offers_booking(client, service):
    BookingSchedule.objects.create(service=service, weekdays=[0, 1, 2, 3, 4])
    html = _page(client, service)
    assert f'href="{reverse("services:booking_service", args=[service.pk])}"' in html
    assert "Pesan jadwal" in html


def test_a_service_without_booking_says_come_in_person(client, service):
    html = _page(client, service)
    assert reverse("services:booking_service", args=[service.pk]) not in html
    assert "belum menerima pemesanan jadwal online" in html
    BookingSchedule.objects.create(service=service, weekdays=[0, 1], is_active=False)
    assert reverse("services:booking_service", args=[service.pk]) not in _page(client, service)


def test_a_citizen_reads_where_to_take_a_number(client, service, hall):
    html = _page(client, service)
    assert 'href="#ambil-antrean"' in html
    assert 'id="ambil-antrean"' in html
    assert "data-opening" in html
    # The kiosk is not the citizen's: no link into it.
    assert reverse("services:kiosk", args=[hall.slug]) not in html


def test_the_kiosk_takes_a_number_for_the_service(client, service, hall, kiosk_user):
    client.force_login(kiosk_user)
    html = _page(client, service)
    assert f'href="{reverse("services:kiosk", args=[hall.slug])}?service={service.pk}"' in html
    assert 'id="ambil-antrean"' not in html


def test_the_kiosk_link_opens_step_three(client, service, hall, kiosk_user):
    client.force_login(kiosk_user)
    response = client.get(reverse("services:kiosk", args=[hall.slug]), {"service": service.pk})
    assert response.status_code == 200
    assert response.context["step"] == 3


def test_an_inactive_service_page_is_404(client, service):
    Service.objects.filter(pk=service.pk).update(is_active=False)
    assert client.get(service.get_absolute_url()).status_code == 404


def test_page_query_count(client, service, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(service.get_absolute_url()).status_code == 200


# --- the home page's agency cards -----------------------------------------------------------


def test_agency_cards_link_to_their_services(client, hall, agency_a, agency_b, service):
    ServiceFactory(agency=agency_a, code="K")
    ServiceFactory(agency=agency_b, code="P", is_active=False)
    html = client.get("/").content.decode()
    assert f'href="{reverse("services:catalogue")}?instansi={agency_a.pk}"' in html
    assert "Lihat 2 layanan" in html
    # No active service: no link to an empty list.
    assert f"?instansi={agency_b.pk}" not in html


def test_the_link_lists_that_agencys_services(client, agency_a, agency_b, service):
    other = ServiceFactory(agency=agency_b, name="Pajak Kendaraan", code="P")
    html = client.get(reverse("services:catalogue"), {"instansi": agency_a.pk}).content.decode()
    assert service.name in html and other.name not in html


def test_home_query_count_with_many_agencies(client, hall, django_assert_max_num_queries):
    for n in range(10):
        agency = AgencyFactory(hall=hall)
        ServiceFactory(agency=agency, code=f"{'ABCDEFGHJK'[n]}")
    with django_assert_max_num_queries(8):
        assert client.get("/").status_code == 200


# --- the footer -----------------------------------------------------------------------------


def test_footer_shows_the_halls_contacts_and_hotline(client, hall):
    Hall.objects.filter(pk=hall.pk).update(
        phone="(0732) 21000",
        email="mpp@lebongkab.test",
        map_url="https://www.openstreetmap.org/?mlat=-3.16&mlon=102.22",
        complaint_hotline="081200001234",
    )
    for path in ("/", reverse("services:catalogue"), reverse("complaints:home")):
        html = client.get(path).content.decode()
        footer = html[html.index("<footer") :]
        assert 'href="tel:0732' in footer and "(0732) 21000" in footer
        assert 'href="mailto:mpp@lebongkab.test"' in footer
        assert 'href="https://www.openstreetmap.org/?mlat=-3.16&amp;mlon=102.22"' in footer
        assert "0812-0000-1234" in footer and 'href="tel:081200001234"' in footer
        assert f'href="{reverse("complaints:home")}"' in footer


def test_footer_without_contacts_still_points_to_complaints(client, hall):
    html = client.get("/").content.decode()
    footer = html[html.index("<footer") :]
    assert "tel:" not in footer and "mailto:" not in footer
    assert f'href="{reverse("complaints:home")}"' in footer


def test_hall_rejects_a_map_link_that_is_no_url(hall):
    from django.core.exceptions import ValidationError

    hall.map_url = "javascript:alert(1)"
    with pytest.raises(ValidationError):
        hall.full_clean()
