"""/api/v1/sipabes/: markets, visits, registrations (Idempotency-Key, moves,
409), kbli search; scoped to the token's hall and agency."""

import datetime
import uuid

import pytest
from django.utils import timezone

from mpp_portal.accounts.models import User
from services.sipabes.models import Registration, Visit
from tests.factories import UserFactory
from tests.sipabes.core_fixtures import *  # noqa: F403
from tests.sipabes.core_fixtures import nik
from tests.transition_guard import force_status

pytestmark = pytest.mark.django_db

BASE = "/api/v1/sipabes"
# Visits are planned from today on (Asia/Jakarta): a date that never goes stale.
NEXT_WEEK = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


def _body(visit, **overrides):
    data = {
        "visit": visit.pk,
        "nik": nik(),
        "name": "Rosmawati",
        "phone": "081234567890",
        "home_address": "Desa Tes",
        "business_name": "Ikan Segar",
        "kbli": ["47813"],
        "capital": 25_000_000,
        "workers": 1,
        "consent": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def api(token_client, officer):
    return token_client(officer)


@pytest.fixture
def dpmptsp_token(token_client, dpmptsp):
    return token_client(
        UserFactory(username="api.dpmptsp", role=User.Role.API_CLIENT, agency=dpmptsp)
    )


def _create(api, visit, key=None, **overrides):
    return api.post(
        f"{BASE}/registrations/",
        _body(visit, **overrides),
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()),
    )


def test_create_once_per_key(api, visit, kbli_seed):
    key = uuid.uuid4()
    first = _create(api, visit, key, nik=nik(1101))
    again = _create(api, visit, key, nik=nik(1101))
    assert first.status_code == again.status_code == 201, first.content
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    body = first.json()
    assert (body["status"], body["scale"], body["risk"]) == ("captured", "mikro", "rendah")
    assert body["nik_masked"].endswith("1101") and nik(1101) not in str(body)
    assert Registration.objects.count() == 1


def test_create_needs_the_key_and_valid_data(api, visit, kbli_seed):
    response = api.post(f"{BASE}/registrations/", _body(visit), format="json")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    response = _create(api, visit, nik="1707019903900001", capital=10_000_000_001, consent=False)
    assert response.status_code == 400
    assert {"nik", "capital", "consent"} <= set(response.json()["errors"])
    response = _create(api, visit, kbli=["99999"])
    assert response.status_code == 400 and "kbli" in response.json()["errors"]
    assert not Registration.objects.exists()


def test_a_second_nik_answers_409_with_the_existing_registration(api, visit, kbli_seed):
    first = _create(api, visit, nik=nik(1102)).json()
    response = _create(api, visit, nik=nik(1102))
    assert response.status_code == 409
    assert response.json()["code"] == "nik_registered"
    assert response.json()["extra"]["registration"] == first["id"]


def test_the_moves_and_409_on_a_forbidden_one(api, visit, kbli_seed):
    pk = _create(api, visit).json()["id"]
    url = f"{BASE}/registrations/{pk}"
    assert api.post(f"{url}/hand-over/", {"acknowledged": True}, format="json").status_code == 409
    assert api.post(f"{url}/submit/").json()["status"] == "submitted"
    bad = api.post(
        f"{url}/record-nib/", {"nib": "12345", "nib_issued_on": "2024-06-20"}, format="json"
    )
    assert bad.status_code == 400
    response = api.post(
        f"{url}/record-nib/", {"nib": "9120300000009", "nib_issued_on": "2024-06-20"}, format="json"
    )
    assert response.json()["status"] == "nib_issued"
    assert api.get(f"{url}/receipt/").json()["status"] == "not_requested"
    assert (
        api.post(f"{url}/hand-over/", {"acknowledged": True}, format="json").json()["status"]
        == "handed_over"
    )
    assert api.post(f"{url}/reject/", {"reason": "x"}, format="json").status_code == 409


def test_return_correct_reject_and_add_activity(api, visit, market, kbli_seed):
    pk = _create(api, visit).json()["id"]
    url = f"{BASE}/registrations/{pk}"
    assert api.post(f"{url}/return/", {"reason": ""}, format="json").status_code == 400
    assert (
        api.post(f"{url}/return/", {"reason": "KTP buram"}, format="json").json()["status"]
        == "returned"
    )
    assert api.post(f"{url}/correct/").json()["status"] == "captured"
    body = api.post(
        f"{url}/add-activity/",
        {"kbli": ["56102"], "market": market.pk, "stall_number": "2"},
        format="json",
    ).json()
    assert body["kbli"] == ["47813", "56102"] and len(body["locations"]) == 1
    assert (
        api.post(f"{url}/reject/", {"reason": "Ganda"}, format="json").json()["status"]
        == "rejected"
    )


