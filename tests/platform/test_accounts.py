import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from rest_framework.authtoken.models import Token

from mpp_portal.accounts.models import User
from tests.factories import AgencyFactory, HallFactory, UserFactory


class TestUserModel:
    def test_agency_member_joins_the_agency_hall(self, agency_a):
        user = UserFactory(username="staf", role=User.Role.COUNTER_STAFF, agency=agency_a)
        assert user.hall == agency_a.hall

    def test_agency_role_needs_an_agency(self, db):
        user = User(username="tanpa", role=User.Role.COUNTER_STAFF, hall=HallFactory())
        with pytest.raises(ValidationError) as excinfo:
            user.full_clean()
        assert "agency" in excinfo.value.message_dict

    def test_database_refuses_agency_role_without_agency(self, db):
        with pytest.raises(IntegrityError):
            User.objects.create(username="tanpa2", role=User.Role.AGENCY_ADMIN)

    def test_agency_must_be_in_the_users_hall(self, agency_a):
        user = User(
            username="silang",
            role=User.Role.COUNTER_STAFF,
            agency=agency_a,
            hall=HallFactory(slug="lain"),
        )
        with pytest.raises(ValidationError) as excinfo:
            user.full_clean()
        assert "agency" in excinfo.value.message_dict

    def test_can_act_for_agency(self, staff_a, agency_a, agency_b, hall_admin):
        other_hall_agency = AgencyFactory(hall=HallFactory(slug="lain"))
        assert staff_a.can_act_for_agency(agency_a)
        assert not staff_a.can_act_for_agency(agency_b)
        assert hall_admin.can_act_for_agency(agency_b)
        assert not hall_admin.can_act_for_agency(other_hall_agency)
        assert not staff_a.can_act_for_agency(None)

    def test_every_role_of_the_brief_exists(self):
        assert set(User.Role.values) == {
            "citizen",
            "counter_staff",
            "agency_admin",
            "sipabes_officer",
            "hall_admin",
            "signatory",
            "kiosk",
            "api_client",
        }


class TestIssueToken:
    def test_it_prints_the_token_alone_on_the_last_line(self, agency_a, capsys):
        user = UserFactory(username="api.uji", role=User.Role.API_CLIENT, agency=agency_a)
        call_command("issue_token", "api.uji")
        out = capsys.readouterr().out
        assert out.strip().splitlines()[-1] == Token.objects.get(user=user).key

    def test_it_reuses_and_rotates(self, kiosk_user, capsys):
        call_command("issue_token", kiosk_user.username)
        first = capsys.readouterr().out.strip()
        call_command("issue_token", kiosk_user.username)
        assert capsys.readouterr().out.strip() == first
        call_command("issue_token", kiosk_user.username, "--rotate")
        rotated = capsys.readouterr().out.strip()
        assert rotated != first
        assert Token.objects.filter(user=kiosk_user).count() == 1

    def test_unknown_user_is_an_error(self, db):
        with pytest.raises(CommandError, match="No user named"):
            call_command("issue_token", "siapa")

    def test_the_token_works_against_the_api(self, kiosk_user, api_client, capsys):
        call_command("issue_token", kiosk_user.username)
        key = capsys.readouterr().out.strip()
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = api_client.get("/api/v1/halls/")
        assert response.wsgi_request.user == kiosk_user
