"""The queue's use cases: issuing, calling, moving tickets."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from mpp_portal.audit.models import AuditEntry
from mpp_portal.exceptions import DomainError, TransitionNotAllowed
from mpp_portal.workdays import JAKARTA
from services import queue
from services.models import Priority, Ticket, TicketCall, TicketTransfer


def _issue(service, priority=Priority.NORMAL, **kwargs):
    return queue.ticket_issue(service=service, priority=priority, **kwargs)


def _call_and_skip(counter, staff):
    """Call the next ticket and mark it absent, freeing the counter."""
    ticket = queue.ticket_call_next(counter=counter, by=staff)
    if ticket is not None:
        queue.ticket_skip(ticket=ticket, by=staff)
    return ticket


class TestIssue:
    def test_numbers_start_at_one_per_service_and_day(self, service_a, service_b):
        codes = [_issue(service_a).code for _ in range(3)] + [_issue(service_b).code]
        assert codes == ["A-001", "A-002", "A-003", "P-001"]

    def test_numbers_restart_the_next_working_day(self, service_a):
        _issue(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 2, 9, 0, tzinfo=JAKARTA)):
            assert _issue(service_a).code == "A-001"

    def test_daily_cap_refuses_without_using_a_number(self, service_a):
        service_a.daily_ticket_cap = 2
        service_a.save()
        _issue(service_a)
        _issue(service_a)
        with pytest.raises(DomainError, match="sudah habis") as excinfo:
            _issue(service_a)
        assert excinfo.value.code == "daily_cap_reached"
        assert Ticket.objects.count() == 2
        service_a.daily_ticket_cap = 3
        service_a.save()
        assert _issue(service_a).number == 3

    def test_an_inactive_service_gives_no_ticket(self, service_a):
        service_a.is_active = False
        service_a.save()
        with pytest.raises(DomainError, match="tidak tersedia"):
            _issue(service_a)

    def test_no_ticket_outside_office_hours(self, service_a):
        with time_machine.travel(datetime.datetime(2026, 12, 1, 16, 30, tzinfo=JAKARTA)):
            with pytest.raises(DomainError, match="sudah tutup"):
                _issue(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 7, 0, tzinfo=JAKARTA)):
            with pytest.raises(DomainError, match="belum dibuka"):
                _issue(service_a)

    def test_a_day_closed_by_the_admin_stops_the_kiosk_at_once(self, service_a, hall):
        """The open/closed answer is read fresh: an edit is seen by the next ticket."""
        from mpp_portal.organizations.models import OfficeHours
        from mpp_portal.workdays.models import CalendarDay

        assert _issue(service_a).number == 1  # today is open, and now cached
        closure = CalendarDay.objects.create(
            date=datetime.date(2026, 12, 1), name="Banjir", hall=hall
        )
        with pytest.raises(DomainError, match="bukan hari layanan"):
            _issue(service_a)
        closure.delete()
        assert _issue(service_a).number == 2
        OfficeHours.objects.update_or_create(
            hall=hall,
            weekday=1,
            defaults={"opens": datetime.time(10), "closes": datetime.time(16)},
        )
        with pytest.raises(DomainError, match="belum dibuka"):
            _issue(service_a)

    def test_no_ticket_on_a_holiday(self, service_a):
        # Friday 25 December 2026: Christmas.
        with time_machine.travel(datetime.datetime(2026, 12, 25, 9, 0, tzinfo=JAKARTA)):
            with pytest.raises(DomainError, match="bukan hari layanan"):
                _issue(service_a)

    def test_priority_must_be_accepted(self, service_a):
        service_a.accepted_priorities = ["lansia"]
        service_a.save()
        assert _issue(service_a, Priority.ELDERLY).priority == "lansia"
        with pytest.raises(DomainError) as excinfo:
            _issue(service_a, Priority.PREGNANT)
        assert excinfo.value.code == "priority_not_accepted"

    def test_issue_is_audited(self, service_a, kiosk_user):
        ticket = _issue(service_a, by=kiosk_user)
        entry = AuditEntry.objects.get(action="ticket.issue")
        assert entry.actor == kiosk_user
        assert entry.object_id == str(ticket.pk)
        assert entry.to_status == "waiting"

    def test_people_ahead_and_estimate(self, service_a):
        service_a.average_service_minutes = 6
        service_a.save()
        first = _issue(service_a)
        second = _issue(service_a)
        elderly = _issue(service_a, Priority.ELDERLY)
        assert first.people_ahead() == 1  # the elderly visitor goes first
        assert second.people_ahead() == 2
        assert elderly.people_ahead() == 0
        assert second.estimated_wait_minutes() == 18


@pytest.fixture
def open_counter(counter_a, staff_a):
    return queue.counter_open(counter=counter_a, by=staff_a)


class TestCounters:
    def test_one_staff_member_at_a_time(self, counter_a, staff_a, staff_a2):
        queue.counter_open(counter=counter_a, by=staff_a)
        with pytest.raises(DomainError, match="sedang dibuka oleh"):
            queue.counter_open(counter=counter_a, by=staff_a2)

    def test_one_open_counter_per_staff_member(self, counter_a, counter_a2, staff_a):
        queue.counter_open(counter=counter_a, by=staff_a)
        with pytest.raises(DomainError, match="Tutup dulu"):
            queue.counter_open(counter=counter_a2, by=staff_a)

    def test_other_agency_staff_cannot_open(self, counter_a, staff_b):
        with pytest.raises(PermissionDenied):
            queue.counter_open(counter=counter_a, by=staff_b)

    def test_close_refused_while_serving(self, open_counter, staff_a, service_a):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        queue.ticket_start(ticket=ticket, by=staff_a)
        with pytest.raises(DomainError, match="tiket A-001 sedang dilayani") as excinfo:
            queue.counter_close(counter=open_counter, by=staff_a)
        assert excinfo.value.code == "ticket_in_progress"
        queue.ticket_finish(ticket=ticket, by=staff_a)
        assert queue.counter_close(counter=open_counter, by=staff_a).is_open is False

    def test_close_refused_while_a_ticket_is_called(
        self, open_counter, staff_a, agency_admin_a, service_a
    ):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        for user in (staff_a, agency_admin_a):
            with pytest.raises(DomainError, match="tiket A-001 masih dipanggil"):
                queue.counter_close(counter=open_counter, by=user)
        open_counter.refresh_from_db()
        assert open_counter.is_open
        queue.ticket_skip(ticket=ticket, by=staff_a)
        assert queue.counter_close(counter=open_counter, by=staff_a).is_open is False


class TestCounterServices:
    """A counter serves only its own agency's services, in its own hall."""

    def test_model_validation_refuses_another_agencys_service(
        self, counter_a, service_a, service_b
    ):
        from django.core.exceptions import ValidationError

        from services.models import CounterService

        CounterService(counter=counter_a, service=service_a, weight=2).full_clean(
            validate_constraints=False
        )
        with pytest.raises(ValidationError) as excinfo:
            CounterService(counter=counter_a, service=service_b).full_clean()
        assert "Pajak Kendaraan adalah layanan Bapenda" in str(excinfo.value.message_dict)

    def test_model_validation_refuses_another_halls_service(self, counter_a, agency_a):
        from django.core.exceptions import ValidationError

        from services.models import CounterService
        from tests.factories import AgencyFactory, HallFactory, ServiceFactory

        elsewhere = ServiceFactory(
            agency=AgencyFactory(hall=HallFactory(slug="lain"), slug="dukcapil-lain"), code="A"
        )
        with pytest.raises(ValidationError):
            CounterService(counter=counter_a, service=elsewhere).full_clean()

    def test_a_counter_belongs_to_its_agencys_hall(self, agency_a):
        from django.core.exceptions import ValidationError

        from services.models import Counter
        from tests.factories import HallFactory

        with pytest.raises(ValidationError) as excinfo:
            Counter(hall=HallFactory(slug="lain"), agency=agency_a, number=5).full_clean()
        assert "agency" in excinfo.value.message_dict

    def test_assign_refuses_another_agencys_service(
        self, counter_a, service_b, agency_admin_a, hall_admin
    ):
        for user in (agency_admin_a, hall_admin):
            with pytest.raises(DomainError, match="Pajak Kendaraan adalah layanan") as excinfo:
                queue.counter_service_assign(counter=counter_a, service=service_b, by=user)
            assert excinfo.value.code == "service_of_other_agency"
        assert not counter_a.services.filter(pk=service_b.pk).exists()

    def test_assign_own_service_and_weight(self, agency_a, agency_admin_a, staff_a):
        from tests.factories import CounterFactory, ServiceFactory

        counter = CounterFactory(agency=agency_a, number=9)
        service = ServiceFactory(agency=agency_a, code="S", slug="s")
        with pytest.raises(PermissionDenied):
            queue.counter_service_assign(counter=counter, service=service, by=staff_a)
        link = queue.counter_service_assign(
            counter=counter, service=service, weight=3, by=agency_admin_a
        )
        assert (link.counter, link.service, link.weight) == (counter, service, 3)
        assert AuditEntry.objects.filter(action="counter.assign_service").exists()

    def test_admin_offers_only_the_counters_agency_services(
        self, rf, admin_user, counter_a, service_a, service_a2, service_b
    ):
        from django.contrib import admin

        from services.models import Counter

        request = rf.get("/")
        request.user = admin_user
        counter_admin = admin.site._registry[Counter]
        [inline] = counter_admin.get_inline_instances(request, counter_a)
        formset = inline.get_formset(request, counter_a)
        choices = set(formset.form.base_fields["service"].queryset)
        assert choices == {service_a, service_a2}


