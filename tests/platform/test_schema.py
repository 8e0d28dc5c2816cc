"""Schemathesis over /api/v1/: does every operation answer as its schema says?

Each operation of the schema drf-spectacular generates runs in-process
(WSGI) under every built-in schemathesis check, as the personas that use
it (nobody, kiosk, counter staff, hall admin, an agency's API client),
with valid and with invalid requests. In valid requests, path parameters,
references (a service, an agency, a tracking code) and the reporter's
token are drawn now at random, now from the objects that exist, so the
deep paths (201, 409) run too. The seed is fixed and the examples bounded
(SCHEMA_EXAMPLES per persona and mode): the run is repeatable and fast.
"""

import datetime
import json
import os
import re

import hypothesis
import pytest
import schemathesis
import time_machine
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mpp_portal.accounts.models import User
from mpp_portal.workdays import JAKARTA
from mpp_portal.wsgi import application
from tests.factories import AgencyFactory, CounterFactory, ServiceFactory, UserFactory

# Tuesday 1 December 2026, 09:00 WIB: a working day inside office hours.
OPEN_MOMENT = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)
SEED = 20261201
EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", "5"))

# A valid request may still be refused with 400 on a field whose rule no
# schema can state: that a referenced object exists, a date relative to
# today, a number checked against Indonesian numbering. Only these fields,
# and only on these operations; any other 400 to a valid request fails.
RULES_BEYOND_THE_SCHEMA = {
    "GET /api/v1/counters/": {"agency": "names an agency that exists"},
    "GET /api/v1/services/": {"agency": "names an agency that exists"},
    "GET /api/v1/tickets/": {"service": "names a service that exists"},
    "GET /api/v1/bookings/": {"service": "names a service that exists"},
    "GET /api/v1/ikm/": {
        "to": "not before from",
        "hall": "names a hall that exists",
        "agency": "names an agency that exists",
        "service": "names a service that exists",
    },
    "POST /api/v1/tickets/": {
        "service": "names a service of the caller's hall",
        "phone": "an Indonesian phone number (mpp_portal.identity)",
    },
    "POST /api/v1/tickets/{id}/transfer/": {"service": "names a service that exists"},
    "POST /api/v1/bookings/": {
        "service": "names an active service",
        "date": "a bookable day of the service's schedule",
        "slot_start": "a slot of that day",
        "nik": "a NIK with a Kemendagri region code and a birth date",
        "phone": "an Indonesian phone number (mpp_portal.identity)",
    },
    "POST /api/v1/complaints/": {
        "hall": "names an active hall",
        "agency": "names an agency of that hall",
        "service": "names a service of that hall",
        "category": "names an active category",
        "event_date": "not in the future",
        "reporter_phone": "an Indonesian phone number (mpp_portal.identity)",
    },
    "POST /api/v1/complaints/{tracking_id}/dispatch/": {
        "agency": "names an active agency of the complaint's hall"
    },
    "POST /api/v1/complaints/{tracking_id}/archive/": {
        "duplicate_of": "names a complaint the caller sees"
    },
    "POST /api/v1/complaints/{tracking_id}/respond/": {"planned_completion": "not in the past"},
    "POST /api/v1/surveys/": {"tracking_code": "names a ticket that exists"},
    "GET /api/v1/sipabes/dashboard/": {"regency": "names the regency of an active hall"},
}

# What does not keep to the schema yet, by operation and parameter, with the
# reason. A failure on it marks the test xfail with that reason (any other
# failure of the operation still fails it); remove an entry once fixed.
KNOWN_MISMATCHES: dict = {}


def _spec():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


SCHEMA = schemathesis.openapi.from_dict(_spec())
# Every call, also those a check sends again (ignored_auth...), goes to the
# project's WSGI application in this process.
SCHEMA.app = application
OPERATIONS = sorted(
    (result.ok() for result in SCHEMA.get_all_operations()), key=lambda op: op.label
)


def _personas(operation):
    if operation.path.startswith("/api/v1/complaints"):
        return ["anonymous", "hall_admin", "api_client"]
    if operation.path.startswith(("/api/v1/tickets", "/api/v1/counters", "/api/v1/bookings")):
        return ["anonymous", "kiosk", "staff"]
    return ["anonymous", "api_client"]


def _params():
    return [pytest.param(operation, id=operation.label) for operation in OPERATIONS]


