"""The /api/v1/ foundation: read endpoints, errors, throttling, schema."""

import pytest
from django.test import override_settings
from rest_framework import serializers
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from mpp_portal.api_errors import exception_handler
from mpp_portal.exceptions import TransitionNotAllowed
from mpp_portal.organizations.models import Agency, OfficeHours
from tests.factories import AgencyFactory, HallFactory


class TestAgencies:
    def test_it_lists_active_agencies_with_hall_filter(
        self, api_client, hall, agency_a, agency_b, django_assert_max_num_queries
    ):
        other = AgencyFactory(hall=HallFactory(slug="mpp-lain"), short_name="Lain")
        AgencyFactory(hall=hall, short_name="Tutup", is_active=False)
        with django_assert_max_num_queries(3):
            response = api_client.get("/api/v1/agencies/", {"hall": hall.slug})
        assert response.status_code == 200
        names = {row["short_name"] for row in response.json()["results"]}
        assert names == {"Disdukcapil", "Bapenda"}
        assert other.short_name not in names
        assert response.json()["count"] == 2
        unknown = api_client.get("/api/v1/agencies/", {"hall": "tidak-ada"})
        assert unknown.json()["count"] == 0

    def test_it_shows_one_agency(self, api_client, agency_a):
        response = api_client.get(f"/api/v1/agencies/{agency_a.pk}/")
        assert response.status_code == 200
        body = response.json()
        assert body["kind"] == Agency.Kind.REGIONAL
        assert body["hall"] == "perigo-agung"

    def test_unknown_agency_is_404_in_one_format(self, api_client, db):
        response = api_client.get("/api/v1/agencies/999999/")
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "code"}
        assert response.json()["code"] == "not_found"

    def test_it_is_read_only(self, token_client, hall_admin, agency_a):
        client = token_client(hall_admin)
        response = client.post("/api/v1/agencies/", {"name": "x"}, format="json")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"

    def test_bad_filter_value_is_400_with_field_errors(self, api_client, hall):
        response = api_client.get("/api/v1/agencies/", {"kind": "bukan-jenis"})
        assert response.status_code == 400
        assert "kind" in response.json()["errors"]


class TestHalls:
    def test_it_lists_halls_with_office_hours(
        self, api_client, hall, django_assert_max_num_queries
    ):
        OfficeHours.objects.create(hall=hall, weekday=0)
        HallFactory(slug="mpp-kedua")
        with django_assert_max_num_queries(3):
            response = api_client.get("/api/v1/halls/")
        assert response.status_code == 200
        rows = {row["slug"]: row for row in response.json()["results"]}
        assert rows["perigo-agung"]["office_hours"][0]["opens"] == "08:00:00"

    def test_it_looks_up_by_slug(self, api_client, hall):
        response = api_client.get("/api/v1/halls/perigo-agung/")
        assert response.status_code == 200
        assert response.json()["name"] == "MPP Perigo Agung"