class TestCallNext:
    def test_arrival_order_and_nothing_left(self, open_counter, staff_a, service_a, service_a2):
        first = _issue(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 5, tzinfo=JAKARTA)):
            second = _issue(service_a2)
        called = queue.ticket_call_next(counter=open_counter, by=staff_a)
        assert called == first
        queue.ticket_finish(ticket=queue.ticket_start(ticket=called, by=staff_a), by=staff_a)
        assert _call_and_skip(open_counter, staff_a) == second
        assert queue.ticket_call_next(counter=open_counter, by=staff_a) is None

    def test_priority_first_but_never_starving_normal(self, open_counter, staff_a, service_a):
        normal = _issue(service_a)
        priority = [_issue(service_a, Priority.ELDERLY) for _ in range(4)]
        order = [_call_and_skip(open_counter, staff_a) for _ in range(5)]
        assert order == priority[:3] + [normal] + priority[3:]

    def test_waiting_in_call_order_is_the_order_of_the_calls(
        self, counter_a, staff_a, service_a, service_a2
    ):
        counter_a.counterservice_set.filter(service=service_a2).update(weight=3)
        queue.counter_open(counter=counter_a, by=staff_a)
        for minute, service, priority in [
            (0, service_a, Priority.NORMAL),
            (1, service_a, Priority.ELDERLY),
            (2, service_a2, Priority.NORMAL),
            (3, service_a, Priority.PREGNANT),
            (4, service_a2, Priority.ELDERLY),
            (5, service_a, Priority.DISABILITY),
            (6, service_a, Priority.NORMAL),
            (7, service_a2, Priority.ELDERLY),
        ]:
            with time_machine.travel(datetime.datetime(2026, 12, 1, 9, minute, tzinfo=JAKARTA)):
                _issue(service, priority)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=JAKARTA)):
            listed = queue.waiting_in_call_order(counter_a)
            assert queue.waiting_in_call_order(counter_a, limit=3) == listed[:3]
            called = [_call_and_skip(counter_a, staff_a) for _ in range(len(listed))]
        assert [t.code for t in listed] == [t.code for t in called]
        # Priority first, but a normal ticket after three priority calls in a row.
        assert [t.is_priority for t in listed] == [True] * 3 + [False] + [True] * 2 + [False] * 2

    def test_requires_the_counter_to_be_open_by_the_caller(self, counter_a, staff_a, service_a):
        _issue(service_a)
        with pytest.raises(DomainError, match="Buka loket"):
            queue.ticket_call_next(counter=counter_a, by=staff_a)

    def test_one_open_ticket_per_counter(self, open_counter, staff_a, service_a):
        first = _issue(service_a)
        _issue(service_a)
        queue.ticket_call_next(counter=open_counter, by=staff_a)
        with pytest.raises(DomainError, match=first.code) as excinfo:
            queue.ticket_call_next(counter=open_counter, by=staff_a)
        assert excinfo.value.code == "ticket_in_progress"

    def test_only_the_operator_moves_a_ticket_at_the_counter(
        self, open_counter, staff_a, staff_a2, agency_admin_a, service_a
    ):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        with pytest.raises(DomainError, match="sedang ditangani"):
            queue.ticket_start(ticket=ticket, by=staff_a2)
        # The agency admin may step in.
        assert queue.ticket_skip(ticket=ticket, by=agency_admin_a).status == "skipped"

    def test_call_is_recorded_for_the_board(self, open_counter, staff_a, service_a):
        ticket = _issue(service_a)
        queue.ticket_call_next(counter=open_counter, by=staff_a)
        call = TicketCall.objects.get()
        assert call.ticket == ticket
        assert call.counter == open_counter
        ticket.refresh_from_db()
        assert (ticket.status, ticket.counter, ticket.call_count) == ("called", open_counter, 1)

    def test_weight_prefers_a_service(self, counter_a, staff_a, service_a, service_a2):
        counter_a.counterservice_set.filter(service=service_a2).update(weight=5)
        queue.counter_open(counter=counter_a, by=staff_a)
        early = _issue(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 2, tzinfo=JAKARTA)):
            weighted = _issue(service_a2)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 10, tzinfo=JAKARTA)):
            # early waited 10 min x1, weighted 8 min x5.
            assert _call_and_skip(counter_a, staff_a) == weighted
            assert _call_and_skip(counter_a, staff_a) == early


