"""/api/v1/agreements/: scoping, writes, moves (409), coverage."""

import datetime

import pytest

from agreements.models import Agreement
from mpp_portal.accounts.models import User
from tests.factories import HallFactory, UserFactory

S = Agreement.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def api_user_a(agency_a):
    return UserFactory(username="api.a", role=User.Role.API_CLIENT, agency=agency_a)


def test_hall_admin_lists_and_filters(token_client, admin_mpp, make_agreement, agency_a, agency_b):
    a = make_agreement(
        agency_a,
        title="PKS A",
        status=S.ACTIVE,
        end_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    make_agreement(agency_b, title="PKS B", status=S.TERMINATED)
    client = token_client(admin_mpp)
    body = client.get("/api/v1/agreements/").json()
    assert {r["title"] for r in body["results"]} == {"PKS A", "PKS B"}
    body = client.get("/api/v1/agreements/", {"expiring": "true"}).json()
    assert [r["id"] for r in body["results"]] == [a.pk]
    assert body["results"][0]["expiring"] is True and body["results"][0]["days_left"] == 30
    body = client.get("/api/v1/agreements/", {"agency": agency_b.pk}).json()
    assert [r["title"] for r in body["results"]] == ["PKS B"]
    assert client.get("/api/v1/agreements/", {"expiring": "abc"}).status_code == 400
    assert client.get("/api/v1/agreements/", {"status": "nope"}).status_code == 400
    assert client.get("/api/v1/agreements/", {"status": ["", "active"]}).status_code == 200
    assert client.get("/api/v1/agreements/", {"agency": "1.5"}).status_code == 400
    assert client.get("/api/v1/agreements/abc/").status_code == 404


def test_agency_token_reads_own_agency_only_and_cannot_write(
    token_client, api_user_a, make_agreement, agency_a, agency_b
):
    own = make_agreement(agency_a, title="PKS A")
    other = make_agreement(agency_b, title="PKS B")
    client = token_client(api_user_a)
    body = client.get("/api/v1/agreements/").json()
    assert [r["id"] for r in body["results"]] == [own.pk]
    assert client.get(f"/api/v1/agreements/{other.pk}/").status_code == 404
    assert client.post(f"/api/v1/agreements/{own.pk}/sign/").status_code == 403
    assert client.post("/api/v1/agreements/", {}, format="json").status_code == 403


def test_anonymous_and_citizens_get_nothing(
    api_client, token_client, citizen, make_agreement, agency_a
):
    agreement = make_agreement(agency_a)
    assert api_client.get("/api/v1/agreements/").status_code == 401
    assert api_client.get("/api/v1/agreements/coverage/").status_code == 401
    client = token_client(citizen)
    assert client.get("/api/v1/agreements/").status_code == 403
    assert client.get(f"/api/v1/agreements/{agreement.pk}/").status_code == 403


def test_other_halls_admin_gets_404(token_client, make_agreement, agency_a):
    agreement = make_agreement(agency_a)
    other = UserFactory(username="admin.x", role=User.Role.HALL_ADMIN, hall=HallFactory(slug="x"))
    client = token_client(other)
    assert client.get(f"/api/v1/agreements/{agreement.pk}/").status_code == 404
    assert client.post(f"/api/v1/agreements/{agreement.pk}/sign/").status_code == 404


def test_create_sign_and_forbidden_move(token_client, admin_mpp, agency_a, agency_b, catalogue):
    client = token_client(admin_mpp)
    response = client.post(
        "/api/v1/agreements/",
        {
            "title": "PKS bersama",
            "parties": [
                {"agency": None, "number": "100/PKS/2024"},
                {"agency": agency_a.pk, "number": "470/DUK/2024"},
                {"agency": agency_b.pk},
            ],
            "signed_on": "2024-06-20",
            "start_date": "2024-06-20",
            "end_date": "2029-06-19",
            "services": [catalogue["a1"].pk, catalogue["b1"].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["number"] == "100/PKS/2024"
    assert len(body["parties"]) == 3 and body["has_scan"] is False
    pk = body["id"]
    assert client.post(f"/api/v1/agreements/{pk}/sign/").json()["status"] == "active"
    response = client.post(f"/api/v1/agreements/{pk}/sign/")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    # A precondition of the move (the start date) is a 409 too.
    late = client.post(
        "/api/v1/agreements/",
        {
            "title": "Nanti",
            "parties": [{"agency": None}, {"agency": agency_a.pk}],
            "signed_on": "2026-01-01",
            "start_date": "2099-01-01",
        },
        format="json",
    ).json()["id"]
    assert client.post(f"/api/v1/agreements/{late}/sign/").json()["status"] == "signed"
    response = client.post(f"/api/v1/agreements/{late}/activate/")
    assert response.status_code == 409 and response.json()["code"] == "agreement_not_started"
    response = client.patch(f"/api/v1/agreements/{pk}/", {"title": "Lain"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "agreement_signed"
    response = client.patch(
        f"/api/v1/agreements/{pk}/", {"services": [catalogue["a2"].pk]}, format="json"
    )
    assert response.status_code == 200 and response.json()["services"] == [catalogue["a2"].pk]
    response = client.post(f"/api/v1/agreements/{pk}/terminate/", {"reason": ""}, format="json")
    assert response.status_code == 400
    response = client.post(
        f"/api/v1/agreements/{pk}/terminate/", {"reason": "Keluar"}, format="json"
    )
    assert response.json()["status"] == "terminated"
    assert client.post(f"/api/v1/agreements/{pk}/activate/").status_code == 409


def test_create_rejects_bad_chain(token_client, admin_mpp, agency_a, agency_b, make_agreement):
    base = make_agreement(agency_a, status=S.ACTIVE)
    client = token_client(admin_mpp)
    response = client.post(
        "/api/v1/agreements/",
        {
            "kind": "adendum",
            "title": "Adendum",
            "amends": base.pk,
            "amended_fields": ["term"],
            "parties": [{"agency": None}, {"agency": agency_b.pk}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "amends" in response.json()["errors"]


def test_renew_through_the_api(token_client, admin_mpp, make_agreement, agency_a):
    old = make_agreement(agency_a, status=S.ACTIVE)
    new = make_agreement(agency_a, status=S.ACTIVE)
    client = token_client(admin_mpp)
    response = client.post(
        f"/api/v1/agreements/{old.pk}/renew/", {"successor": old.pk}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "renewal_refused"
    response = client.post(
        f"/api/v1/agreements/{old.pk}/renew/", {"successor": new.pk}, format="json"
    )
    assert response.json()["status"] == "renewed" and response.json()["successor"] == new.pk


def test_coverage_endpoint(
    token_client, admin_mpp, api_user_a, make_agreement, agency_a, catalogue
):
    make_agreement(agency_a, status=S.ACTIVE, services_=[catalogue["a1"]])
    body = token_client(admin_mpp).get("/api/v1/agreements/coverage/").json()
    assert body["figures"]["services_covered"] == 1 and body["figures"]["services_in_mpp"] == 4
    assert len(body["agencies"]) == 2
    body = token_client(api_user_a).get("/api/v1/agreements/coverage/").json()
    assert [a["id"] for a in body["agencies"]] == [agency_a.pk]
    services = {s["name"]: s for s in body["agencies"][0]["services"]}
    assert services["KTP-el"]["covered"] and services["Kartu Keluarga"]["flagged"]
