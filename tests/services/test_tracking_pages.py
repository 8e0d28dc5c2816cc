"""Citizen tracking: by the QR's tracking code or by today's printed number."""

import datetime

import pytest
from django.urls import reverse

from services import queue
from services.models import Ticket
from tests.factories import AgencyFactory, HallFactory, ServiceFactory

HX = {"HTTP_HX_REQUEST": "true"}


def _track(ticket):
    return reverse("services:track", args=[ticket.tracking_code])


@pytest.fixture
def two_waiting(service_a):
    first = queue.ticket_issue(service=service_a)
    second = queue.ticket_issue(service=service_a, phone="081277776666")
    return first, second


class TestTrackPage:
    def test_it_shows_status_and_people_ahead(self, client, two_waiting):
        _, ticket = two_waiting
        response = client.get(_track(ticket))
        html = response.content.decode()
        assert response.status_code == 200
        assert "A-002" in html
        assert "Menunggu" in html
        assert "1 orang" in html
        assert "± 20 menit" in html
        assert 'aria-live="polite"' in html
        assert 'hx-trigger="every 5s"' in html
        assert 'http-equiv="refresh"' in html
        assert "81277776666" not in html

    def test_called_ticket_names_the_counter(self, client, staff_a, counter_a, two_waiting):
        queue.counter_open(counter=counter_a, by=staff_a)
        called = queue.ticket_call_next(counter=counter_a, by=staff_a)
        queue.ticket_set_note(ticket=called, by=staff_a, note="Catatan rahasia petugas")
        html = client.get(_track(called)).content.decode()
        assert "Dipanggil" in html
        assert "Silakan menuju Loket 1" in html
        assert "Catatan rahasia petugas" not in html

    def test_finished_ticket_stops_polling(self, client, staff_a, counter_a, two_waiting):
        queue.counter_open(counter=counter_a, by=staff_a)
        ticket = queue.ticket_call_next(counter=counter_a, by=staff_a)
        queue.ticket_start(ticket=ticket, by=staff_a)
        queue.ticket_finish(ticket=ticket, by=staff_a)
        html = client.get(_track(ticket)).content.decode()
        assert "Selesai" in html
        assert "every 5s" not in html
        assert 'http-equiv="refresh"' not in html

    def test_partial_returns_only_the_fragment(self, client, two_waiting):
        _, ticket = two_waiting
        response = client.get(_track(ticket), **HX)
        html = response.content.decode()
        assert response.status_code == 200
        assert html.strip().startswith('<section id="track-status"')
        assert "<html" not in html and "<header" not in html
        assert "81277776666" not in html

    def test_partial_answers_204_while_nothing_changes(self, client, two_waiting):
        first, ticket = two_waiting
        html = client.get(_track(ticket), **HX).content.decode()
        version = html.split("?v=", 1)[1].split('"', 1)[0]
        unchanged = client.get(_track(ticket), {"v": version}, **HX)
        assert unchanged.status_code == 204
        queue.ticket_cancel(ticket=first, by=_hall_admin(first))
        changed = client.get(_track(ticket), {"v": version}, **HX)
        assert changed.status_code == 200
        assert "0 orang" in changed.content.decode()

    def test_unknown_tracking_code_is_404(self, client, db):
        assert client.get(reverse("services:track", args=["tidakada123"])).status_code == 404

    def test_open_ticket_from_an_earlier_day_is_expired(self, client, two_waiting):
        _, ticket = two_waiting
        Ticket.objects.filter(pk=ticket.pk).update(date=datetime.date(2026, 11, 30))
        html = client.get(_track(ticket)).content.decode()
        assert "Tidak berlaku lagi" in html
        assert "every 5s" not in html


def _hall_admin(ticket):
    from mpp_portal.accounts.models import User
    from tests.factories import UserFactory

    return UserFactory(
        username="admin.lacak", role=User.Role.HALL_ADMIN, hall=ticket.service.agency.hall
    )


class TestTrackLookup:
    url = staticmethod(lambda: reverse("services:track_lookup"))

    def test_form_renders(self, client, db):
        response = client.get(self.url())
        assert response.status_code == 200
        assert 'name="code"' in response.content.decode()

    def test_tracking_code_redirects(self, client, two_waiting):
        _, ticket = two_waiting
        response = client.get(self.url(), {"code": ticket.tracking_code})
        assert response.status_code == 302
        assert response["Location"] == _track(ticket)

    @pytest.mark.parametrize("typed", ["A-002", "a2", "A 002", " a-02 "])
    def test_todays_printed_code_shows_the_status_here(self, client, two_waiting, typed):
        _, ticket = two_waiting
        response = client.get(self.url(), {"code": typed})
        assert response.status_code == 200
        html = response.content.decode()
        assert "A-002" in html and "Menunggu" in html and "1 orang" in html
        assert ticket.tracking_code not in html
        assert _track(ticket) not in html

    def test_printed_code_never_reveals_the_tracking_code_or_the_survey(
        self, client, two_waiting, staff_a, counter_a
    ):
        """The printed code is guessable; the tracking code is the survey's credential."""
        first, _ = two_waiting
        queue.counter_open(counter=counter_a, by=staff_a)
        ticket = queue.ticket_call_next(counter=counter_a, by=staff_a)
        assert ticket == first
        html = client.get(self.url(), {"code": "A-001"}).content.decode()
        assert "Silakan menuju Loket 1" in html
        assert first.tracking_code not in html
        queue.ticket_finish(ticket=queue.ticket_start(ticket=ticket, by=staff_a), by=staff_a)
        response = client.get(self.url(), {"code": "A-001"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "Selesai" in html
        assert first.tracking_code not in html
        assert "/survei/" not in html
        assert reverse("services:survey", args=[first.tracking_code]) not in html
        # The QR's tracking page still offers the survey.
        assert reverse("services:survey", args=[first.tracking_code]) in (
            client.get(_track(first)).content.decode()
        )

    def test_unknown_code_says_not_found(self, client, two_waiting):
        response = client.get(self.url(), {"code": "Z-999"})
        assert response.status_code == 404
        assert "Tiket tidak ditemukan" in response.content.decode()

    def test_yesterdays_printed_code_is_not_found(self, client, two_waiting):
        first, _ = two_waiting
        Ticket.objects.filter(pk=first.pk).update(date=datetime.date(2026, 11, 30))
        response = client.get(self.url(), {"code": "A-001"})
        assert response.status_code == 404

    def test_code_in_several_halls_asks_for_the_hall(self, client, two_waiting):
        first, _ = two_waiting
        other_hall = HallFactory(name="MPP Lain", slug="mpp-lain")
        other = ServiceFactory(agency=AgencyFactory(hall=other_hall), code="A")
        elsewhere = queue.ticket_issue(service=other)
        response = client.get(self.url(), {"code": "A-001"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "beberapa gedung" in html
        assert 'value="mpp-lain"' in html and 'value="perigo-agung"' in html
        chosen = client.get(self.url(), {"code": "A-001", "hall": "mpp-lain"})
        html = chosen.content.decode()
        assert chosen.status_code == 200 and "MPP Lain" in html and "Menunggu" in html
        assert elsewhere.tracking_code not in html and first.tracking_code not in html
        chosen = client.get(self.url(), {"code": "A-001", "hall": "perigo-agung"})
        html = chosen.content.decode()
        assert "MPP Perigo Agung" in html
        assert elsewhere.tracking_code not in html and first.tracking_code not in html
