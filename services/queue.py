"""Use cases of the queue: issue tickets, run counters, move tickets.

Every function that changes a ticket's status goes through
``_ticket_transition``: the platform's ``transitions.transition`` (checks
``Ticket.TRANSITIONS``, stamps, audits in the caller's transaction) plus the
display board refresh.
"""

import datetime
import re

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from mpp_portal.accounts.permissions import can
from mpp_portal.audit import record
from mpp_portal.exceptions import DomainError, TransitionNotAllowed
from mpp_portal.transitions import transition
from mpp_portal.workdays import day_status
from services import ordering
from services.models import (
    Counter,
    CounterPause,
    CounterService,
    Priority,
    Service,
    Ticket,
    TicketCall,
    TicketTransfer,
)
from services.selectors import board_changed

NEAR_TURN_AHEAD = 3


class ServiceClosed(DomainError):
    code = "service_closed"


class DailyCapReached(DomainError):
    code = "daily_cap_reached"


class CounterBusy(DomainError):
    code = "counter_busy"


# ---------------------------------------------------------------------------
# Permission checks shared by the console and the API
# ---------------------------------------------------------------------------
def check_can_work_counter(user, counter):
    """Counter staff (or admins) of the counter's agency only."""
    if not can(user, "queue.operate", agency=counter.agency):
        raise PermissionDenied


def check_can_act_on_ticket(user, ticket):
    if not can(user, "queue.operate", agency=ticket.service.agency):
        raise PermissionDenied


def check_can_issue(user, service):
    """Kiosk devices and staff of the hall issue tickets."""
    if not can(user, "queue.issue", hall=service.agency.hall_id):
        raise PermissionDenied


# ---------------------------------------------------------------------------
# Issuing
# ---------------------------------------------------------------------------
# Every ticket asks whether the hall is open today. The answer is read
# fresh from the calendar (mpp_portal.workdays.calendar: cache policy), so an
# admin's edit reaches every kiosk and web process at once.


def ticketing_closed_reason(service, now=None, *, office_hours=True):
    """Return why ``service`` gives no tickets at ``now``, or None when open.

    ``office_hours=False`` (a booking's check-in) still refuses an inactive
    service or a closed day, but not the hour before opening.
    """
    now = timezone.localtime(now or timezone.now())
    hall = service.agency.hall
    if not (service.is_active and service.agency.is_active):
        return _("Layanan ini sedang tidak tersedia.")
    today = day_status(now.date(), hall=hall)
    hours = today.hours
    if not today.is_working:
        return _("Hari ini bukan hari layanan. Silakan datang pada hari kerja.")
    if hours is None:
        return _("Hari ini bukan hari layanan. Silakan datang pada hari kerja.")
    if not office_hours:
        return None
    opens, closes = hours
    if now.time() < opens:
        return _("Layanan belum dibuka. Pengambilan antrean mulai pukul %(time)s.") % {
            "time": time_format(opens)
        }
    if now.time() >= closes:
        return _("Layanan sudah tutup untuk hari ini (tutup pukul %(time)s).") % {
            "time": time_format(closes)
        }
    return None


def _next_number(service_id, day):
    """Claim the next number of ``service_id`` on ``day`` (row-locked upsert)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO services_ticketsequence (service_id, date, last_number)
            VALUES (%s, %s, 1)
            ON CONFLICT (service_id, date)
            DO UPDATE SET last_number = services_ticketsequence.last_number + 1
            RETURNING last_number
            """,
            [service_id, day],
        )
        return cursor.fetchone()[0]


