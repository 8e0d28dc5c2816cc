"""The hall admin's running text (pengumuman) under the queue board."""

import pytest
from django.urls import reverse

from mpp_portal.audit.models import AuditEntry
from mpp_portal.organizations.models import Hall
from tests.factories import HallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(hall):
    return reverse("services:board_announcement", args=[hall.slug])


def test_hall_admin_sets_the_running_text(client, hall, hall_admin):
    client.force_login(hall_admin)
    assert client.get(_url(hall)).status_code == 200
    response = client.post(_url(hall), {"board_announcement": "  Istirahat siang   12.00–13.00 "})
    assert response.status_code == 302
    hall.refresh_from_db()
    assert hall.board_announcement == "Istirahat siang 12.00–13.00"
    entry = AuditEntry.objects.get(action="hall.board_announcement")
    assert entry.note.endswith("Istirahat siang 12.00–13.00")


def test_the_board_and_its_poll_show_it(client, hall, hall_admin):
    board_url = reverse("services:board", args=[hall.slug])
    api_url = reverse("hall-board", args=[hall.slug])
    first = client.get(api_url)
    assert first.json()["announcement"] == ""
    assert 'id="board-ticker" role="marquee"' in client.get(board_url).content.decode()
    client.force_login(hall_admin)
    client.post(_url(hall), {"board_announcement": "Layanan paspor tutup hari ini"})
    client.logout()
    second = client.get(api_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second.json()["announcement"] == "Layanan paspor tutup hari ini"
    html = client.get(board_url).content.decode()
    assert "Layanan paspor tutup hari ini" in html


def test_an_empty_text_hides_the_line(client, hall, hall_admin):
    Hall.objects.filter(pk=hall.pk).update(board_announcement="Lama")
    client.force_login(hall_admin)
    client.post(_url(hall), {"board_announcement": "   "})
    hall.refresh_from_db()
    assert hall.board_announcement == ""
    html = client.get(reverse("services:board", args=[hall.slug])).content.decode()
    assert 'aria-label="Pengumuman" hidden' in html


def test_too_long_is_refused(client, hall, hall_admin):
    client.force_login(hall_admin)
    response = client.post(_url(hall), {"board_announcement": "x" * 301})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    hall.refresh_from_db()
    assert hall.board_announcement == ""


@pytest.mark.parametrize("who", ["staff_a", "agency_admin_a", "kiosk_user", "citizen"])
def test_others_cannot(client, hall, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(_url(hall)).status_code == 403
    assert client.post(_url(hall), {"board_announcement": "x"}).status_code == 403


def test_another_halls_admin_cannot(client, hall):
    other = HallFactory(slug="kota-lain")
    admin = UserFactory(username="admin.lain", role="hall_admin", hall=other)
    client.force_login(admin)
    assert client.get(_url(hall)).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, hall):
    response = client.get(_url(hall))
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_console_list_links_it_for_the_hall_admin_only(client, hall, hall_admin, staff_a):
    client.force_login(hall_admin)
    assert _url(hall) in client.get(reverse("services:console")).content.decode()
    client.force_login(staff_a)
    assert _url(hall) not in client.get(reverse("services:console")).content.decode()
