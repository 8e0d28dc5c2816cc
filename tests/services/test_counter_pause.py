"""A counter on a break (istirahat): the board says so, call-next refuses, the
break's minutes count in the console and the statistics."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import DomainError
from mpp_portal.workdays import JAKARTA
from services import queue, selectors, stats
from services.models import Counter, CounterPause

pytestmark = pytest.mark.django_db

NINE = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)


@pytest.fixture
def opened(staff_a, counter_a):
    return queue.counter_open(counter=counter_a, by=staff_a)


def test_pause_and_resume_are_audited_and_kept(opened, staff_a):
    with time_machine.travel(NINE, tick=False):
        queue.counter_pause(counter=opened, by=staff_a)
    with time_machine.travel(NINE + datetime.timedelta(minutes=17), tick=False):
        queue.counter_resume(counter=opened, by=staff_a)
    pause = CounterPause.objects.get()
    assert pause.minutes == 17 and pause.by == staff_a
    assert Counter.objects.get(pk=opened.pk).paused_at is None
    actions = list(AuditEntry.objects.filter(action__startswith="counter.p").values_list("action"))
    assert actions == [("counter.pause",)]
    assert AuditEntry.objects.get(action="counter.resume").note == "istirahat 17 menit"


def test_call_next_and_out_of_order_refuse_during_a_break(opened, staff_a, service_a):
    queue.ticket_issue(service=service_a)
    queue.counter_pause(counter=opened, by=staff_a)
    with pytest.raises(DomainError) as exc:
        queue.ticket_call_next(counter=opened, by=staff_a)
    assert exc.value.code == "counter_paused"
    with pytest.raises(DomainError) as exc:
        queue.ticket_call_out_of_order(counter=opened, code="A-001", by=staff_a, reason="x")
    assert exc.value.code == "counter_paused"
    queue.counter_resume(counter=opened, by=staff_a)
    assert queue.ticket_call_next(counter=opened, by=staff_a).code == "A-001"


def test_no_break_with_a_ticket_at_the_counter(opened, staff_a, service_a):
    queue.ticket_issue(service=service_a)
    queue.ticket_call_next(counter=opened, by=staff_a)
    with pytest.raises(DomainError) as exc:
        queue.counter_pause(counter=opened, by=staff_a)
    assert exc.value.code == "ticket_in_progress"


def test_only_the_operator_pauses(opened, staff_a, staff_a2, staff_b):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(DomainError):
        queue.counter_pause(counter=opened, by=staff_a2)
    with pytest.raises(PermissionDenied):
        queue.counter_pause(counter=opened, by=staff_b)
    assert Counter.objects.get(pk=opened.pk).paused_at is None


def test_closing_ends_the_break(opened, staff_a):
    queue.counter_pause(counter=opened, by=staff_a)
    queue.counter_close(counter=opened, by=staff_a)
    counter = Counter.objects.get(pk=opened.pk)
    assert not counter.is_open and counter.paused_at is None
    assert CounterPause.objects.count() == 1


def test_pausing_twice_is_one_break(opened, staff_a):
    queue.counter_pause(counter=opened, by=staff_a)
    first = Counter.objects.get(pk=opened.pk).paused_at
    queue.counter_pause(counter=opened, by=staff_a)
    assert Counter.objects.get(pk=opened.pk).paused_at == first
    queue.counter_resume(counter=opened, by=staff_a)
    queue.counter_resume(counter=opened, by=staff_a)
    assert CounterPause.objects.count() == 1


def test_the_board_says_istirahat(client, opened, staff_a, hall):
    queue.counter_pause(counter=opened, by=staff_a)
    state = selectors.board_state(hall)
    assert [c["paused"] for c in state["counters"]] == [True]
    html = client.get(reverse("services:board", args=[hall.slug])).content.decode()
    assert "is-paused" in html and "istirahat" in html
    api = client.get(reverse("hall-board", args=[hall.slug])).json()
    assert api["counters"][0]["paused"] is True
    queue.counter_resume(counter=opened, by=staff_a)
    api = client.get(reverse("hall-board", args=[hall.slug])).json()
    assert api["counters"][0]["paused"] is False


def test_breaks_count_in_the_statistics(client, opened, staff_a, hall_admin, hall):
    with time_machine.travel(NINE, tick=False):
        queue.counter_pause(counter=opened, by=staff_a)
    with time_machine.travel(NINE + datetime.timedelta(minutes=30), tick=False):
        queue.counter_resume(counter=opened, by=staff_a)
        queue.counter_pause(counter=opened, by=staff_a)
    with time_machine.travel(NINE + datetime.timedelta(minutes=40), tick=False):
        queue.counter_resume(counter=opened, by=staff_a)
        assert queue.pause_minutes(opened, NINE.date()) == 40
    scope = stats.StatsScope(hall_id=hall.pk, start=NINE.date(), end=NINE.date())
    (row,) = stats.pause_rows(scope)
    assert (row["breaks"], row["minutes"]) == (2, 40)
    client.force_login(hall_admin)
    html = client.get(
        reverse("services:stats"), {"start": "2026-12-01", "end": "2026-12-01"}
    ).content.decode()
    assert "data-pauses" in html


def test_console_buttons(client, opened, staff_a):
    client.force_login(staff_a)
    page = reverse("services:console_counter", args=[opened.pk])
    assert reverse("services:console_pause", args=[opened.pk]) in client.get(page).content.decode()
    response = client.post(
        reverse("services:console_pause", args=[opened.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "data-paused-notice" in html and "Lanjutkan layanan" in html
    response = client.post(
        reverse("services:console_resume", args=[opened.pk]), HTTP_HX_REQUEST="true"
    )
    assert "Layanan dilanjutkan" in response.content.decode()


def test_console_pause_needs_post_and_staff(client, opened, staff_a, citizen):
    url = reverse("services:console_pause", args=[opened.pk])
    client.force_login(staff_a)
    assert client.get(url).status_code == 405
    client.force_login(citizen)
    assert client.post(url).status_code in (302, 403)
    assert Counter.objects.get(pk=opened.pk).paused_at is None


def test_the_api_pauses_and_resumes(token_client, opened, staff_a, staff_b, service_a):
    queue.ticket_issue(service=service_a)
    client = token_client(staff_a)
    body = client.post(reverse("counter-pause", args=[opened.pk])).json()
    assert body["paused_at"] is not None
    refused = client.post(reverse("counter-call-next", args=[opened.pk]))
    assert refused.status_code == 409
    assert refused.json()["code"] == "counter_paused"
    assert client.post(reverse("counter-resume", args=[opened.pk])).json()["paused_at"] is None
    assert client.post(reverse("counter-call-next", args=[opened.pk])).status_code == 200
    other = token_client(staff_b).post(reverse("counter-pause", args=[opened.pk]))
    assert other.status_code in (403, 404)
