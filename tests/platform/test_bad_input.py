"""Bad input never gives a 500: one test per class of input (issue 14, item 3).

Each class is fixed where the class starts, not per URL: NUL bytes in a
query string, impossible calendar dates, JSON nested past Python's
recursion limit, a non-numeric id in a detail route, a body over the
upload limit. The API always answers JSON.
"""

import json

import pytest
from django.urls import reverse

from tests.factories import CounterFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def _is_json(response):
    return response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/services/?q=%00",
        "/api/v1/services/?hall=%00",
        "/api/v1/services/?%00=1",
        "/api/v1/agencies/?hall=a%00b",
        "/layanan/?q=%00",
        "/pesan/?q=%00",
        "/open311/v2/services.json?jurisdiction_id=%00",
        "/open311/v2/requests.json?service_code=%00",
        "/open311/v2/requests.json?service_request_id=%00",
        "/open311/v2/requests/LBG%00.json",
    ],
)
def test_a_nul_byte_in_the_query_is_a_400_not_a_500(client, hall, url):
    response = client.get(url)
    assert response.status_code == 400, response.content[:300]
    if url.startswith(("/api/", "/open311/")):
        assert _is_json(response)


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-45", "0000-00-00", "2026-02-30T10:00:00"])
@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_an_impossible_date_in_open311_is_a_400(client, hall, name, value):
    response = client.get(f"/open311/v2/requests.json?{name}={value}")
    assert response.status_code == 400
    assert _is_json(response)
    assert name in json.dumps(response.json())


def test_json_nested_past_the_recursion_limit_is_a_400(api_client, hall):
    body = "[" * 3000 + "]" * 3000
    response = api_client.post("/api/v1/surveys/", body, content_type="application/json")
    assert response.status_code == 400
    assert _is_json(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/counters/null,null/open/",
        "/api/v1/counters/null,null/call-next/",
        "/api/v1/counters/null,null/close/",
        "/api/v1/tickets/null,null/start/",
        "/api/v1/tickets/null,null/finish/",
        "/api/v1/tickets/null,null/recall/",
        "/api/v1/tickets/null,null/skip/",
        "/api/v1/tickets/abc/",
        "/api/v1/complaints/1x/",
        "/api/v1/services/1x/",
    ],
)
def test_a_non_numeric_id_is_a_404_not_a_500(api_client, staff_a, agency_a, path):
    service = ServiceFactory(agency=agency_a)
    CounterFactory(agency=agency_a, services=[service])
    api_client.force_authenticate(staff_a)
    response = api_client.post(path, {}, format="json")
    if response.status_code == 405:
        response = api_client.get(path)
    assert response.status_code == 404, response.content[:300]
    assert _is_json(response)


def test_a_body_over_the_limit_answers_json_in_the_api(api_client, hall, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"answers": ["x" * 4096]})
    response = api_client.post("/api/v1/surveys/", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert _is_json(response)
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/v1/halls/no-such-hall/board/", "/api/v1/no-such-thing/", "/open311/v2/x"]
)
def test_the_api_never_answers_an_error_as_html(api_client, hall, path):
    response = api_client.get(path)
    assert response.status_code == 404
    assert _is_json(response)


def test_a_page_keeps_its_html_error_page(client, hall):
    response = client.get("/layanan/?q=%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Permintaan tidak valid" in response.content.decode()


def test_a_body_over_the_request_limit_is_refused_unread(client, api_client, hall):
    """A 50 MB anonymous multipart post is a 413, and nothing is filed or stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from complaints.models import Attachment, Complaint

    big = SimpleUploadedFile("foto.jpg", b"\xff\xd8" + b"0" * (50 * 1024 * 1024), "image/jpeg")
    form = {
        "kind": "pengaduan",
        "title": "Antrean KTP-el terlalu lama",
        "description": "Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
        "attachments": big,
    }
    response = client.post(reverse("complaints:new"), form)
    assert response.status_code == 413
    assert "paling banyak 25 MB" in response.content.decode()
    assert response["Connection"] == "close"
    assert Complaint.objects.count() == 0 and Attachment.objects.count() == 0

    api = api_client.post(
        "/api/v1/complaints/",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(26 * 1024 * 1024),
    )
    assert api.status_code == 413
    assert _is_json(api) and api.json()["code"] == "too_large"


def test_every_response_carries_the_content_security_policy(client, hall):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "'unsafe-eval'" not in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    "path", ["/api/v1/services/?is_active=abc", "/api/v1/counters/?is_open=maybe"]
)
def test_a_yes_no_filter_refuses_what_it_cannot_read(api_client, hall, path):
    """?is_active=abc was read as "no filter" and listed everything."""
    response = api_client.get(path)
    assert response.status_code == 400
    name = path.split("?")[1].split("=")[0]
    assert name in response.json()["errors"]


def test_a_yes_no_filter_takes_true_false_and_empty(api_client, agency_a):
    from tests.factories import ServiceFactory

    ServiceFactory(agency=agency_a, is_active=True)
    ServiceFactory(agency=agency_a, is_active=False)
    for value, count in [("true", 1), ("FALSE", 1), ("1", 1), ("", 2)]:
        response = api_client.get(f"/api/v1/services/?is_active={value}")
        assert response.status_code == 200, value
        assert response.json()["count"] == count, value


def test_the_complaint_filters_are_strict_too(token_client, hall_admin):
    client = token_client(hall_admin)
    for name in ("is_confidential", "overdue"):
        response = client.get(f"/api/v1/complaints/?{name}=abc")
        assert response.status_code == 400, name
        assert name in response.json()["errors"]
    assert client.get("/api/v1/complaints/?overdue=true").status_code == 200
