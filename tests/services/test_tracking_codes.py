"""Tracking codes a person can type from a paper ticket (issue 13, item 2)."""

import re

import pytest
from django.urls import reverse

from services import queue
from services.models import TRACKING_ALPHABET, Ticket, normalise_tracking_code


def test_a_new_code_has_no_look_alikes_and_is_grouped():
    codes = {Ticket().tracking_code for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", code), code
    assert not set("01ILO") & set(TRACKING_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("K7QM4-XPD2H", "K7QM4-XPD2H"),
        ("k7qm4-xpd2h", "K7QM4-XPD2H"),
        (" k7qm4 xpd2h ", "K7QM4-XPD2H"),
        ("K7QM4XPD2H", "K7QM4-XPD2H"),
        ("k7q-m4x-pd2h", "K7QM4-XPD2H"),
        ("K7QM4-XPD2", None),  # one character short
        ("K7QM4-XPD20", None),  # 0 is never in a code
        ("", None),
    ],
)
def test_a_typed_code_is_read_in_any_case_and_grouping(typed, stored):
    assert normalise_tracking_code(typed) == stored


@pytest.fixture
def ticket(service_a):
    return queue.ticket_issue(service=service_a)


def _typed(code):
    """The code as a citizen types it on a phone: lower case, a space for the dash."""
    return code.lower().replace("-", " ")


def test_the_lookup_page_finds_a_code_typed_in_lower_case(client, ticket):
    response = client.get(reverse("services:track_lookup"), {"code": _typed(ticket.tracking_code)})
    assert response.status_code == 302
    assert response["Location"] == reverse("services:track", args=[ticket.tracking_code])


def test_the_tracking_page_and_the_api_take_a_typed_code(client, api_client, ticket):
    typed = ticket.tracking_code.lower()
    assert client.get(reverse("services:track", args=[typed])).status_code == 200
    response = api_client.get(f"/api/v1/tickets/track/{typed}/")
    assert response.status_code == 200
    assert response.json()["code"] == ticket.code


def test_a_code_issued_before_the_new_alphabet_still_works(client, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(tracking_code="hVSp0Orh2JPO")
    assert client.get(reverse("services:track", args=["hVSp0Orh2JPO"])).status_code == 200
    # Exact, as it always was: case mattered for these.
    assert client.get(reverse("services:track", args=["HVSP0ORH2JPO"])).status_code == 404
