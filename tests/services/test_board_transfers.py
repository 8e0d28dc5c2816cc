"""A transferred ticket shows "dialihkan" on the board while it waits in its new queue."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from services import queue, selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(staff_a, counter_a, service_a, service_a2):
    ticket = queue.ticket_issue(service=service_a)
    queue.counter_open(counter=counter_a, by=staff_a)
    queue.ticket_call_next(counter=counter_a, by=staff_a)
    ticket.refresh_from_db()
    return queue.ticket_transfer(ticket=ticket, to_service=service_a2, by=staff_a)


def test_the_board_lists_it(client, hall, moved, service_a2):
    state = selectors.board_state(hall)
    assert state["transfers"] == [{"code": moved.code, "service": service_a2.name}]
    html = client.get(reverse("services:board", args=[hall.slug])).content.decode()
    assert 'id="board-transfers"' in html and "dialihkan" in html
    api = client.get(reverse("hall-board", args=[hall.slug])).json()
    assert api["transfers"] == [{"code": moved.code, "service": service_a2.name}]


def test_it_leaves_when_called_again(hall, moved, staff_a, counter_a, service_a2):
    from services.models import CounterService

    CounterService.objects.get_or_create(counter=counter_a, service=service_a2)
    queue.ticket_call_next(counter=counter_a, by=staff_a)
    assert selectors.board_state(hall)["transfers"] == []


def test_it_leaves_after_a_quarter_of_an_hour(hall, moved):
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        assert selectors.board_state(hall)["transfers"] == []


def test_no_transfer_no_list(client, hall, service_a):
    queue.ticket_issue(service=service_a)
    html = client.get(reverse("services:board", args=[hall.slug])).content.decode()
    assert 'aria-label="Tiket yang dialihkan" hidden' in html