def test_lists_filters_and_search(api, visit, kbli_seed, django_assert_max_num_queries):
    names = ["Toko Ayu", "Toko Budi", "Toko Citra", "Toko Dedi", "Toko Eka", "Toko Fajar"]
    for n, name in enumerate(names):
        _create(api, visit, nik=nik(1200 + n), business_name=name)
    with django_assert_max_num_queries(10):
        response = api.get(f"{BASE}/registrations/", {"status": "captured", "search": "dedi"})
    assert [r["business_name"] for r in response.json()["results"]] == ["Toko Dedi"]
    assert api.get(f"{BASE}/registrations/", {"status": "nope"}).status_code == 400
    assert api.get(f"{BASE}/markets/").json()["count"] == 1
    assert api.get(f"{BASE}/visits/", {"status": "open"}).json()["count"] == 1


def test_kbli_search_is_public(api_client, kbli_seed):
    response = api_client.get(f"{BASE}/kbli/", {"search": "ikan"})
    codes = [k["code"] for k in response.json()["results"]]
    assert "47813" in codes and all(k["risk"] for k in response.json()["results"])
    assert api_client.get(f"{BASE}/kbli/47813/").json()["section"] == "G"
    assert api_client.get(f"{BASE}/kbli/", {"is_verified": "maybe"}).status_code == 400


def test_another_hall_or_agency_sees_nothing(
    token_client, api, visit, kbli_seed, other_officer, agency_a
):
    pk = _create(api, visit).json()["id"]
    other = token_client(other_officer)
    assert other.get(f"{BASE}/registrations/").json()["count"] == 0
    assert other.get(f"{BASE}/registrations/{pk}/").status_code == 404
    assert other.post(f"{BASE}/registrations/{pk}/submit/").status_code == 404
    assert _create(other, visit).status_code == 400  # the visit is not theirs
    dukcapil = token_client(
        UserFactory(username="api.dukcapil.uji", role=User.Role.API_CLIENT, agency=agency_a)
    )
    assert dukcapil.get(f"{BASE}/registrations/").status_code == 403
    assert dukcapil.get(f"{BASE}/markets/").status_code == 403


def test_the_dpmptsp_token_reads_its_hall(dpmptsp_token, api, visit, kbli_seed):
    pk = _create(api, visit).json()["id"]
    assert dpmptsp_token.get(f"{BASE}/registrations/{pk}/").status_code == 200


def test_visits_planned_by_the_hall_admin_and_reopened_with_a_reason(
    token_client, api, hall_admin, market, visit
):
    admin = token_client(hall_admin)
    assert (
        api.post(
            f"{BASE}/visits/", {"market": market.pk, "date": NEXT_WEEK}, format="json"
        ).status_code
        == 403
    )
    created = admin.post(
        f"{BASE}/visits/",
        {"market": market.pk, "date": NEXT_WEEK, "target_traders": 20},
        format="json",
    )
    assert created.status_code == 201 and created.json()["status"] == "planned"
    new = created.json()["id"]
    assert api.post(f"{BASE}/visits/{new}/open/").json()["status"] == "open"
    assert api.post(f"{BASE}/visits/{new}/close/").json()["status"] == "closed"
    assert api.post(f"{BASE}/visits/{new}/open/").status_code == 409
    assert (
        api.post(f"{BASE}/visits/{new}/reopen/", {"reason": "x"}, format="json").status_code == 403
    )
    assert admin.post(f"{BASE}/visits/{new}/reopen/", {}, format="json").status_code == 400
    assert (
        admin.post(f"{BASE}/visits/{new}/reopen/", {"reason": "Menyusul"}, format="json").json()[
            "status"
        ]
        == "open"
    )
    force_status(Visit.objects.get(pk=new), Visit.Status.PLANNED)
    assert (
        admin.post(
            f"{BASE}/visits/", {"market": 999999, "date": NEXT_WEEK}, format="json"
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    "who, expected",
    [("hall_admin", 201), ("dpmptsp_admin", 201), ("other_agency_admin", 403), ("officer", 403)],
)
def test_who_plans_a_visit_through_the_api(
    who, expected, token_client, hall_admin, agency_admin_a, dpmptsp, officer, market
):
    """The API plans with the page's rule (capability sipabes.plan, services.planner_hall_id)."""
    users = {
        "hall_admin": hall_admin,
        "dpmptsp_admin": UserFactory(
            username="admin.dpmptsp.uji", role=User.Role.AGENCY_ADMIN, agency=dpmptsp
        ),
        "other_agency_admin": agency_admin_a,
        "officer": officer,
    }
    day = timezone.localdate() + datetime.timedelta(days=7)
    response = token_client(users[who]).post(
        f"{BASE}/visits/", {"market": market.pk, "date": day.isoformat()}, format="json"
    )
    assert response.status_code == expected, response.content
    assert Visit.objects.filter(market=market, date=day).exists() == (expected == 201)
