"""Kiosk tokens: a human ticket rate, bound to their hall, rotated from the admin."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mpp_portal.accounts.authentication import _cache_key
from mpp_portal.accounts.models import User
from mpp_portal.accounts.services import token_issue
from mpp_portal.api_throttling import ticket_issue_allowed
from mpp_portal.audit.models import AuditEntry
from mpp_portal.cache import FailOpenRedisCache
from mpp_portal.workdays import JAKARTA
from services.models import Ticket
from tests.factories import HallFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

# Tuesday 1 December 2026, 09:00:05 WIB: the hall is open, a minute has begun.
OPEN_MOMENT = datetime.datetime(2026, 12, 1, 9, 0, 5, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def _office_hours():
    with time_machine.travel(OPEN_MOMENT, tick=True):
        yield


@pytest.fixture
def service(agency_a):
    return ServiceFactory(agency=agency_a, name="Perekaman KTP-el", code="A", daily_ticket_cap=100)


@pytest.fixture
def second_kiosk(hall):
    return UserFactory(username="kiosk.dua", role=User.Role.KIOSK, hall=hall)


def _issue(client, service):
    return client.post("/api/v1/tickets/", {"service": service.pk}, format="json")


class TestTicketRate:
    def test_the_31st_ticket_in_a_minute_is_429_while_another_kiosk_still_issues(
        self, token_client, kiosk_user, second_kiosk, service
    ):
        kiosk = token_client(kiosk_user)
        codes = [_issue(kiosk, service).status_code for _ in range(30)]
        assert codes == [201] * 30
        refused = _issue(kiosk, service)
        assert refused.status_code == 429
        body = refused.json()
        assert body["code"] == "throttled"
        assert set(body) == {"detail", "code"}
        assert 1 <= int(refused["Retry-After"]) <= 60
        # The quota is not emptied: others still take tickets.
        assert _issue(token_client(second_kiosk), service).status_code == 201
        assert Ticket.objects.filter(service=service).count() == 31

    def test_the_setting_sets_the_rate(self, token_client, kiosk_user, service, settings):
        settings.KIOSK_TICKETS_PER_MINUTE = 2
        kiosk = token_client(kiosk_user)
        assert [_issue(kiosk, service).status_code for _ in range(3)] == [201, 201, 429]

    def test_the_kiosk_page_and_the_api_share_one_rate(
        self, client, token_client, kiosk_user, hall, service, settings
    ):
        settings.KIOSK_TICKETS_PER_MINUTE = 3
        assert _issue(token_client(kiosk_user), service).status_code == 201
        client.force_login(kiosk_user)
        url = reverse("services:kiosk", args=[hall.slug])
        data = {"service": service.pk, "priority": "normal", "phone": ""}
        assert [client.post(url, data).status_code for _ in range(2)] == [302, 302]
        refused = client.post(url, data)
        assert refused.status_code == 429
        assert "Terlalu banyak tiket dari kios ini" in refused.content.decode()
        assert refused["Retry-After"]
        assert _issue(token_client(kiosk_user), service).status_code == 429
        assert Ticket.objects.count() == 3

    def test_the_window_slides(self, kiosk_user, settings):
        """Half a minute after a full minute, half of that minute still counts."""
        settings.KIOSK_TICKETS_PER_MINUTE = 10
        start = 6_000_000.0  # the start of a minute
        assert all(ticket_issue_allowed(kiosk_user, now=start + n) for n in range(10))
        assert not ticket_issue_allowed(kiosk_user, now=start + 59)
        # 90 s: the first minute weighs half (5), so five more fit, not ten.
        allowed = [ticket_issue_allowed(kiosk_user, now=start + 90) for _ in range(10)]
        assert allowed == [True] * 5 + [False] * 5
        # A refused ticket gave its count back: two minutes on, all ten again.
        assert all(ticket_issue_allowed(kiosk_user, now=start + 180) for _ in range(10))
        assert cache.get(f"ticket-rate:{kiosk_user.pk}:{int(start // 60) + 1}") == 5

    def test_it_fails_open_when_the_cache_is_down(
        self, token_client, kiosk_user, service, settings, caplog
    ):
        settings.KIOSK_TICKETS_PER_MINUTE = 2
        settings.CACHES = {
            "default": {
                "BACKEND": "mpp_portal.cache.FailOpenRedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        FailOpenRedisCache._down_until = 0.0
        try:
            kiosk = token_client(kiosk_user)
            assert [_issue(kiosk, service).status_code for _ in range(4)] == [201] * 4
        finally:
            FailOpenRedisCache._down_until = 0.0
        assert "Redis unavailable" in caplog.text


class TestHallBinding:
    def test_a_kiosk_issues_only_for_its_own_halls_services(
        self, client, token_client, service, hall
    ):
        other_hall = HallFactory(slug="mpp-lain")
        stranger = UserFactory(username="kiosk.lain", role=User.Role.KIOSK, hall=other_hall)
        homeless = UserFactory(username="kiosk.tanpa.gedung", role=User.Role.KIOSK)
        assert _issue(token_client(stranger), service).status_code == 403
        assert _issue(token_client(homeless), service).status_code == 403
        client.force_login(stranger)
        page = reverse("services:kiosk", args=[hall.slug])
        assert client.post(page, {"service": service.pk, "priority": "normal"}).status_code == 403
        assert not Ticket.objects.exists()


class TestRotation:
    @pytest.fixture
    def superuser(self):
        return User.objects.create_superuser("super.uji", "super@example.test", "rahasia-uji-123")

    def test_the_admin_rotates_a_token_and_the_old_one_is_refused(
        self, client, superuser, kiosk_user, service
    ):
        old = token_issue(user=kiosk_user)
        client.force_login(superuser)
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "rotate_api_token", "_selected_action": [kiosk_user.pk]},
        )
        assert response.status_code == 200
        new = Token.objects.get(user=kiosk_user).key
        assert new != old
        assert new in response.content.decode()
        assert "no-store" in response["Cache-Control"]

        refused = APIClient()
        refused.credentials(HTTP_AUTHORIZATION=f"Token {old}")
        assert _issue(refused, service).status_code == 401
        accepted = APIClient()
        accepted.credentials(HTTP_AUTHORIZATION=f"Token {new}")
        assert _issue(accepted, service).status_code == 201

        entry = AuditEntry.objects.get(action="accounts.token_rotate")
        assert (entry.actor, entry.object_id) == (superuser, str(kiosk_user.pk))
        assert old not in entry.note and new not in entry.note

    def test_a_hall_admin_cannot_rotate(self, client, hall_admin, kiosk_user):
        old = token_issue(user=kiosk_user)
        client.force_login(hall_admin)
        client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "rotate_api_token", "_selected_action": [kiosk_user.pk]},
        )
        assert Token.objects.get(user=kiosk_user).key == old
        assert not AuditEntry.objects.filter(action="accounts.token_rotate").exists()

    def test_the_command_rotates_through_the_same_service(self, kiosk_user, capsys):
        old = token_issue(user=kiosk_user)
        call_command("issue_token", kiosk_user.username, "--rotate")
        new = capsys.readouterr().out.strip()
        assert new != old and Token.objects.get(user=kiosk_user).key == new
        entry = AuditEntry.objects.get(action="accounts.token_rotate")
        assert entry.actor is None and "revoked" in entry.note


class TestCachedTokenUser:
    """The token's user is cached for a few seconds; a rotation or a change ends that at once."""

    def _client(self, key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    def test_a_token_used_a_moment_ago_is_refused_once_rotated(self, kiosk_user, service):
        old = token_issue(user=kiosk_user)
        assert _issue(self._client(old), service).status_code == 201  # cached now

        new = token_issue(user=kiosk_user, rotate=True)

        assert _issue(self._client(old), service).status_code == 401
        assert _issue(self._client(new), service).status_code == 201

    def test_an_account_switched_off_is_refused_at_once(self, kiosk_user, service):
        key = token_issue(user=kiosk_user)
        assert _issue(self._client(key), service).status_code == 201

        kiosk_user.is_active = False
        kiosk_user.save(update_fields=["is_active"])

        assert _issue(self._client(key), service).status_code == 401

    def test_every_api_view_uses_the_cached_authentication(self, kiosk_user):
        key = token_issue(user=kiosk_user)
        response = self._client(key).get("/api/v1/complaints/")
        assert response.status_code in (200, 403)
        assert cache.get(_cache_key(key)) == kiosk_user
