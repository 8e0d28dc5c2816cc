"""Counter staff call one waiting ticket before its turn, by its code, with a
reason kept in the audit trail."""

import pytest
from django.urls import reverse

from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import DomainError
from services import queue
from services.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(staff_a, counter_a):
    queue.counter_open(counter=counter_a, by=staff_a)
    counter_a.refresh_from_db()
    return counter_a


@pytest.fixture
def line(service_a, service_b):
    return {
        "a1": queue.ticket_issue(service=service_a),
        "a2": queue.ticket_issue(service=service_a),
        "a3": queue.ticket_issue(service=service_a),
        "b1": queue.ticket_issue(service=service_b),
    }


def test_it_calls_that_ticket_and_audits_the_reason(opened, staff_a, line):
    ticket = queue.ticket_call_out_of_order(
        counter=opened, code="a3", by=staff_a, reason="  Lansia,   sulit berdiri "
    )
    assert ticket.pk == line["a3"].pk
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED and ticket.counter_id == opened.pk
    entry = AuditEntry.objects.get(action="ticket.call_out_of_order")
    assert entry.note == f"{opened.label} · Lansia, sulit berdiri"
    assert entry.actor == staff_a
    # The others keep their order: "call next" now calls A-001.
    queue.ticket_finish(ticket=queue.ticket_start(ticket=ticket, by=staff_a), by=staff_a)
    assert queue.ticket_call_next(counter=opened, by=staff_a).pk == line["a1"].pk


@pytest.mark.parametrize("code", ["A-003", "a3", "A 003", " a-3 "])
def test_codes_as_staff_type_them(opened, staff_a, line, code):
    ticket = queue.ticket_call_out_of_order(counter=opened, code=code, by=staff_a, reason="x")
    assert ticket.code == "A-003"


@pytest.mark.parametrize(
    ("code", "reason", "error"),
    [
        ("A-003", "", "reason_required"),
        ("A-003", "   ", "reason_required"),
        ("A-003", "x" * 201, "reason_too_long"),
        ("A-099", "lansia", "not_waiting"),
        ("P-001", "lansia", "not_waiting"),  # another agency's service
        ("!!", "lansia", "not_waiting"),
        ("", "lansia", "not_waiting"),
    ],
)
def test_bad_input_is_refused(opened, staff_a, line, code, reason, error):
    with pytest.raises(DomainError) as exc:
        queue.ticket_call_out_of_order(counter=opened, code=code, by=staff_a, reason=reason)
    assert exc.value.code == error
    assert not Ticket.objects.filter(status=Ticket.Status.CALLED).exists()


def test_a_called_ticket_cannot_be_called_again(opened, staff_a, line):
    queue.ticket_call_next(counter=opened, by=staff_a)
    with pytest.raises(DomainError) as exc:
        queue.ticket_call_out_of_order(counter=opened, code="A-002", by=staff_a, reason="x")
    assert exc.value.code == "ticket_in_progress"


def test_staff_of_another_agency_cannot(opened, staff_b, line):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        queue.ticket_call_out_of_order(counter=opened, code="A-003", by=staff_b, reason="x")


# --- the console ----------------------------------------------------------------------------


def test_console_form_calls_it(client, opened, staff_a, line):
    client.force_login(staff_a)
    url = reverse("services:console_call_code", args=[opened.pk])
    response = client.post(url, {"code": "a2", "reason": "ibu hamil"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "A-002 dipanggil di luar urutan" in response.content.decode()
    line["a2"].refresh_from_db()
    assert line["a2"].status == Ticket.Status.CALLED


def test_console_form_without_reason_says_why(client, opened, staff_a, line):
    client.force_login(staff_a)
    url = reverse("services:console_call_code", args=[opened.pk])
    html = client.post(url, {"code": "a2"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Tulis alasan" in html


def test_console_form_needs_a_post_and_the_operator(client, opened, staff_a, staff_a2, line):
    url = reverse("services:console_call_code", args=[opened.pk])
    client.force_login(staff_a)
    assert client.get(url).status_code == 405
    client.force_login(staff_a2)
    html = client.post(url, {"code": "a2", "reason": "x"}, HTTP_HX_REQUEST="true").content.decode()
    line["a2"].refresh_from_db()
    assert line["a2"].status == Ticket.Status.WAITING
    assert "alert-danger" in html


def test_console_form_refuses_a_citizen(client, citizen, opened):
    client.force_login(citizen)
    url = reverse("services:console_call_code", args=[opened.pk])
    assert client.post(url, {"code": "a2", "reason": "x"}).status_code in (302, 403)


def test_the_console_shows_the_form_only_when_free(client, opened, staff_a, line):
    client.force_login(staff_a)
    page = reverse("services:console_counter", args=[opened.pk])
    assert 'name="reason"' in client.get(page).content.decode()
    queue.ticket_call_next(counter=opened, by=staff_a)
    assert 'name="reason"' not in client.get(page).content.decode()
