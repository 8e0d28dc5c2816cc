"""REST API of complaints: filing, the reporter's token, staff scope and
moves, and who sees the reporter's identity."""

import json

import pytest
from rest_framework.throttling import ScopedRateThrottle

from complaints import services as workflow
from complaints.models import Complaint
from mpp_portal.accounts.models import User
from tests.factories import AgencyFactory, HallFactory, UserFactory

URL = "/api/v1/complaints/"
NAME, EMAIL, PHONE = "Siti Aminah", "siti@example.test", "081234567890"

VALID = {
    "kind": "pengaduan",
    "title": "Antrean KTP-el terlalu lama",
    "description": "Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
    "reporter_name": NAME,
    "reporter_email": EMAIL,
    "reporter_phone": PHONE,
}


def detail(complaint, suffix=""):
    return f"{URL}{complaint.tracking_id}/{suffix}"


def identity_in(data):
    text = json.dumps(data)
    return [value for value in (NAME, EMAIL, PHONE, "Siti", "081234", "81234567") if value in text]


@pytest.fixture
def api_client_a(agency_a):
    return UserFactory(username="sistem.a", role=User.Role.API_CLIENT, agency=agency_a)


@pytest.fixture
def api_client_b(agency_b):
    return UserFactory(username="sistem.b", role=User.Role.API_CLIENT, agency=agency_b)


@pytest.fixture
def dispatched(file_complaint, hall_admin, agency_a):
    complaint = file_complaint()
    workflow.complaint_dispatch(
        complaint=complaint, agency=agency_a, by=hall_admin, instruction="Cek CCTV loket 3."
    )
    complaint.refresh_from_db()
    return complaint


@pytest.fixture
def responded(dispatched, agency_admin_a):
    workflow.complaint_respond(
        complaint=dispatched, by=agency_admin_a, body="Loket tambahan dibuka mulai Senin."
    )
    dispatched.refresh_from_db()
    return dispatched