def _known(operation, failure):
    """The KNOWN_MISMATCHES reason of accepted invalid parameters, all of them known, or None."""
    found = re.search(r"parameters? ((?:`[^`]+`(?:, )?)+)", failure.message or "")
    if failure.title != "Schema-violating request accepted" or not found:
        return None
    reasons = {
        KNOWN_MISMATCHES.get((operation.label, name))
        for name in re.findall(r"`([^`]+)`", found.group(1))
    }
    return None if None in reasons else "; ".join(sorted(reasons))


@pytest.fixture
def keep_connection():
    """Let the WSGI application keep the test's database connection.

    Django's handler closes the connection as a request starts and ends;
    the test client disconnects that for the same reason (the test's
    transaction).
    """
    from django.core import signals
    from django.db import close_old_connections

    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(hall, agency_a, staff_a, kiosk_user, hall_admin):
    """A hall like the demo's, during office hours, and the personas' tokens."""
    from complaints import services as workflow
    from mpp_portal.accounts.services import token_issue
    from services import booking as bookings
    from services import queue
    from services.models import BookingSchedule

    with time_machine.travel(OPEN_MOMENT, tick=True):
        agency_b = AgencyFactory(hall=hall, short_name="Bapenda", slug="bapenda")
        service_a = ServiceFactory(agency=agency_a, name="Perekaman KTP-el", code="A")
        service_b = ServiceFactory(agency=agency_b, name="Pajak Kendaraan", code="P")
        counter = CounterFactory(agency=agency_a, number=1, services=[service_a])
        BookingSchedule.objects.create(service=service_a, weekdays=[0, 1, 2, 3, 4])
        api_user = UserFactory(username="api.uji", role=User.Role.API_CLIENT, agency=agency_a)
        tickets = [queue.ticket_issue(service=service_a, by=kiosk_user) for _ in range(3)]
        complaint, complaint_token = workflow.complaint_file(
            hall=hall,
            kind="pengaduan",
            title="Antrean KTP-el terlalu lama",
            description="Saya menunggu lebih dari tiga jam tanpa kepastian di loket.",
            reporter_name="Siti Aminah",
            reporter_email="siti@example.test",
        )
        booking, _token = bookings.booking_create(
            service=service_a,
            day=datetime.date(2026, 12, 2),
            slot_start=datetime.time(9, 0),
            name="Siti Aminah",
            nik="1707014101900001",
            phone="081234567890",
        )
        yield {
            "tokens": {
                "kiosk": token_issue(user=kiosk_user),
                "staff": token_issue(user=staff_a),
                "hall_admin": token_issue(user=hall_admin),
                "api_client": token_issue(user=api_user),
            },
            # Path parameters of objects that exist.
            "paths": {
                "id": [tickets[0].pk, counter.pk, service_a.pk, agency_a.pk, tickets[1].pk],
                "slug": [hall.slug],
                "code": [booking.code],
                "tracking_id": [complaint.tracking_id],
                "tracking_code": [tickets[2].tracking_code],
            },
            # Query, header and body values of objects that exist, by name: an
            # integer where the schema asks for one, a string otherwise.
            "fields": {
                "tracking_code": [tickets[2].tracking_code],
                "service": [service_a.pk, service_b.pk],
                "agency": [agency_a.pk, agency_b.pk],
                "hall": [hall.slug, hall.pk],
                "duplicate_of": [complaint.tracking_id],
                "token": [complaint_token],
                "X-Complaint-Token": [complaint_token],
            },
        }


def _fill(values, choice):
    """Put an existing object's value in place of what was generated."""

    def fill(container):
        for name, generated in list((container or {}).items()):
            kinds = [v for v in values.get(name, []) if isinstance(v, type(generated))]
            if kinds and not isinstance(generated, bool):
                container[name] = kinds[choice % len(kinds)]

    return fill


def _strategy(operation, mode, world, persona):
    headers = {}
    if persona != "anonymous":
        headers["Authorization"] = f"Token {world['tokens'][persona]}"
    paths, fields = world["paths"], world["fields"]
    if mode is GenerationMode.NEGATIVE:
        return operation.as_strategy(generation_mode=mode, headers=headers)

    def with_path(choice):
        path = {
            p.name: paths[p.name][choice % len(paths[p.name])] for p in operation.path_parameters
        }
        return operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=path)

    def realistic(drawn):
        case, choice = drawn
        if choice % 3:
            # Valid values stay valid: only what the schema allows is put in.
            fill = _fill(fields, choice)
            for container in (case.query, case.headers, case.body):
                if isinstance(container, dict):
                    fill(container)
            if case.headers and persona != "anonymous":
                case.headers["Authorization"] = headers["Authorization"]
        return case

    choices = st.integers(min_value=0, max_value=1000)
    cases = st.one_of(
        operation.as_strategy(generation_mode=mode, headers=headers),
        choices.flatmap(with_path),
    )
    return st.tuples(cases, choices).map(realistic)


