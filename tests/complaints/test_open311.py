"""Open311 GeoReport v2 (/open311/v2/): the spec's formats, filters and
errors, and what is never published (confidential, unverified, identity)."""

import datetime
import json
import xml.etree.ElementTree as ET

import pytest

from complaints import services as workflow
from complaints.models import Category, Complaint
from mpp_portal.accounts.models import User
from mpp_portal.accounts.services import token_issue
from tests.complaints.conftest import NOW
from tests.factories import UserFactory

BASE = "/open311/v2/"
NAME, EMAIL, PHONE = "Siti Aminah", "siti@example.test", "081234567890"


def identity_in(text):
    return [value for value in (NAME, "Siti", EMAIL, PHONE, "081234", "81234567") if value in text]


@pytest.fixture
def category(db):
    return Category.objects.create(name="Antrean dan loket", slug="antrean-loket")


@pytest.fixture
def api_key(agency_a):
    user = UserFactory(username="sistem.a", role=User.Role.API_CLIENT, agency=agency_a)
    return token_issue(user=user)


@pytest.fixture
def dispatch(hall_admin, agency_a):
    def _dispatch(complaint):
        workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
        complaint.refresh_from_db()
        return complaint

    return _dispatch


def get_json(client, path, params=None, status=200):
    response = client.get(BASE + path, params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def get_xml(client, path, params=None, status=200):
    response = client.get(BASE + path, params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


# ---------------------------------------------------------------------------
# Discovery and services
# ---------------------------------------------------------------------------
def test_discovery(client, hall):
    body = get_json(client, "discovery.json")
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"] == "http://testserver/open311/v2"
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]

    root = get_xml(client, "discovery.xml")
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml",
        "application/json",
    ]


def test_services_list_active_categories(client, category):
    Category.objects.create(name="Lama", slug="lama", is_active=False)

    body = get_json(client, "services.json")
    assert body == [
        {
            "service_code": "antrean-loket",
            "service_name": "Antrean dan loket",
            "description": body[0]["description"],
            "metadata": True,
            "type": "realtime",
            "keywords": "antrean, loket",
            "group": "Pengaduan",
        }
    ]

    root = get_xml(client, "services.xml")
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == ["antrean-loket"]
    assert root.find("service/metadata").text == "true"


def test_service_definition(client, category):
    body = get_json(client, "services/antrean-loket.json")
    assert body["service_code"] == "antrean-loket"
    codes = [a["code"] for a in body["attributes"]]
    assert codes == ["title", "kind", "anonim", "rahasia"]
    kind = body["attributes"][1]
    assert [v["key"] for v in kind["values"]] == ["pengaduan", "aspirasi", "permintaan_informasi"]

    root = get_xml(client, "services/antrean-loket.xml")
    assert root.tag == "service_definition"
    assert len(root.findall("attributes/attribute")) == 4
    assert len(root.findall("attributes/attribute[code='kind']/values/value")) == 3


def test_unknown_service_is_a_spec_error(client, category):
    body = get_json(client, "services/tidak-ada.json", status=404)
    assert body == [{"code": 404, "description": body[0]["description"]}]

    root = get_xml(client, "services/tidak-ada.xml", status=404)
    assert root.tag == "errors"
    assert root.find("error/code").text == "404"
    assert root.find("error/description").text