# ---------------------------------------------------------------------------
# Filing
# ---------------------------------------------------------------------------
def test_anybody_files_a_complaint(api_client, hall, agency_a):
    response = api_client.post(URL, {**VALID, "agency": agency_a.pk}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["tracking_id"].startswith("LBG-2026-")
    assert body["access_token"]
    assert body["status"] == "submitted"
    assert body["due_at"] == "2026-12-04T16:00:00+07:00"
    assert body["remaining"] == "sisa 3 hari kerja"
    complaint = Complaint.objects.get(tracking_id=body["tracking_id"])
    assert complaint.channel == Complaint.Channel.API
    assert complaint.hall == hall
    assert complaint.reported_agency == agency_a
    assert complaint.check_access_token(body["access_token"])
    assert body["access_token"] in body["tracking_url"]


def test_anonymous_filing_keeps_no_identity(api_client, hall):
    response = api_client.post(URL, {**VALID, "is_anonymous": True}, format="json")

    assert response.status_code == 201
    complaint = Complaint.objects.get(tracking_id=response.json()["tracking_id"])
    assert (complaint.reporter_name, complaint.reporter_email, complaint.reporter_phone) == (
        "",
        "",
        "",
    )
    assert identity_in(response.json()) == []


def test_signed_in_citizen_is_the_reporter(token_client, citizen, hall):
    response = token_client(citizen).post(URL, VALID, format="json")

    assert response.status_code == 201
    complaint = Complaint.objects.get(tracking_id=response.json()["tracking_id"])
    assert complaint.reporter == citizen
    # The citizen reads it signed in, without the token.
    assert token_client(citizen).get(detail(complaint)).status_code == 200


def test_hall_must_be_named_when_several_are_active(api_client, hall):
    other = HallFactory(slug="mpp-lain", code="LBH")

    assert api_client.post(URL, VALID, format="json").json()["errors"]["hall"]
    response = api_client.post(URL, {**VALID, "hall": other.slug}, format="json")
    assert response.status_code == 201
    assert response.json()["tracking_id"].startswith("LBH-")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "keluhan"}, "kind"),
        ({"description": "Terlalu singkat."}, "description"),
        ({"title": ""}, "title"),
        ({"event_date": "2026-12-02"}, "event_date"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"reporter_email": "bukan-surel"}, "reporter_email"),
        ({"category": "tidak-ada"}, "category"),
    ],
)
def test_filing_rejects_bad_input(api_client, hall, change, field):
    response = api_client.post(URL, {**VALID, **change}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert not Complaint.objects.exists()


def test_filing_rejects_an_agency_of_another_hall(api_client, hall):
    elsewhere = AgencyFactory(hall=HallFactory(slug="mpp-lain", is_active=False))

    response = api_client.post(URL, {**VALID, "agency": elsewhere.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["agency"]


def test_filing_is_throttled(api_client, hall, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "complaints", "2/hour")

    codes = [api_client.post(URL, VALID, format="json").status_code for _ in range(3)]

    assert codes == [201, 201, 429]
    assert Complaint.objects.count() == 2


# ---------------------------------------------------------------------------
# Reading one complaint
# ---------------------------------------------------------------------------
def test_reporter_reads_the_public_timeline_with_the_token(api_client, responded):
    complaint = responded
    complaint_token = complaint.access_token

    by_query = api_client.get(detail(complaint), {"token": complaint_token})
    by_header = api_client.get(detail(complaint), HTTP_X_COMPLAINT_TOKEN=complaint_token)

    assert by_query.status_code == by_header.status_code == 200
    body = by_query.json()
    assert body["status"] == "responded"
    assert body["agency"]["short_name"] == "Disdukcapil"
    assert body["remaining"] == "sisa 10 hari kerja"
    assert [entry["kind"] for entry in body["timeline"]] == ["status", "status", "response"]
    assert body["timeline"][-1]["author_label"] == "Disdukcapil"
    assert "internal_notes" not in body
    assert "Cek CCTV" not in json.dumps(body)
    # A link can be forwarded: the token shows no identity.
    assert body["reporter"] is None
    assert identity_in(body) == []


def test_without_a_valid_token_the_complaint_does_not_exist(api_client, file_complaint):
    complaint = file_complaint()

    assert api_client.get(detail(complaint)).status_code == 404
    assert api_client.get(detail(complaint), {"token": "salah"}).status_code == 404
    assert api_client.get(f"{URL}LBG-2026-999999/", {"token": "x"}).status_code == 404


def test_hall_admin_sees_identity_and_internal_notes(token_client, hall_admin, dispatched):
    body = token_client(hall_admin).get(detail(dispatched)).json()

    assert body["reporter"] == {"name": NAME, "email": EMAIL, "phone": PHONE}
    assert [note["body"] for note in body["internal_notes"]] == ["Cek CCTV loket 3."]


def test_agency_sees_the_name_only(token_client, agency_admin_a, api_client_a, dispatched):
    for user in (agency_admin_a, api_client_a):
        body = token_client(user).get(detail(dispatched)).json()
        assert body["reporter"] == {"name": NAME, "email": None, "phone": None}
        assert EMAIL not in json.dumps(body) and PHONE not in json.dumps(body)
        assert body["internal_notes"][0]["body"] == "Cek CCTV loket 3."


def test_anonymous_report_shows_no_identity_to_anybody(
    token_client, api_client, hall_admin, agency_admin_a, file_complaint, agency_a
):
    complaint = file_complaint(is_anonymous=True)
    workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)

    for client in (token_client(hall_admin), token_client(agency_admin_a)):
        body = client.get(detail(complaint)).json()
        assert body["reporter"] is None
        assert body["is_anonymous"] is True
        assert identity_in(body) == []
        listed = client.get(URL).json()["results"]
        assert listed[0]["reporter"] is None
        assert identity_in(listed) == []
    body = api_client.get(detail(complaint), {"token": complaint.access_token}).json()
    assert identity_in(body) == []


def test_other_agency_gets_404_and_an_empty_list(token_client, api_client_b, staff_b, dispatched):
    for user in (api_client_b, staff_b):
        client = token_client(user)
        assert client.get(detail(dispatched)).status_code == 404
        assert client.get(URL).json()["results"] == []
        response = client.post(detail(dispatched, "respond/"), {"body": "Bukan urusan kami."})
        assert response.status_code == 404


def test_agency_does_not_see_a_complaint_before_dispatch(
    token_client, agency_admin_a, file_complaint
):
    complaint = file_complaint()

    assert token_client(agency_admin_a).get(detail(complaint)).status_code == 404


# ---------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------
def test_list_is_for_staff_only(api_client, citizen, token_client, file_complaint):
    file_complaint()

    assert api_client.get(URL).status_code == 401
    assert token_client(citizen).get(URL).json()["results"] == []


def test_list_masks_contacts_and_filters(
    token_client, hall_admin, agency_a, agency_b, file_complaint, django_assert_max_num_queries
):
    for n in range(6):
        complaint = file_complaint(kind="aspirasi" if n % 2 else "pengaduan")
        if n < 4:
            workflow.complaint_dispatch(
                complaint=complaint, agency=agency_a if n < 2 else agency_b, by=hall_admin
            )
    client = token_client(hall_admin)

    with django_assert_max_num_queries(8):
        body = client.get(URL, {"ordering": "due_at"}).json()
    assert body["count"] == 6
    row = body["results"][0]
    assert row["reporter"] == {"name": NAME, "email": "s***@example.test", "phone": "0812******90"}
    assert {r["remaining"] for r in body["results"]} == {"sisa 3 hari kerja", "sisa 5 hari kerja"}
    dues = [r["due_at"] for r in body["results"]]
    assert dues == sorted(dues)

    assert client.get(URL, {"status": "submitted"}).json()["count"] == 2
    assert client.get(URL, {"kind": "aspirasi"}).json()["count"] == 3
    assert client.get(URL, {"agency": agency_b.pk}).json()["count"] == 2
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


def test_list_queries_do_not_grow_with_rows(
    token_client, hall_admin, file_complaint, django_assert_num_queries
):
    client = token_client(hall_admin)
    file_complaint()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(URL)  # the token's user is cached from here on (CachedTokenAuthentication)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(10):
        file_complaint()
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(URL).json()["count"] == 11


def test_agency_api_client_lists_only_its_agency(
    token_client, api_client_a, hall_admin, agency_b, dispatched, file_complaint
):
    workflow.complaint_dispatch(complaint=file_complaint(), agency=agency_b, by=hall_admin)
    file_complaint()

    body = token_client(api_client_a).get(URL).json()

    assert [r["tracking_id"] for r in body["results"]] == [dispatched.tracking_id]
    assert body["results"][0]["reporter"] == {"name": NAME, "email": None, "phone": None}


# ---------------------------------------------------------------------------
# Moves
# ---------------------------------------------------------------------------
def test_hall_admin_dispatches(token_client, hall_admin, agency_a, file_complaint):
    complaint = file_complaint()

    response = token_client(hall_admin).post(
        detail(complaint, "dispatch/"), {"agency": agency_a.pk, "instruction": "Segera."}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "dispatched"
    assert response.json()["agency"]["id"] == agency_a.pk
    assert response.json()["remaining"] == "sisa 5 hari kerja"


def test_dispatch_rejects_an_agency_of_another_hall(token_client, hall_admin, file_complaint):
    complaint = file_complaint()
    elsewhere = AgencyFactory(hall=HallFactory(slug="mpp-lain"))

    response = token_client(hall_admin).post(
        detail(complaint, "dispatch/"), {"agency": elsewhere.pk}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["agency"]


def test_agency_may_not_dispatch(token_client, agency_admin_a, agency_b, dispatched):
    response = token_client(agency_admin_a).post(
        detail(dispatched, "dispatch/"), {"agency": agency_b.pk}
    )

    assert response.status_code == 403


def test_forbidden_transition_is_409(token_client, hall_admin, agency_a, dispatched):
    response = token_client(hall_admin).post(
        detail(dispatched, "dispatch/"), {"agency": agency_a.pk}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"


def test_hall_admin_of_another_hall_gets_404(token_client, file_complaint):
    other_admin = UserFactory(
        username="admin.lain", role=User.Role.HALL_ADMIN, hall=HallFactory(slug="mpp-lain")
    )
    complaint = file_complaint()

    response = token_client(other_admin).post(
        detail(complaint, "request-info/"), {"question": "Kapan kejadiannya?"}
    )

    assert response.status_code == 404


def test_request_info_and_the_reporters_answer(
    token_client, api_client, hall_admin, file_complaint
):
    complaint = file_complaint()
    admin = token_client(hall_admin)

    assert admin.post(detail(complaint, "request-info/"), {"question": ""}).status_code == 400
    response = admin.post(detail(complaint, "request-info/"), {"question": "Loket nomor berapa?"})
    assert response.json()["status"] == "info_requested"
    assert response.json()["due_at"] is None

    answer = {"text": "Loket nomor 3, pukul 10.00."}
    assert api_client.post(detail(complaint, "provide-info/"), answer).status_code == 404
    response = api_client.post(
        detail(complaint, "provide-info/"), answer, HTTP_X_COMPLAINT_TOKEN=complaint.access_token
    )
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"


def test_archive_as_duplicate(token_client, hall_admin, file_complaint):
    first, second = file_complaint(), file_complaint()
    admin = token_client(hall_admin)

    missing = admin.post(
        detail(second, "archive/"), {"reason": "duplicate", "duplicate_of": "LBG-2026-999999"}
    )
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["duplicate_of"]
    assert admin.post(detail(second, "archive/"), {"reason": "bosan"}).status_code == 400

    response = admin.post(
        detail(second, "archive/"),
        {"reason": "duplicate", "note": "Sama.", "duplicate_of": first.tracking_id},
    )
    assert response.status_code == 200
    second.refresh_from_db()
    assert (second.status, second.duplicate_of) == ("archived", first)
    # Archived is final.
    again = admin.post(detail(second, "archive/"), {"reason": "unclear"})
    assert again.status_code == 409


def test_agency_api_client_responds(token_client, api_client_a, dispatched):
    client = token_client(api_client_a)

    assert client.post(detail(dispatched, "respond/"), {"body": ""}).status_code == 400
    response = client.post(
        detail(dispatched, "respond/"),
        {"body": "Sudah ditindaklanjuti.", "planned_completion": "2026-12-10"},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "responded"
    dispatched.refresh_from_db()
    assert str(dispatched.planned_completion) == "2026-12-10"
    # Responding twice is not a move of the workflow.
    again = client.post(detail(dispatched, "respond/"), {"body": "Lagi."})
    assert again.status_code == 409


def test_counter_staff_may_read_but_not_respond(token_client, staff_a, dispatched):
    client = token_client(staff_a)

    assert client.get(detail(dispatched)).status_code == 200
    assert client.post(detail(dispatched, "respond/"), {"body": "Oke."}).status_code == 403


def test_agency_hands_back_and_loses_sight(token_client, agency_admin_a, hall_admin, dispatched):
    client = token_client(agency_admin_a)

    response = client.post(detail(dispatched, "hand-back/"), {"reason": "Bukan kewenangan kami."})

    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert client.get(detail(dispatched)).status_code == 404
    # The reason is internal: the hall admin reads it, the reporter does not.
    admin_body = token_client(hall_admin).get(detail(dispatched)).json()
    assert "Bukan kewenangan kami." in json.dumps(admin_body["internal_notes"])
    assert "Bukan kewenangan kami." not in json.dumps(admin_body["timeline"])


def test_staff_note(token_client, agency_admin_a, dispatched):
    client = token_client(agency_admin_a)

    response = client.post(detail(dispatched, "note/"), {"body": "Dicek besok."})

    assert response.status_code == 201
    assert response.json()["author_label"] == "Disdukcapil"
    assert client.post(detail(dispatched, "note/"), {"body": " "}).status_code == 400


def test_reporter_replies_then_accepts_with_a_rating(api_client, agency_admin_a, responded):
    token = responded.access_token

    response = api_client.post(
        detail(responded, "reply/"), {"body": "Belum ada perubahan."}, HTTP_X_COMPLAINT_TOKEN=token
    )
    assert response.json()["status"] == "dispatched"
    workflow.complaint_respond(complaint=responded, by=agency_admin_a, body="Loket 4 dibuka.")

    bad = api_client.post(f"{detail(responded, 'accept/')}?token={token}", {"rating": 6})
    assert bad.status_code == 400
    assert api_client.post(detail(responded, "accept/"), {"rating": 5}).status_code == 404
    response = api_client.post(
        f"{detail(responded, 'accept/')}?token={token}", {"rating": 5, "comment": "Terima kasih"}
    )

    assert response.status_code == 200
    responded.refresh_from_db()
    assert (responded.status, responded.rating) == ("closed", 5)
    timeline = api_client.get(detail(responded), {"token": token}).json()["timeline"]
    assert timeline[-1]["author_label"] == "Pelapor"


def test_reporter_rates_later_and_reopens_once(api_client, responded):
    token = responded.access_token
    url = lambda action: f"{detail(responded, action)}?token={token}"  # noqa: E731

    assert api_client.post(url("accept/"), {}).status_code == 200
    assert api_client.post(url("rate/"), {"rating": 4}).status_code == 200
    assert api_client.post(url("rate/"), {"rating": 4}).status_code == 409
    assert api_client.post(url("reopen/"), {"body": "Masih sama."}).json()["status"] == (
        "dispatched"
    )
    assert api_client.post(url("reopen/"), {"body": "Lagi."}).status_code == 409


def test_hall_admin_closes_for_the_reporter(token_client, hall_admin, agency_admin_a, responded):
    assert token_client(agency_admin_a).post(detail(responded, "close/")).status_code == 403

    response = token_client(hall_admin).post(detail(responded, "close/"))

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert token_client(hall_admin).post(detail(responded, "close/")).status_code == 409


def test_anonymous_caller_cannot_move_staff_steps(api_client, agency_a, file_complaint):
    complaint = file_complaint()

    response = api_client.post(
        detail(complaint, "dispatch/"),
        {"agency": agency_a.pk, "token": complaint.access_token},
    )

    assert response.status_code == 401