def ticket_issue(
    *,
    service: Service,
    priority: str = Priority.NORMAL,
    by=None,
    phone: str = "",
    booked_slot_at: datetime.datetime | None = None,
    booked_first: bool = False,
    request=None,
) -> Ticket:
    """Issue the next ticket of ``service`` for today, arriving now.

    Numbers start at 1 each day and never repeat or skip: the sequence row
    is locked by the upsert until this transaction ends, so concurrent
    kiosks queue up behind it, and a failure rolls the number back.

    ``booked_slot_at`` (the slot's start) makes it a booking's check-in
    (services.booking): its seat was promised already, and check-in opens
    30 minutes before the slot, so the walk-in daily cap and the opening
    hours do not apply (an inactive service or a closed day still refuse).
    ``booked_first`` calls it before the service's walk-ins
    (services.ordering). Either way it arrives now: its wait counts from
    the check-in, not from the slot.
    """
    booked = booked_slot_at is not None
    if not service.accepts(priority):
        raise DomainError(
            _("Layanan ini tidak menerima antrean prioritas %(priority)s.")
            % {"priority": Priority(priority).label},
            code="priority_not_accepted",
        )
    reason = ticketing_closed_reason(service, office_hours=not booked)
    if reason:
        raise ServiceClosed(reason)
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        number = _next_number(service.pk, today)
        if not booked and service.daily_ticket_cap and number > service.daily_ticket_cap:
            # Raising rolls the increment back with the transaction.
            raise DailyCapReached(
                _("Kuota antrean %(service)s hari ini (%(cap)s tiket) sudah habis.")
                % {"service": service.name, "cap": service.daily_ticket_cap}
            )
        ticket = Ticket.objects.create(
            service=service,
            numbered_service=service,
            date=today,
            number=number,
            code=Ticket.format_code(service.code, number),
            priority=priority,
            issued_at=now,
            queued_at=now,
            booked_slot_at=booked_slot_at,
            booked_first=booked and booked_first,
            phone=phone,
            issued_by=by if by is not None and by.is_authenticated else None,
        )
        # No board_changed(): a new ticket only adds to a waiting count, which
        # the board's short cache (selectors.BOARD_CACHE_SECONDS) picks up
        # within a second. Bumping the version on every issue would make a
        # busy kiosk recompute the board for every TV poll.
        record(
            actor=by,
            action="ticket.issue",
            obj=ticket,
            to_status=ticket.status,
            note=ticket.get_priority_display(),
            request=request,
        )
    return ticket


# ---------------------------------------------------------------------------
# Counters
# ---------------------------------------------------------------------------
def counter_open(*, counter: Counter, by, request=None) -> Counter:
    check_can_work_counter(by, counter)
    with transaction.atomic():
        counter = Counter.objects.select_for_update().get(pk=counter.pk)
        if counter.is_open and counter.operator_id == by.pk:
            return counter
        if counter.is_open:
            raise CounterBusy(
                _("%(counter)s sedang dibuka oleh %(name)s.")
                % {"counter": counter.label, "name": counter.operator}
            )
        other = Counter.objects.filter(operator=by, is_open=True).first()
        if other:
            raise CounterBusy(
                _("Anda masih membuka %(counter)s. Tutup dulu sebelum membuka loket lain.")
                % {"counter": other.label}
            )
        counter.is_open = True
        counter.operator = by
        counter.opened_at = timezone.now()
        counter.priority_streak = 0
        counter.save(update_fields=["is_open", "operator", "opened_at", "priority_streak"])
        board_changed(counter.hall_id)
        record(
            actor=by,
            action="counter.open",
            obj=counter,
            from_status="closed",
            to_status="open",
            request=request,
        )
    return counter


def counter_close(*, counter: Counter, by, request=None) -> Counter:
    check_can_work_counter(by, counter)
    with transaction.atomic():
        counter = Counter.objects.select_for_update().get(pk=counter.pk)
        if not counter.is_open:
            return counter
        if counter.operator_id not in (None, by.pk) and not can(by, "queue.supervise"):
            raise CounterBusy(_("Loket ini dibuka oleh petugas lain."))
        # A called ticket would stay "called" at a closed counter, and its
        # tracking page would keep sending the visitor to this counter.
        held = (
            counter.tickets.filter(status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING])
            .order_by("called_at", "pk")
            .first()
        )
        if held is not None and held.status == Ticket.Status.SERVING:
            raise CounterBusy(
                _(
                    "Loket belum dapat ditutup: tiket %(code)s sedang dilayani. "
                    "Selesaikan atau alihkan tiket itu dulu."
                )
                % {"code": held.code},
                code="ticket_in_progress",
            )
        if held is not None:
            raise CounterBusy(
                _(
                    "Loket belum dapat ditutup: tiket %(code)s masih dipanggil ke loket ini. "
                    "Layani, tandai tidak hadir, atau alihkan tiket itu dulu."
                )
                % {"code": held.code},
                code="ticket_in_progress",
            )
        _end_pause(counter, by)
        counter.is_open = False
        counter.operator = None
        counter.save(update_fields=["is_open", "operator", "paused_at"])
        board_changed(counter.hall_id)
        record(
            actor=by,
            action="counter.close",
            obj=counter,
            from_status="open",
            to_status="closed",
            request=request,
        )
    return counter