class TestAuthentication:
    def test_token_authenticates(self, token_client, staff_a):
        client = token_client(staff_a)
        response = client.get("/api/v1/agencies/")
        assert response.status_code == 200
        assert response.wsgi_request.user == staff_a

    def test_bad_token_is_401(self, api_client, db):
        api_client.credentials(HTTP_AUTHORIZATION="Token salah")
        response = api_client.get("/api/v1/agencies/")
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"

    def test_a_role_without_the_right_gets_403_in_the_error_format(
        self, token_client, citizen, staff_a, agency_a
    ):
        from tests.factories import CounterFactory

        counter = CounterFactory(agency=agency_a, number=9)
        response = token_client(citizen).post(f"/api/v1/counters/{counter.pk}/call-next/")
        assert response.status_code == 403
        body = response.json()
        assert body["code"] == "permission_denied"
        assert body["detail"]

    def test_a_session_post_without_the_csrf_token_is_refused(self, staff_a, agency_a):
        from rest_framework.test import APIClient

        from tests.factories import CounterFactory

        counter = CounterFactory(agency=agency_a, number=9)
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(staff_a)
        response = client.post(f"/api/v1/counters/{counter.pk}/open/")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert "CSRF" in response.json()["detail"]
        counter.refresh_from_db()
        assert not counter.is_open
        # The same call with the token from the cookie goes through.
        client.get("/antrean/loket/")  # the console page sets the CSRF cookie
        token = client.cookies["csrftoken"].value
        response = client.post(f"/api/v1/counters/{counter.pk}/open/", HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 200
        counter.refresh_from_db()
        assert counter.is_open


class _Input(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=1)


class _EchoView(APIView):
    authentication_classes = []
    permission_classes = []

    def post(self, request):
        _Input(data=request.data).is_valid(raise_exception=True)
        raise TransitionNotAllowed("Tiket sudah selesai.")


class TestErrorFormat:
    def test_validation_error_lists_each_field(self, db):
        request = APIRequestFactory().post(
            "/", {"name": "terlalu panjang", "count": 0}, format="json"
        )
        response = _EchoView.as_view()(request)
        assert response.status_code == 400
        body = response.data
        assert body["code"] == "invalid"
        assert set(body["errors"]) == {"name", "count"}
        assert all(isinstance(m, str) for m in body["errors"]["name"])

    def test_domain_error_is_409(self, db):
        request = APIRequestFactory().post("/", {"name": "ok", "count": 1}, format="json")
        response = _EchoView.as_view()(request)
        assert response.status_code == 409
        assert response.data == {"detail": "Tiket sudah selesai.", "code": "transition_not_allowed"}

    def test_django_validation_error_is_400(self):
        from django.core.exceptions import ValidationError

        response = exception_handler(ValidationError({"nik": ["NIK tidak valid."]}), {})
        assert response.status_code == 400
        assert response.data["errors"] == {"nik": ["NIK tidak valid."]}

    def test_messages_are_indonesian_by_default(self, api_client, db):
        response = api_client.get("/api/v1/agencies/999999/")
        assert "tidak ditemukan" in response.json()["detail"].lower()


class TestThrottling:
    @override_settings(
        REST_FRAMEWORK={
            **__import__("django.conf").conf.settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min", "trusted": "50/min"},
        }
    )
    def test_anonymous_callers_are_throttled_but_kiosks_are_not(
        self, api_client, token_client, kiosk_user, monkeypatch
    ):
        from rest_framework.settings import api_settings
        from rest_framework.throttling import SimpleRateThrottle

        monkeypatch.setattr(
            SimpleRateThrottle,
            "THROTTLE_RATES",
            api_settings.user_settings["DEFAULT_THROTTLE_RATES"],
        )
        codes = [api_client.get("/api/v1/halls/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert api_client.get("/api/v1/halls/").json()["code"] == "throttled"

        kiosk = token_client(kiosk_user)
        codes = {kiosk.get("/api/v1/halls/").status_code for _ in range(20)}
        assert codes == {200}

    @override_settings(
        REST_FRAMEWORK={
            **__import__("django.conf").conf.settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min", "trusted": "50/min"},
        }
    )
    def test_a_forged_forwarded_for_does_not_reset_the_limit(self, api_client, db, monkeypatch):
        from rest_framework.settings import api_settings
        from rest_framework.throttling import SimpleRateThrottle

        monkeypatch.setattr(
            SimpleRateThrottle,
            "THROTTLE_RATES",
            api_settings.user_settings["DEFAULT_THROTTLE_RATES"],
        )
        codes = [
            api_client.get("/api/v1/halls/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
            for n in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]


class TestSchema:
    def test_schema_is_valid_openapi_3(self, client, db):
        import yaml
        from openapi_spec_validator import validate

        response = client.get("/api/v1/schema/")
        assert response.status_code == 200
        spec = yaml.safe_load(response.content)
        validate(spec)
        assert spec["openapi"].startswith("3.")
        assert "/api/v1/agencies/" in spec["paths"]
        assert "tokenAuth" in spec["components"]["securitySchemes"]

    def test_swagger_ui_is_served_from_local_assets(self, client, db):
        response = client.get("/api/v1/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "swagger-ui" in html
        assert "/static/drf_spectacular_sidecar/" in html
        assert "cdn" not in html.lower()


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/halls/", "/api/v1/agencies/"])
def test_api_roots_answer_json(api_client, db, path):
    assert api_client.get(path).status_code == 200