# ---------------------------------------------------------------------------
# Listing requests
# ---------------------------------------------------------------------------
def test_lists_only_public_complaints(client, file_complaint, dispatch, category, hall_admin):
    public = dispatch(file_complaint(category=category))
    dispatch(file_complaint(category=category, is_confidential=True))
    file_complaint(category=category)  # not verified yet
    archived = file_complaint(category=category)
    workflow.complaint_archive(complaint=archived, by=hall_admin, reason="unclear")

    body = get_json(client, "requests.json")

    assert [r["service_request_id"] for r in body] == [public.tracking_id]
    row = body[0]
    assert row["status"] == "open"
    assert row["status_notes"] == "Diteruskan ke instansi"
    assert row["service_code"] == "antrean-loket"
    assert row["service_name"] == "Antrean dan loket"
    assert row["agency_responsible"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert row["requested_datetime"] == "2026-12-01T09:00:00+07:00"
    assert row["expected_datetime"] == "2026-12-08T16:00:00+07:00"
    assert row["description"].startswith("Saya menunggu")
    assert set(row) >= {"address", "lat", "long", "media_url", "updated_datetime"}


def test_status_notes_carry_the_latest_response_and_closed_status(
    client, file_complaint, dispatch, agency_admin_a
):
    complaint = dispatch(file_complaint())
    workflow.complaint_respond(complaint=complaint, by=agency_admin_a, body="Loket 4 dibuka.")

    row = get_json(client, "requests.json")[0]
    assert row["status_notes"] == "Sudah ditanggapi: Loket 4 dibuka."
    assert row["status"] == "open"

    workflow.complaint_accept(complaint=complaint, by=None)
    assert get_json(client, "requests.json", {"status": "closed"})[0]["status"] == "closed"
    assert get_json(client, "requests.json", {"status": "open"}) == []


def test_requests_xml(client, file_complaint, dispatch, category):
    complaint = dispatch(file_complaint(category=category, location="Loket 3 lantai 1"))

    root = get_xml(client, "requests.xml")

    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == complaint.tracking_id
    assert request.findtext("status") == "open"
    assert request.findtext("address") == "Loket 3 lantai 1"
    assert request.find("lat") is not None and request.findtext("lat") == ""


def test_filters(client, file_complaint, dispatch, category):
    other = Category.objects.create(name="Biaya", slug="biaya")
    first = dispatch(file_complaint(category=category))
    second = dispatch(file_complaint(category=other))
    secret = dispatch(file_complaint(category=other, is_confidential=True))

    def ids(params):
        return sorted(r["service_request_id"] for r in get_json(client, "requests.json", params))

    assert ids({"service_code": "biaya"}) == [second.tracking_id]
    assert ids({"service_code": "biaya,antrean-loket"}) == sorted(
        [first.tracking_id, second.tracking_id]
    )
    # A list of ids overrides the other filters, and still hides the secret one.
    wanted = f"{first.tracking_id},{secret.tracking_id}"
    assert ids({"service_request_id": wanted, "service_code": "biaya"}) == [first.tracking_id]
    assert ids({"status": "open,closed"}) == sorted([first.tracking_id, second.tracking_id])
    body = get_json(client, "requests.json", {"status": "pending"}, status=400)
    assert body[0]["code"] == 400


def test_ninety_day_window(client, file_complaint, dispatch, _frozen_clock):
    _frozen_clock.move_to(NOW - datetime.timedelta(days=100))
    old = dispatch(file_complaint())
    _frozen_clock.move_to(NOW)
    recent = dispatch(file_complaint())

    def ids(params):
        return [r["service_request_id"] for r in get_json(client, "requests.json", params)]

    # Default: the last 90 days.
    assert ids({}) == [recent.tracking_id]
    window = {"start_date": "2026-08-01T00:00:00+07:00", "end_date": "2026-10-01T00:00:00+07:00"}
    assert ids(window) == [old.tracking_id]
    # Only a start: 90 days from it; a "+" sent unencoded arrives as a space.
    assert ids({"start_date": "2026-08-01T00:00:00 07:00"}) == [old.tracking_id]
    assert ids({"end_date": "2026-12-01"}) == []  # midnight WIB, before the recent one
    assert ids({"start_date": "2026-11-30"}) == [recent.tracking_id]

    too_long = {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"}
    body = get_json(client, "requests.json", too_long, status=400)
    assert "90" in body[0]["description"]
    root = get_xml(client, "requests.xml", too_long, status=400)
    assert root.find("error/code").text == "400"
    backwards = {"start_date": "2026-12-01", "end_date": "2026-11-01"}
    assert get_json(client, "requests.json", backwards, status=400)[0]["code"] == 400
    assert get_json(client, "requests.json", {"start_date": "kemarin"}, status=400)


def test_list_queries_do_not_grow(client, file_complaint, dispatch, agency_admin_a, category):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    complaint = dispatch(file_complaint(category=category))
    workflow.complaint_respond(complaint=complaint, by=agency_admin_a, body="Ditanggapi.")
    with CaptureQueriesContext(connection) as one:
        get_json(client, "requests.json")
    for _ in range(8):
        complaint = dispatch(file_complaint(category=category))
        workflow.complaint_respond(complaint=complaint, by=agency_admin_a, body="Ditanggapi.")
    with CaptureQueriesContext(connection) as many:
        assert len(get_json(client, "requests.json")) == 9
    assert len(many.captured_queries) == len(one.captured_queries) <= 3


# ---------------------------------------------------------------------------
# One request
# ---------------------------------------------------------------------------
def test_one_request_json_and_xml(client, file_complaint, dispatch):
    complaint = dispatch(file_complaint())

    body = get_json(client, f"requests/{complaint.tracking_id}.json")
    assert [r["service_request_id"] for r in body] == [complaint.tracking_id]
    root = get_xml(client, f"requests/{complaint.tracking_id}.xml")
    assert root.find("request/service_request_id").text == complaint.tracking_id


def test_confidential_and_unverified_requests_are_not_found(
    client, file_complaint, dispatch, api_key
):
    secret = dispatch(file_complaint(is_confidential=True))
    unverified = file_complaint()

    for complaint in (secret, unverified):
        body = get_json(client, f"requests/{complaint.tracking_id}.json", status=404)
        assert body[0]["code"] == 404
        get_xml(client, f"requests/{complaint.tracking_id}.xml", status=404)
    # A valid api_key does not open a request somebody else filed.
    get_json(client, f"requests/{unverified.tracking_id}.json", {"api_key": api_key}, status=404)
    get_json(client, "requests/LBG-2026-999999.json", status=404)


# ---------------------------------------------------------------------------
# Posting a request
# ---------------------------------------------------------------------------
def post(client, data, fmt="json"):
    return client.post(f"{BASE}requests.{fmt}", data)


@pytest.fixture
def form(category, api_key):
    return {
        "api_key": api_key,
        "service_code": category.slug,
        "description": "Antrean di loket KTP-el tidak bergerak selama dua jam pagi ini.",
        "first_name": "Siti",
        "last_name": "Aminah",
        "email": EMAIL,
        "phone": PHONE,
        "lat": "3.1667",
        "long": "102.2167",
        "media_url": "http://example.test/foto.jpg",
    }


def test_post_files_a_complaint(client, hall, form):
    response = post(client, {**form, "attribute[title]": "Antrean macet"})

    assert response.status_code == 201, response.content
    row = response.json()[0]
    complaint = Complaint.objects.get(tracking_id=row["service_request_id"])
    assert complaint.channel == Complaint.Channel.OPEN311
    assert complaint.title == "Antrean macet"
    assert complaint.category.slug == "antrean-loket"
    assert complaint.reporter_name == NAME
    assert complaint.location == "3.166700, 102.216700"
    assert complaint.filed_by.username == "sistem.a"
    assert complaint.check_access_token(row["access_token"])
    assert row["account_id"] is None
    assert complaint.tracking_id in row["service_notice"]

    # The filer follows it by id before verification, with its api_key.
    api_key = form["api_key"]
    path = f"requests/{complaint.tracking_id}.json"
    get_json(client, path, status=404)
    assert get_json(client, path, {"api_key": api_key})[0]["status"] == "open"


def test_post_title_defaults_to_the_start_of_the_description(client, hall, form):
    response = post(client, {**form, "description": "Kata " * 40, "address_string": "Loket 2"})

    complaint = Complaint.objects.get(tracking_id=response.json()[0]["service_request_id"])
    assert complaint.title == ("Kata " * 16).strip()
    assert complaint.location == "Loket 2"


def test_post_xml(client, hall, form):
    response = post(client, form, fmt="xml")

    assert response.status_code == 201
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text.startswith("LBG-2026-")


def test_post_anonymous_keeps_no_identity(client, hall, form, dispatch):
    response = post(client, {**form, "attribute[anonim]": "true"})

    assert response.status_code == 201
    complaint = Complaint.objects.get(tracking_id=response.json()[0]["service_request_id"])
    assert complaint.is_anonymous
    assert (complaint.reporter_name, complaint.reporter_email, complaint.reporter_phone) == (
        "",
        "",
        "",
    )
    dispatch(complaint)
    for fmt in ("json", "xml"):
        text = client.get(f"{BASE}requests.{fmt}").content.decode()
        assert complaint.tracking_id in text
        assert identity_in(text) == []


def test_named_report_shows_no_identity_either(client, file_complaint, dispatch):
    complaint = dispatch(file_complaint())

    for path in ("requests.json", "requests.xml", f"requests/{complaint.tracking_id}.xml"):
        text = client.get(BASE + path).content.decode()
        assert complaint.tracking_id in text
        assert identity_in(text) == []


def test_post_confidential_is_never_published(client, hall, form, dispatch):
    response = post(client, {**form, "attribute[rahasia]": "ya"})
    complaint = dispatch(
        Complaint.objects.get(tracking_id=response.json()[0]["service_request_id"])
    )

    assert complaint.is_confidential
    assert get_json(client, "requests.json") == []
    path = f"requests/{complaint.tracking_id}.json"
    get_json(client, path, {"api_key": form["api_key"]}, status=404)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"api_key": ""}, 400),
        ({"api_key": "salah"}, 403),
        ({"service_code": ""}, 400),
        ({"service_code": "tidak-ada"}, 404),
        ({"description": "Singkat."}, 400),
        ({"email": "bukan-surel"}, 400),
        ({"phone": "123"}, 400),
        ({"lat": "utara"}, 400),
        ({"lat": "123", "long": "10"}, 400),
        ({"attribute[kind]": "keluhan"}, 400),
        ({"jurisdiction_id": "tidak-ada"}, 404),
    ],
)
def test_post_rejects_bad_input(client, hall, form, change, status):
    response = post(client, {**form, **change})

    assert response.status_code == status, response.content
    body = response.json()
    assert body[0]["code"] == status and body[0]["description"]
    assert not Complaint.objects.exists()


def test_post_needs_an_api_client_or_staff_key(client, hall, form, citizen, kiosk_user):
    for user in (citizen, kiosk_user):
        response = post(client, {**form, "api_key": token_issue(user=user)})
        assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_other_methods_are_refused(client, hall):
    assert client.delete(f"{BASE}requests.json").status_code == 405
    assert client.post(f"{BASE}services.json").status_code == 405
    assert client.get(f"{BASE}requests.html").status_code == 404


def test_json_is_utf8(client, file_complaint, dispatch):
    dispatch(file_complaint(location="Jalan Ki Hajar Dewantara — Muara Aman"))

    response = client.get(f"{BASE}requests.json")

    assert "—" in response.content.decode("utf-8")
    assert json.loads(response.content)[0]["address"].endswith("Muara Aman")