class TestTransitions:
    def test_recall_three_times_then_no_show(self, open_counter, staff_a, service_a):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        queue.ticket_recall(ticket=ticket, by=staff_a)
        ticket = queue.ticket_recall(ticket=ticket, by=staff_a)
        assert (ticket.status, ticket.call_count) == ("called", 3)
        ticket = queue.ticket_recall(ticket=ticket, by=staff_a)
        assert ticket.status == "skipped"
        assert TicketCall.objects.count() == 3
        assert AuditEntry.objects.filter(action="ticket.no_show").exists()

    def test_forbidden_transition(self, service_a, staff_a):
        ticket = _issue(service_a)
        with pytest.raises(TransitionNotAllowed):
            queue.ticket_finish(ticket=ticket, by=staff_a)
        ticket.refresh_from_db()
        assert ticket.status == "waiting"

    def test_other_agency_cannot_move_a_ticket(self, open_counter, staff_a, staff_b, service_a):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        with pytest.raises(PermissionDenied):
            queue.ticket_skip(ticket=ticket, by=staff_b)

    def test_late_no_show_returns_once(self, open_counter, staff_a, service_a):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        ticket = queue.ticket_skip(ticket=ticket, by=staff_a)
        ticket = queue.ticket_requeue(ticket=ticket, by=staff_a)
        assert ticket.status == "waiting"
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        ticket = queue.ticket_skip(ticket=ticket, by=staff_a)
        with pytest.raises(TransitionNotAllowed, match="sudah pernah"):
            queue.ticket_requeue(ticket=ticket, by=staff_a)

    @pytest.mark.parametrize("status", ["called", "serving"])
    def test_requeue_refuses_a_ticket_that_is_not_skipped(
        self, open_counter, staff_a, service_a, status
    ):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        if status == "serving":
            ticket = queue.ticket_start(ticket=ticket, by=staff_a)
        with pytest.raises(TransitionNotAllowed, match="Hanya tiket yang tidak hadir"):
            queue.ticket_requeue(ticket=ticket, by=staff_a)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.counter, ticket.requeued) == (status, open_counter, False)
        assert not AuditEntry.objects.filter(action="ticket.requeue").exists()

    def test_requeue_refuses_another_counters_called_ticket(
        self, open_counter, counter_a2, staff_a, staff_a2, service_a
    ):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        queue.counter_open(counter=counter_a2, by=staff_a2)
        with pytest.raises(DomainError, match="sedang ditangani di Loket 1"):
            queue.ticket_requeue(ticket=ticket, by=staff_a2)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.counter) == ("called", open_counter)

    def test_another_counter_may_return_a_no_show(
        self, open_counter, counter_a2, staff_a, staff_a2, service_a
    ):
        _issue(service_a)
        ticket = queue.ticket_skip(
            ticket=queue.ticket_call_next(counter=open_counter, by=staff_a), by=staff_a
        )
        queue.counter_open(counter=counter_a2, by=staff_a2)
        assert queue.ticket_requeue(ticket=ticket, by=staff_a2).status == "waiting"

    def test_transfer_keeps_code_and_place(
        self, open_counter, staff_a, service_a, service_b, counter_b, staff_b
    ):
        moved = _issue(service_a)
        with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=JAKARTA)):
            later = _issue(service_b)
            ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
            queue.ticket_start(ticket=ticket, by=staff_a)
            ticket = queue.ticket_transfer(ticket=ticket, to_service=service_b, by=staff_a)
        assert (ticket.code, ticket.service, ticket.status) == ("A-001", service_b, "waiting")
        assert TicketTransfer.objects.get().from_service == service_a
        queue.counter_open(counter=counter_b, by=staff_b)
        # It arrived before P-001 and keeps that place in the new queue.
        assert queue.ticket_call_next(counter=counter_b, by=staff_b) == moved
        assert later.status == "waiting"

    def test_transfer_refuses_a_priority_the_target_does_not_accept(
        self, open_counter, staff_a, service_a, service_b
    ):
        service_b.accepted_priorities = ["disabilitas"]
        service_b.save()
        _issue(service_a, Priority.ELDERLY)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        with pytest.raises(DomainError, match="tidak menerima antrean prioritas Lansia") as exc:
            queue.ticket_transfer(ticket=ticket, to_service=service_b, by=staff_a)
        assert exc.value.code == "priority_not_accepted"
        ticket.refresh_from_db()
        assert (ticket.service, ticket.status) == (service_a, "called")
        assert not TicketTransfer.objects.exists()

    def test_transfer_from_waiting_is_refused(self, service_a, service_b, staff_a):
        ticket = _issue(service_a)
        with pytest.raises(TransitionNotAllowed):
            queue.ticket_transfer(ticket=ticket, to_service=service_b, by=staff_a)

    def test_every_transition_is_audited(self, open_counter, staff_a, service_a):
        _issue(service_a)
        ticket = queue.ticket_call_next(counter=open_counter, by=staff_a)
        queue.ticket_finish(ticket=queue.ticket_start(ticket=ticket, by=staff_a), by=staff_a)
        actions = list(
            AuditEntry.objects.filter(object_id=str(ticket.pk))
            .order_by("created_at", "pk")
            .values_list("action", "from_status", "to_status")
        )
        assert actions == [
            ("ticket.issue", "", "waiting"),
            ("ticket.call", "waiting", "called"),
            ("ticket.start", "called", "serving"),
            ("ticket.finish", "serving", "done"),
        ]


class TestNearTurn:
    def test_sms_once_when_three_are_ahead(
        self, open_counter, staff_a, service_a, django_capture_on_commit_callbacks
    ):
        from mpp_portal.notifications.models import OutboxMessage

        for _ in range(5):
            _issue(service_a)
        watched = _issue(service_a, phone="081234567890")
        with django_capture_on_commit_callbacks(execute=True):
            _call_and_skip(open_counter, staff_a)
        assert OutboxMessage.objects.count() == 0  # four ahead
        for _ in range(2):  # three ahead, then two: told once
            with django_capture_on_commit_callbacks(execute=True):
                _call_and_skip(open_counter, staff_a)
        message = OutboxMessage.objects.get()
        assert watched.code in message.body
        assert message.recipient == "+6281234567890"
