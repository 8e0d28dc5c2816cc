"""The forums API: public read, staff write, inputs, sign-off (409), item progress."""

import pytest

from forums import services
from forums.models import Forum, Input
from mpp_portal.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_public_read(api_client, signing_forum, django_assert_max_num_queries):
    hidden = services.forum_plan(
        hall=signing_forum.hall,
        by=None,
        theme="Rahasia",
        venue="x",
        starts_at=signing_forum.starts_at,
    )
    with django_assert_max_num_queries(5):
        response = api_client.get("/api/v1/forums/")
    themes = [f["theme"] for f in response.json()["results"]]
    assert signing_forum.theme in themes and "Rahasia" not in themes
    assert api_client.get(f"/api/v1/forums/{hidden.pk}/").status_code == 404
    detail = api_client.get(f"/api/v1/forums/{signing_forum.pk}/").json()
    assert [i["number"] for i in detail["items"]] == [1, 2]
    assert detail["final_version"] is None
    # Drafts are not public; their hashes are for staff and signatories.
    assert api_client.get(f"/api/v1/forums/{signing_forum.pk}/versions/").json() == []


def test_staff_write(token_client, api_client, hall_admin, agency_admin_a, signing_forum):
    body = {"theme": "Forum API", "starts_at": "2030-02-01T09:00:00+07:00", "venue": "Aula"}
    assert api_client.post("/api/v1/forums/", body, format="json").status_code == 401
    assert (
        token_client(agency_admin_a).post("/api/v1/forums/", body, format="json").status_code == 403
    )
    admin = token_client(hall_admin)
    response = admin.post("/api/v1/forums/", body, format="json")
    assert response.status_code == 201, response.content
    forum = Forum.objects.get(pk=response.json()["id"])
    assert forum.created_by == hall_admin and forum.number
    assert admin.post("/api/v1/forums/", {"theme": ""}, format="json").status_code == 400
    url = f"/api/v1/forums/{forum.pk}/"
    assert admin.patch(url, {"venue": "Pendopo"}, format="json").json()["venue"] == "Pendopo"
    response = admin.patch(f"/api/v1/forums/{signing_forum.pk}/", {"venue": "x"}, format="json")
    assert response.status_code == 409
    versions = admin.get(f"/api/v1/forums/{signing_forum.pk}/versions/").json()
    assert versions[0]["sha256"] == signing_forum.frozen_sha256


def test_inputs_public_and_throttled(api_client, planned_forum, agency_a):
    url = f"/api/v1/forums/{planned_forum.pk}/inputs/"
    response = api_client.post(
        url,
        {
            "text": "Mohon antrean daring untuk KK.",
            "agency": agency_a.pk,
            "name": "Budi",
            "is_anonymous": True,
        },
        format="json",
    )
    assert response.status_code == 201
    entry = Input.objects.get()
    assert entry.is_anonymous and entry.name == ""
    assert api_client.post(url, {"text": "pendek"}, format="json").status_code == 400
    for _ in range(services.INPUTS_PER_HOUR - 1):
        assert (
            api_client.post(url, {"text": "Masukan yang cukup panjang."}, format="json").status_code
            == 201
        )
    assert (
        api_client.post(url, {"text": "Masukan yang cukup panjang."}, format="json").status_code
        == 429
    )


def test_inputs_closed_is_409(api_client, signing_forum):
    url = f"/api/v1/forums/{signing_forum.pk}/inputs/"
    response = api_client.post(url, {"text": "Masukan yang terlambat."}, format="json")
    assert response.status_code == 409


def test_signoff_actions(token_client, signing_forum, bupati, kadis, hall, hall_admin):
    url = f"/api/v1/forums/{signing_forum.pk}/approve/"
    outsider = UserFactory(username="ttd.luar", role=User.Role.SIGNATORY, hall=hall)
    good = {"sha256": signing_forum.frozen_sha256}
    assert token_client(outsider).post(url, good, format="json").status_code == 403
    assert token_client(hall_admin).post(url, good, format="json").status_code == 403
    client = token_client(bupati)
    assert client.post(url, {"sha256": "xyz"}, format="json").status_code == 400
    stale = client.post(url, {"sha256": "a" * 64}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_hash"
    ok = client.post(url, good, format="json")
    assert ok.status_code == 200 and ok.json()["approved_at"]
    assert client.post(url, good, format="json").status_code == 409
    back = token_client(kadis).post(
        f"/api/v1/forums/{signing_forum.pk}/return/", {"comment": "Perbaiki tanggal"}, format="json"
    )
    assert back.status_code == 200 and back.json()["status"] == "minutes_drafted"
    assert client.post(url, good, format="json").status_code == 409


def test_item_progress(token_client, signing_forum, bupati, kadis, agency_admin_a, agency_b):
    for user in (bupati, kadis):
        services.signoff_approve(signing_forum, user=user, sha256=signing_forum.frozen_sha256)
    mine = signing_forum.items.get(agency=agency_admin_a.agency)
    theirs = signing_forum.items.get(agency=agency_b)
    client = token_client(agency_admin_a)
    listed = [i["id"] for i in client.get("/api/v1/forum-items/").json()["results"]]
    assert listed == [mine.pk]
    assert (
        client.post(
            f"/api/v1/forum-items/{theirs.pk}/progress/", {"note": "x"}, format="json"
        ).status_code
        == 404
    )
    url = f"/api/v1/forum-items/{mine.pk}/progress/"
    assert client.post(url, {"status": "dropped"}, format="json").status_code == 400
    response = client.post(url, {"note": "Sudah", "status": "done"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert (
        client.post(url, {"note": "lagi", "status": "in_progress"}, format="json").status_code
        == 409
    )
