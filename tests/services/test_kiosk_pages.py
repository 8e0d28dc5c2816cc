"""The kiosk touch screen and the printed 80 mm ticket."""

import pytest
from django.conf import settings
from django.urls import reverse

from mpp_portal.accounts.models import User
from services import queue
from services.models import Priority, Ticket
from tests.factories import AgencyFactory, HallFactory, ServiceFactory, UserFactory

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def kiosk_url(hall):
    return reverse("services:kiosk", args=[hall.slug])


@pytest.fixture
def kiosk(client, kiosk_user):
    client.force_login(kiosk_user)
    return client


class TestKioskAccess:
    def test_anonymous_is_sent_to_login(self, client, kiosk_url, service_a):
        response = client.get(kiosk_url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    def test_citizen_is_refused(self, client, citizen, kiosk_url, service_a):
        client.force_login(citizen)
        assert client.get(kiosk_url).status_code == 403
        response = client.post(kiosk_url, {"service": service_a.pk, "priority": "normal"})
        assert response.status_code == 403
        assert not Ticket.objects.exists()

    def test_staff_of_another_hall_is_refused(self, client, kiosk_url, service_a):
        other_agency = AgencyFactory(hall=HallFactory(slug="mpp-lain"))
        other = UserFactory(
            username="petugas.lain", role=User.Role.COUNTER_STAFF, agency=other_agency
        )
        client.force_login(other)
        assert client.get(kiosk_url).status_code == 403
        response = client.post(kiosk_url, {"service": service_a.pk, "priority": "normal"})
        assert response.status_code == 403
        assert not Ticket.objects.exists()

    def test_kiosk_of_another_hall_is_refused(self, client, kiosk_url, service_a):
        other = UserFactory(
            username="kios.lain", role=User.Role.KIOSK, hall=HallFactory(slug="mpp-lain")
        )
        client.force_login(other)
        assert client.get(kiosk_url).status_code == 403

    def test_hall_staff_may_use_it(self, client, staff_b, hall_admin, kiosk_url, service_a):
        for user in (staff_b, hall_admin):
            client.force_login(user)
            assert client.get(kiosk_url).status_code == 200


class TestKioskFlow:
    def test_step_one_lists_agencies_with_active_services(
        self, kiosk, kiosk_url, service_a, service_b, hall
    ):
        AgencyFactory(hall=hall, short_name="Kosong")  # no services: not offered
        response = kiosk.get(kiosk_url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Disdukcapil" in html
        assert "Bapenda" in html
        assert "Kosong" not in html
        assert f"?agency={service_a.agency_id}" in html

    def test_step_two_lists_active_services_with_waiting_and_wait(
        self, kiosk, kiosk_url, service_a, service_a2, agency_a
    ):
        ServiceFactory(agency=agency_a, name="Layanan Tutup", code="T", is_active=False)
        for _ in range(2):
            queue.ticket_issue(service=service_a)
        response = kiosk.get(kiosk_url, {"agency": agency_a.pk})
        html = response.content.decode()
        assert "Perekaman KTP-el" in html and "Kartu Keluarga" in html
        assert "Layanan Tutup" not in html
        assert "2 orang menunggu" in html
        # (2 waiting + this one) x 10 minutes, no counter open yet.
        assert "± 30 menit" in html
        assert f"?service={service_a.pk}" in html

    def test_step_two_service_list_has_constant_queries(
        self, kiosk, kiosk_url, agency_a, django_assert_max_num_queries
    ):
        for n in range(8):
            service = ServiceFactory(agency=agency_a, code="ABCDEFGH"[n])
            queue.ticket_issue(service=service)
        kiosk.get(kiosk_url, {"agency": agency_a.pk})  # warm the session
        # Session, user, hall, agency, the service list with its counts, and
        # the hall's calendar and hours for the "closed" banner: none per service.
        with django_assert_max_num_queries(8):
            response = kiosk.get(kiosk_url, {"agency": agency_a.pk})
        assert response.content.decode().count("kiosk-card-code") == 8

    def test_htmx_step_returns_only_the_fragment(self, kiosk, kiosk_url, agency_a, service_a):
        response = kiosk.get(kiosk_url, {"agency": agency_a.pk}, **HX)
        html = response.content.decode()
        assert 'id="kiosk-step"' in html
        assert "<html" not in html
        assert "Perekaman KTP-el" in html

    def test_step_three_offers_only_accepted_priorities(self, kiosk, kiosk_url, agency_a):
        service = ServiceFactory(agency=agency_a, code="L", accepted_priorities=["lansia"])
        html = kiosk.get(kiosk_url, {"service": service.pk}).content.decode()
        assert 'value="lansia"' in html
        assert 'value="disabilitas"' not in html
        assert 'value="ibu_hamil"' not in html
        assert "Ambil tiket" in html

    def test_it_issues_a_ticket_and_prints_it(self, kiosk, kiosk_url, kiosk_user, service_a):
        response = kiosk.post(
            kiosk_url,
            {"service": service_a.pk, "priority": "lansia", "phone": "0812-3456 7890"},
        )
        ticket = Ticket.objects.get()
        assert ticket.service == service_a
        assert ticket.priority == Priority.ELDERLY
        assert ticket.phone == "+6281234567890"
        assert ticket.issued_by == kiosk_user
        print_url = reverse("services:ticket_print", args=[ticket.tracking_code])
        assert response.status_code == 302
        assert response["Location"] == f"{print_url}?print=1"

        page = kiosk.get(response["Location"])
        html = page.content.decode()
        assert page.status_code == 200
        assert "A-001" in html
        assert "<svg" in html
        assert ticket.tracking_code in html
        assert 'data-auto-print="1"' in html
        assert "81234567890" not in html

    def test_bad_phone_gives_an_indonesian_error_and_no_ticket(self, kiosk, kiosk_url, service_a):
        response = kiosk.post(
            kiosk_url, {"service": service_a.pk, "priority": "normal", "phone": "12345"}
        )
        assert response.status_code == 200
        assert "Nomor HP tidak valid" in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()
        assert not Ticket.objects.exists()

    def test_inactive_service_gives_a_message_and_no_ticket(self, kiosk, kiosk_url, service_a):
        service_a.is_active = False
        service_a.save()
        response = kiosk.post(kiosk_url, {"service": service_a.pk, "priority": "normal"})
        assert response.status_code == 409
        assert "tidak tersedia" in response.content.decode()
        assert not Ticket.objects.exists()

    def test_reached_cap_gives_the_message_and_no_ticket(self, kiosk, kiosk_url, agency_a):
        service = ServiceFactory(agency=agency_a, code="C", name="Kuota Dua", daily_ticket_cap=2)
        for _ in range(2):
            queue.ticket_issue(service=service)
        response = kiosk.post(kiosk_url, {"service": service.pk, "priority": "normal"})
        assert response.status_code == 409
        html = response.content.decode()
        assert "kiosk-alert" in html
        assert "sudah habis" in html
        assert Ticket.objects.count() == 2
        # The service list marks it before anybody taps it.
        listing = kiosk.get(kiosk_url, {"agency": agency_a.pk}).content.decode()
        assert "Kuota hari ini sudah habis" in listing
        assert f"?service={service.pk}" not in listing

    def test_outside_office_hours_gives_the_message_and_no_ticket(
        self, kiosk, kiosk_url, service_a, time_machine
    ):
        time_machine.move_to("2026-12-01 17:30 +0700")
        page = kiosk.get(kiosk_url, {"service": service_a.pk}).content.decode()
        assert "sudah tutup" in page
        response = kiosk.post(kiosk_url, {"service": service_a.pk, "priority": "normal"})
        assert response.status_code == 409
        assert "sudah tutup" in response.content.decode()
        assert not Ticket.objects.exists()

    def test_service_of_another_hall_is_not_offered(self, kiosk, kiosk_url):
        foreign = ServiceFactory(agency=AgencyFactory(hall=HallFactory(slug="mpp-lain")))
        response = kiosk.post(kiosk_url, {"service": foreign.pk, "priority": "normal"})
        assert response.status_code == 409
        assert not Ticket.objects.exists()


class TestTicketPrint:
    def test_it_shows_everything_a_visitor_needs(self, client, service_a, agency_a):
        queue.ticket_issue(service=service_a)
        ticket = queue.ticket_issue(service=service_a, phone="081299998888")
        response = client.get(reverse("services:ticket_print", args=[ticket.tracking_code]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "MPP Perigo Agung" in html
        assert "A-002" in html
        assert "Perekaman KTP-el" in html
        assert agency_a.name in html
        assert "Selasa, 1 Desember 2026 pukul 09.00 WIB" in html
        assert "1 orang" in html  # one ticket ahead
        assert "± 20 menit" in html
        assert "<svg" in html
        track_url = settings.SITE_URL + reverse("services:track", args=[ticket.tracking_code])
        assert track_url in html
        css = settings.BASE_DIR / "services/static/services/kiosk_print.css"
        assert "size: 80mm auto" in css.read_text()
        assert "81299998888" not in html
        assert "data-auto-print" not in html  # only with ?print=1

    def test_unknown_code_is_404(self, client, db):
        assert client.get(reverse("services:ticket_print", args=["nope"])).status_code == 404