def _end_pause(counter, by, now=None):
    """Record the open break of ``counter`` (locked) as a CounterPause; clear it."""
    if counter.paused_at is None:
        return None
    pause = CounterPause.objects.create(
        counter=counter, by=by, started_at=counter.paused_at, ended_at=now or timezone.now()
    )
    counter.paused_at = None
    return pause


def counter_pause(*, counter: Counter, by, request=None) -> Counter:
    """Put the open counter on a break: the board says "istirahat", call-next refuses.

    Only with no ticket at the counter: the citizen being served comes first.
    """
    check_can_work_counter(by, counter)
    with transaction.atomic():
        counter = Counter.objects.select_for_update().get(pk=counter.pk)
        _require_operator(counter, by)
        if counter.paused_at is not None:
            return counter
        held = counter.tickets.filter(
            status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]
        ).first()
        if held is not None:
            raise CounterBusy(
                _("Selesaikan dulu tiket %(code)s sebelum istirahat.") % {"code": held.code},
                code="ticket_in_progress",
            )
        counter.paused_at = timezone.now()
        counter.save(update_fields=["paused_at"])
        board_changed(counter.hall_id)
        record(
            actor=by,
            action="counter.pause",
            obj=counter,
            from_status="open",
            to_status="paused",
            request=request,
        )
    return counter


def counter_resume(*, counter: Counter, by, request=None) -> Counter:
    """End the counter's break; the break's minutes are kept (CounterPause)."""
    check_can_work_counter(by, counter)
    with transaction.atomic():
        counter = Counter.objects.select_for_update().get(pk=counter.pk)
        _require_operator(counter, by)
        pause = _end_pause(counter, by)
        if pause is None:
            return counter
        counter.save(update_fields=["paused_at"])
        board_changed(counter.hall_id)
        record(
            actor=by,
            action="counter.resume",
            obj=counter,
            from_status="paused",
            to_status="open",
            note=_("istirahat %(n)s menit") % {"n": pause.minutes},
            request=request,
        )
    return counter


def pause_minutes(counter, day):
    """Minutes ``counter`` was on a break on ``day`` (the open break until now)."""
    start = datetime.datetime.combine(
        day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    end = start + datetime.timedelta(days=1)
    total = sum(
        p.minutes
        for p in CounterPause.objects.filter(
            counter=counter, started_at__gte=start, started_at__lt=end
        )
    )
    if counter.paused_at is not None and start <= counter.paused_at < end:
        total += max(0, round((timezone.now() - counter.paused_at).total_seconds() / 60))
    return total


def _refuse_when_paused(counter):
    if counter.paused_at is not None:
        raise DomainError(
            _("Loket sedang istirahat. Tekan “Lanjutkan layanan” dulu."), code="counter_paused"
        )


def counter_service_assign(
    *, counter: Counter, service: Service, weight: int = 1, by, request=None
) -> CounterService:
    """Let ``counter`` serve ``service`` with ``weight``, or change its weight.

    Only a service of the counter's own agency and hall: the counter's
    staff could not start another agency's ticket they called.
    """
    if not can(by, "queue.supervise", agency=counter.agency):
        raise PermissionDenied
    error = CounterService.mismatch(counter, service)
    if error:
        raise DomainError(error, code="service_of_other_agency")
    with transaction.atomic():
        link = CounterService.objects.filter(counter=counter, service=service).first()
        if link is None:
            link = CounterService(counter=counter, service=service)
        link.weight = weight
        link.full_clean()
        link.save()
        record(
            actor=by,
            action="counter.assign_service",
            obj=counter,
            note=f"{service.code} ({service.name}) x{weight}",
            request=request,
        )
    return link


def _require_operator(counter, by):
    if not counter.is_open:
        raise CounterBusy(_("Buka loket terlebih dahulu."), code="counter_closed")
    if counter.operator_id != by.pk:
        raise CounterBusy(_("Loket ini dibuka oleh petugas lain."))


def _streak_after(streak, ticket):
    return streak + 1 if ticket.is_priority else 0


def waiting_in_call_order(counter: Counter, *, limit: int = 50) -> list[Ticket]:
    """Return up to ``limit`` waiting tickets in the order "call next" calls them.

    The console lists these: services.ordering's one call order, from the
    counter's current streak. Two queries, whatever the queue's length.
    """
    order = ordering.counter_call_order(counter, day=timezone.localdate())[:limit]
    tickets = Ticket.objects.select_related("service").in_bulk(order)
    return [tickets[pk] for pk in order]


def ticket_call_next(*, counter: Counter, by, request=None) -> Ticket | None:
    """Call the head of the counter's call order (services.ordering); None when nobody waits.

    ``SKIP LOCKED`` lets two counters call at the same moment without ever
    getting the same ticket: a head another counter is calling this instant
    is left out and the order merged again without it.
    """
    check_can_work_counter(by, counter)
    with transaction.atomic():
        counter = Counter.objects.select_for_update().get(pk=counter.pk)
        _require_operator(counter, by)
        _refuse_when_paused(counter)
        unfinished = (
            Ticket.objects.filter(
                counter=counter, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]
            )
            .order_by("called_at")
            .first()
        )
        if unfinished is not None:
            # One ticket at a time: a stale page must not leave two open.
            raise CounterBusy(
                _("Selesaikan dulu tiket %(code)s (selesai, tidak hadir, atau alihkan).")
                % {"code": unfinished.code},
                code="ticket_in_progress",
            )
        today, taken = timezone.localdate(), set()
        ticket = None
        while ticket is None:
            order = ordering.counter_call_order(counter, day=today, exclude=taken)
            if not order:
                return None
            # Re-checks "waiting" after the lock: a ticket called and
            # committed by another counter since the order was read is gone.
            ticket = (
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("service__agency")
                .filter(pk=order[0], status=Ticket.Status.WAITING)
                .first()
            )
            taken.add(order[0])
        counter.priority_streak = _streak_after(counter.priority_streak, ticket)
        counter.save(update_fields=["priority_streak"])
        _call(ticket, counter, by, request, is_recall=False)
        transaction.on_commit(lambda: notify_near_turn(hall_id=counter.hall_id))
    return ticket