def _beyond_the_schema(operation):
    """positive_data_acceptance, except a 400 on a field of RULES_BEYOND_THE_SCHEMA."""
    allowed = RULES_BEYOND_THE_SCHEMA.get(operation.label, {})

    def positive_data_acceptance_within_rules(ctx, response, case):
        if response.status_code == 400 and allowed:
            fields = set((json.loads(response.content or b"{}").get("errors") or {}).keys())
            if fields and fields <= set(allowed):
                return None
        return positive_data_acceptance(ctx, response, case)

    return positive_data_acceptance_within_rules


def _explore(operation, persona, mode, world, failures, known):
    """Run EXAMPLES cases of one persona and mode; collect distinct failures."""
    check = _beyond_the_schema(operation)

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=_strategy(operation, mode, world, persona))
    def run(case):
        response = case.call()
        try:
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[check] if mode is GenerationMode.POSITIVE else [],
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                reason = _known(operation, failure)
                if reason:
                    known.add(reason)
                    continue
                failures.setdefault(
                    (failure.title, response.status_code),
                    f"{persona}, {mode.value}: {failure.title} [{response.status_code}] "
                    f"{case.as_curl_command()}\n    {response.text[:300]}\n"
                    f"    {failure.message[:600]}",
                )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing the schema forbids exists (e.g. only a free-text slug in
        # the path): there is no invalid request to send.
        assert mode is GenerationMode.NEGATIVE, "no valid request could be made"


@pytest.mark.parametrize("operation", _params())
def test_operation_keeps_to_its_schema(operation, world, keep_connection):
    failures, known = {}, set()
    with time_machine.travel(OPEN_MOMENT, tick=True):
        for persona in _personas(operation):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _explore(operation, persona, mode, world, failures, known)
    report = os.environ.get("SCHEMA_REPORT")
    if report and failures:
        with open(report, "a") as out:
            for text in failures.values():
                out.write(f"=== {operation.label} as {text}\n")
    assert not failures, "\n".join(failures.values())
    if known:
        pytest.xfail("; ".join(sorted(known)))


# ---------------------------------------------------------------------------
# What the run found, pinned one by one
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"page_size": "true"}, 400),
        ({"page_size": "0"}, 400),
        ({"page_size": "-5"}, 400),
        ({"page": ""}, 404),
        ({"page": "abc"}, 404),
        ({"page_size": "500"}, 200),  # above the maximum: the maximum
        ({"page_size": "1", "page": "1"}, 200),
    ],
)
def test_pagination_refuses_what_is_no_number(api_client, hall, query, status):
    response = api_client.get("/api/v1/halls/", query)
    assert response.status_code == status, response.content
    if status == 400:
        assert list(response.json()["errors"]) == ["page_size"]


@pytest.mark.parametrize("name", ["from", "to", "hall", "agency", "service"])
def test_ikm_refuses_an_empty_parameter(api_client, db, name):
    response = api_client.get("/api/v1/ikm/", {name: ""})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [name]


def test_the_survey_takes_json_only(api_client, db):
    """A form sends the scores as text, which the schema's integers are not."""
    response = api_client.post(
        "/api/v1/surveys/", {"tracking_code": "X", "scores": ["4"] * 9}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_nul_byte_answers_the_error_shape(api_client, db):
    response = api_client.get("/api/v1/services/", {"q": "\x00"})
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}


def test_the_schema_documents_the_errors_each_operation_answers():
    paths = SCHEMA.raw_schema["paths"]
    start = paths["/api/v1/tickets/{id}/start/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "413", "429"} == set(start)
    assert start["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Conflict")
    board = paths["/api/v1/halls/{slug}/board/"]["get"]["responses"]
    # No authentication on the board: no 401; its ETag gives 304.
    assert {"200", "304", "400", "404", "429"} == set(board)
    assert "ETag" in board["304"]["headers"]
    halls = paths["/api/v1/halls/"]["get"]["responses"]
    assert {"200", "400", "401", "404", "429"} == set(halls)  # public: no 403