OUT_OF_ORDER_REASON_MAX = 200
# A printed code as staff type it: "A-012", "a12", "DK 7" (as the tracking lookup).
PRINTED_CODE_RE = re.compile(r"^([A-Za-z]{1,3})[\s\-]*0*([0-9]{1,5})$")


def ticket_call_out_of_order(*, counter: Counter, code: str, by, reason: str, request=None):
    """Call one waiting ticket of today before its turn, by its printed code.

    For what the call order cannot know (a frail visitor, a parent with a
    baby, a visitor sent back by another counter). The reason is required
    and kept in the audit entry ("ticket.call_out_of_order"); the counter's
    priority streak is left as it is.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Tulis alasan memanggil di luar urutan."), code="reason_required")
    if len(reason) > OUT_OF_ORDER_REASON_MAX:
        raise DomainError(
            _("Alasan paling banyak %(n)s karakter.") % {"n": OUT_OF_ORDER_REASON_MAX},
            code="reason_too_long",
        )
    check_can_work_counter(by, counter)
    with transaction.atomic():
        counter = Counter.objects.select_for_update().get(pk=counter.pk)
        _require_operator(counter, by)
        _refuse_when_paused(counter)
        unfinished = Ticket.objects.filter(
            counter=counter, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]
        ).first()
        if unfinished is not None:
            raise CounterBusy(
                _("Selesaikan dulu tiket %(code)s (selesai, tidak hadir, atau alihkan).")
                % {"code": unfinished.code},
                code="ticket_in_progress",
            )
        # "a12", "A 012" and "A-012" are the printed "A-012".
        match = PRINTED_CODE_RE.match((code or "").strip())
        ticket = None
        if match:
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("service__agency")
                .filter(
                    code=Ticket.format_code(match.group(1).upper(), int(match.group(2))),
                    date=timezone.localdate(),
                    status=Ticket.Status.WAITING,
                    service__in=counter.services.all(),
                )
                .first()
            )
        if ticket is None:
            raise DomainError(
                _("Tidak ada tiket %(code)s yang menunggu di layanan loket ini hari ini.")
                % {"code": code or "—"},
                code="not_waiting",
            )
        _call(
            ticket,
            counter,
            by,
            request,
            is_recall=False,
            action="ticket.call_out_of_order",
            note=f"{counter.label} · {reason}",
        )
        transaction.on_commit(lambda: notify_near_turn(hall_id=counter.hall_id))
    return ticket


def _call(ticket, counter, by, request, *, is_recall, action=None, note=None):
    now = timezone.now()
    _ticket_transition(
        ticket,
        Ticket.Status.CALLED,
        by=by,
        action=action or ("ticket.recall" if is_recall else "ticket.call"),
        request=request,
        note=note or counter.label,
        fields={
            "counter": counter,
            "served_by": by,
            "called_at": now,
            "call_count": ticket.call_count + 1,
        },
    )
    TicketCall.objects.create(
        ticket=ticket,
        counter=counter,
        hall_id=counter.hall_id,
        called_at=now,
        is_recall=is_recall,
    )


def _locked_ticket(ticket, by, *, at_counter=False):
    """Lock ``ticket`` for a change by ``by``.

    With ``at_counter`` the ticket is being served at a counter: only the
    counter's operator may move it (admins of the agency or hall may step
    in), so two staff never act on one visitor at once.
    """
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("service__agency", "counter")
        .get(pk=ticket.pk)
    )
    check_can_act_on_ticket(by, locked)
    held_elsewhere = (
        at_counter
        and locked.counter_id
        and locked.status in (Ticket.Status.CALLED, Ticket.Status.SERVING)
        and locked.counter.operator_id != by.pk
    )
    if held_elsewhere and not can(by, "queue.supervise"):
        raise CounterBusy(
            _("Tiket ini sedang ditangani di %(counter)s.") % {"counter": locked.counter.label}
        )
    return locked


def _ticket_transition(ticket, target, *, by, action, request=None, note="", fields=None):
    """Move ``ticket`` to ``target`` (the platform's transition) and refresh the board."""
    transition(ticket, target, by=by, action=action, request=request, note=note, fields=fields)
    board_changed(ticket.service.agency.hall_id)
    return ticket


def ticket_recall(*, ticket: Ticket, by, request=None) -> Ticket:
    """Announce a called ticket again; the fourth attempt marks it no-show."""
    with transaction.atomic():
        ticket = _locked_ticket(ticket, by)
        if ticket.status != Ticket.Status.CALLED:
            raise TransitionNotAllowed.for_states(
                ticket, ticket.get_status_display(), Ticket.Status.CALLED.label
            )
        _require_operator(ticket.counter, by)
        if ticket.call_count >= Ticket.MAX_CALLS:
            return _ticket_transition(
                ticket,
                Ticket.Status.SKIPPED,
                by=by,
                action="ticket.no_show",
                request=request,
                note=_("Tidak hadir setelah %(n)s kali dipanggil.") % {"n": ticket.call_count},
            )
        _call(ticket, ticket.counter, by, request, is_recall=True)
    return ticket


def ticket_start(*, ticket: Ticket, by, request=None) -> Ticket:
    with transaction.atomic():
        ticket = _locked_ticket(ticket, by, at_counter=True)
        return _ticket_transition(
            ticket,
            Ticket.Status.SERVING,
            by=by,
            action="ticket.start",
            request=request,
            fields={"started_at": timezone.now()},
        )


def ticket_finish(*, ticket: Ticket, by, note: str = "", request=None) -> Ticket:
    with transaction.atomic():
        ticket = _locked_ticket(ticket, by, at_counter=True)
        fields = {"finished_at": timezone.now()}
        if note:
            fields["note"] = note
        return _ticket_transition(
            ticket,
            Ticket.Status.DONE,
            by=by,
            action="ticket.finish",
            request=request,
            fields=fields,
        )


def ticket_skip(*, ticket: Ticket, by, request=None) -> Ticket:
    with transaction.atomic():
        ticket = _locked_ticket(ticket, by, at_counter=True)
        return _ticket_transition(
            ticket, Ticket.Status.SKIPPED, by=by, action="ticket.skip", request=request
        )


def ticket_requeue(*, ticket: Ticket, by, request=None) -> Ticket:
    """Put a no-show who arrived late back in the queue, once.

    Only a skipped ticket returns (DESIGN.md §3: skipped -> waiting). A
    called or serving ticket belongs to its counter; moving it elsewhere is
    a transfer, and another counter's ticket is refused by _locked_ticket.
    """
    with transaction.atomic():
        ticket = _locked_ticket(ticket, by, at_counter=True)
        if ticket.status != Ticket.Status.SKIPPED:
            raise TransitionNotAllowed(
                _(
                    "Hanya tiket yang tidak hadir yang dapat dikembalikan ke antrean "
                    "(%(code)s berstatus “%(status)s”)."
                )
                % {"code": ticket.code, "status": ticket.get_status_display()},
                extra={"from": ticket.status, "to": Ticket.Status.WAITING.value},
            )
        if ticket.requeued:
            raise TransitionNotAllowed(
                _("Tiket ini sudah pernah dikembalikan ke antrean."), code="already_requeued"
            )
        return _ticket_transition(
            ticket,
            Ticket.Status.WAITING,
            by=by,
            action="ticket.requeue",
            request=request,
            fields={"requeued": True, "counter": None, "call_count": 0},
        )


def ticket_transfer(*, ticket: Ticket, to_service: Service, by, request=None) -> Ticket:
    """Move a called or served ticket to another service's queue.

    The ticket keeps its code and its original place (``queued_at``).
    """
    with transaction.atomic():
        ticket = _locked_ticket(ticket, by, at_counter=True)
        if ticket.status not in (Ticket.Status.CALLED, Ticket.Status.SERVING):
            raise TransitionNotAllowed.for_states(
                ticket, ticket.get_status_display(), _("dialihkan")
            )
        if to_service.pk == ticket.service_id:
            raise DomainError(_("Pilih layanan lain sebagai tujuan."), code="same_service")
        if not to_service.is_active or to_service.agency.hall_id != ticket.service.agency.hall_id:
            raise DomainError(
                _("Layanan tujuan tidak tersedia di gedung ini."), code="invalid_target"
            )
        if not to_service.accepts(ticket.priority):
            # The ticket keeps its priority in the new queue; a service that
            # does not take that priority must not receive it (as at issue).
            raise DomainError(
                _("%(service)s tidak menerima antrean prioritas %(priority)s; pilih layanan lain.")
                % {"service": to_service.name, "priority": ticket.get_priority_display()},
                code="priority_not_accepted",
            )
        TicketTransfer.objects.create(
            ticket=ticket, from_service_id=ticket.service_id, to_service=to_service, by=by
        )
        from_name = ticket.service.name
        return _ticket_transition(
            ticket,
            Ticket.Status.WAITING,
            by=by,
            action="ticket.transfer",
            request=request,
            note=f"{from_name} → {to_service.name}",
            fields={
                "service": to_service,
                "counter": None,
                "call_count": 0,
                "started_at": None,
                "called_at": None,
            },
        )


def ticket_cancel(*, ticket: Ticket, by, request=None) -> Ticket:
    with transaction.atomic():
        ticket = _locked_ticket(ticket, by)
        return _ticket_transition(
            ticket, Ticket.Status.CANCELLED, by=by, action="ticket.cancel", request=request
        )


def ticket_set_note(*, ticket: Ticket, by, note: str, request=None) -> Ticket:
    with transaction.atomic():
        ticket = _locked_ticket(ticket, by)
        ticket.note = note
        ticket.save(update_fields=["note"])
        record(actor=by, action="ticket.note", obj=ticket, note=note[:200], request=request)
    return ticket


# ---------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------
def notify_near_turn(*, hall_id):
    """Tell waiting citizens with a phone number that their turn is near.

    One SMS/WhatsApp per ticket (dedupe key), once NEAR_TURN_AHEAD or fewer
    people are ahead: the people ahead the tracking page shows
    (services.ordering). Three queries for all the hall's untold tickets,
    then two per message.
    """
    from mpp_portal.notifications.services import notification_queue

    untold = (
        Ticket.objects.filter(
            service__agency__hall_id=hall_id,
            date=timezone.localdate(),
            status=Ticket.Status.WAITING,
            near_turn_notified=False,
        )
        .exclude(phone="")
        .select_related("service")
        .with_queue_position()
    )
    for ticket in untold:
        if ticket.people_ahead() > NEAR_TURN_AHEAD:
            continue
        with transaction.atomic():
            updated = Ticket.objects.filter(pk=ticket.pk, near_turn_notified=False).update(
                near_turn_notified=True
            )
            if not updated:
                continue
            notification_queue(
                channel="whatsapp",
                recipient=ticket.phone,
                body=_(
                    "MPP: antrean %(code)s (%(service)s) hampir tiba. Mohon bersiap di ruang "
                    "tunggu."
                )
                % {"code": ticket.code, "service": ticket.service.name},
                dedupe_key=f"ticket-near-turn-{ticket.pk}",
                related=ticket,
            )
