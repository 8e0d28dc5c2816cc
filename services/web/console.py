"""Staff console: open a counter, call and serve tickets (htmx, no full reloads).

Every action is a POST that calls one function of ``services.queue``; an
htmx request gets the re-rendered console panel back, a plain POST is
redirected to the console page so the console also works without JavaScript.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from mpp_portal.accounts.permissions import can
from mpp_portal.exceptions import DomainError
from services import queue
from services.models import Counter, CounterService, Service, Ticket

TEMPLATE = "services/console/counter.html"
# The waiting list shows the head of the queue; the count shows the rest.
WAITING_SHOWN = 50
SKIPPED_SHOWN = 20


# ---------------------------------------------------------------------------
# Scoping
# ---------------------------------------------------------------------------
def console_login_required(view):
    """``login_required`` that also works for htmx requests.

    A plain redirect would be followed inside the XHR and the login page
    swapped into the panel (e.g. the 5-second poll after the session ends);
    htmx is told to load the login page as a whole page instead.
    """
    wrapped = login_required(view)

    @functools.wraps(view)
    def inner(request, *args, **kwargs):
        if request.htmx and not request.user.is_authenticated:
            page = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(page).url)
        return wrapped(request, *args, **kwargs)

    return inner


def _check_console_user(user):
    """Counter staff, agency admins and hall admins only."""
    if not can(user, "queue.operate"):
        raise PermissionDenied


def counters_visible_to(user):
    """Counters the console lists for ``user``: own agency, or the whole hall."""
    return Counter.objects.visible_to(user)


def _get_counter(request, counter_id):
    _check_console_user(request.user)
    # Another agency's counter is a 404: its existence is not revealed.
    return get_object_or_404(
        counters_visible_to(request.user).select_related("hall", "agency", "operator"),
        pk=counter_id,
    )


def _service_ids(counter):
    return list(counter.services.values_list("pk", flat=True))


def _minutes_between(start, end):
    if not start or not end:
        return 0
    return max(0, int((end - start).total_seconds() // 60))


# ---------------------------------------------------------------------------
# Read side of the panel
# ---------------------------------------------------------------------------
def _queue_context(counter, service_ids, *, can_act):
    """Waiting list, today's skipped tickets and today's counts (four queries).

    The waiting list is in the order "call next" will call it
    (services.ordering: service weights and the priority streak rule
    included), so its first row is the ticket the next press calls.
    """
    now = timezone.now()
    today = timezone.localdate()
    of_services = Ticket.objects.filter(date=today, service_id__in=service_ids)
    waiting = queue.waiting_in_call_order(counter, limit=WAITING_SHOWN)
    for ticket in waiting:
        ticket.waited_minutes = _minutes_between(ticket.queued_at, now)
    skipped = list(
        of_services.filter(status=Ticket.Status.SKIPPED)
        .select_related("service")
        .order_by("-called_at", "-pk")[:SKIPPED_SHOWN]
    )
    counts = Ticket.objects.filter(date=today).aggregate(
        issued=Count("pk", filter=Q(service_id__in=service_ids)),
        waiting=Count("pk", filter=Q(service_id__in=service_ids, status=Ticket.Status.WAITING)),
        served=Count("pk", filter=Q(service_id__in=service_ids, status=Ticket.Status.DONE)),
        no_show=Count("pk", filter=Q(service_id__in=service_ids, status=Ticket.Status.SKIPPED)),
        served_here=Count("pk", filter=Q(counter=counter, status=Ticket.Status.DONE)),
    )
    return {
        "waiting": waiting,
        "waiting_more": max(0, counts["waiting"] - len(waiting)),
        "skipped": skipped,
        "counts": counts,
        "can_act": can_act,
    }


def _panel_context(request, counter, *, alert=None):
    user = request.user
    is_mine = counter.is_open and counter.operator_id == user.pk
    links = list(
        CounterService.objects.filter(counter=counter)
        .select_related("service")
        .order_by("service__agency__name", "service__name")
    )
    services = [link.service for link in links]
    open_tickets = list(
        Ticket.objects.filter(
            counter=counter,
            date=timezone.localdate(),
            status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING],
        )
        .select_related("service__agency")
        .order_by("-called_at", "-pk")
    )
    current = open_tickets[0] if open_tickets else None
    targets = []
    if current is not None:
        current.waited_minutes = _minutes_between(current.queued_at, current.called_at)
        current.calls_left = max(0, Ticket.MAX_CALLS - current.call_count)
        if is_mine:
            targets = (
                Service.objects.active()
                .for_hall(counter.hall_id)
                .exclude(pk=current.service_id)
                .select_related("agency")
                .order_by("agency__name", "name")
            )
            if current.is_priority:
                # Offer only services that take the ticket's priority
                # (ticket_transfer refuses the others).
                targets = targets.filter(accepted_priorities__contains=[current.priority])
            targets = list(targets)
    context = {
        "counter": counter,
        "is_mine": is_mine,
        "can_force_close": counter.is_open and not is_mine and can(user, "queue.supervise"),
        "current": current,
        "other_open": open_tickets[1:],
        "targets": targets,
        "max_calls": Ticket.MAX_CALLS,
        "alert": alert,
        "services": services,
        # Breaks count in the day's figures (the open one until now).
        "pause_minutes": queue.pause_minutes(counter, timezone.localdate()),
    }
    context.update(_queue_context(counter, [s.pk for s in services], can_act=is_mine))
    return context


def _respond(request, counter, *, alert=None):
    """Re-render the panel for htmx; redirect to the console page otherwise."""
    if request.htmx:
        counter.refresh_from_db()
        return render(
            request,
            f"{TEMPLATE}#panel",
            _panel_context(request, counter, alert=alert),
        )
    if alert:
        level = messages.ERROR if alert["level"] == "danger" else messages.SUCCESS
        if alert["level"] == "info":
            level = messages.INFO
        messages.add_message(request, level, alert["text"])
    return redirect("services:console_counter", counter.pk)


def _error(message):
    return {"level": "danger", "text": str(message)}


def _ok(message):
    return {"level": "success", "text": str(message)}


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
@console_login_required
@require_GET
def counter_list(request):
    _check_console_user(request.user)
    counters = list(
        counters_visible_to(request.user)
        .select_related("agency", "operator")
        .prefetch_related("services")
        .order_by("number")
    )
    mine = next((c for c in counters if c.is_open and c.operator_id == request.user.pk), None)
    return render(
        request,
        "services/console/list.html",
        {
            "counters": counters,
            "mine": mine,
            "show_agency": request.user.is_hall_admin,
            "perms_board_announce": can(request.user, "board.announce"),
        },
    )


@console_login_required
@require_GET
def counter_console(request, counter_id):
    counter = _get_counter(request, counter_id)
    return render(request, TEMPLATE, _panel_context(request, counter))


@console_login_required
@require_GET
def counter_queue(request, counter_id):
    """The waiting list alone, polled every few seconds by the panel."""
    counter = _get_counter(request, counter_id)
    is_mine = counter.is_open and counter.operator_id == request.user.pk
    context = {"counter": counter}
    # A subquery, not a list: the poll runs every 5 s on every console.
    service_ids = CounterService.objects.filter(counter=counter).values("service_id")
    context.update(_queue_context(counter, service_ids, can_act=is_mine))
    return render(request, f"{TEMPLATE}#queue", context)


# ---------------------------------------------------------------------------
# Counter actions
# ---------------------------------------------------------------------------
@console_login_required
@require_POST
def counter_open(request, counter_id):
    counter = _get_counter(request, counter_id)
    try:
        queue.counter_open(counter=counter, by=request.user, request=request)
    except DomainError as exc:
        if request.htmx:
            return _respond(request, counter, alert=_error(exc.message))
        messages.error(request, exc.message)
        return redirect("services:console")
    if not request.htmx:
        # The console page itself shows the counter open; no flash needed.
        return redirect("services:console_counter", counter.pk)
    return _respond(
        request, counter, alert=_ok(_("%(counter)s dibuka.") % {"counter": counter.label})
    )


@console_login_required
@require_POST
def counter_close(request, counter_id):
    counter = _get_counter(request, counter_id)
    try:
        queue.counter_close(counter=counter, by=request.user, request=request)
    except DomainError as exc:
        return _respond(request, counter, alert=_error(exc.message))
    return _respond(
        request, counter, alert=_ok(_("%(counter)s ditutup.") % {"counter": counter.label})
    )


@console_login_required
@require_POST
def counter_pause(request, counter_id):
    counter = _get_counter(request, counter_id)
    try:
        queue.counter_pause(counter=counter, by=request.user, request=request)
    except DomainError as exc:
        return _respond(request, counter, alert=_error(exc.message))
    return _respond(
        request,
        counter,
        alert={
            "level": "info",
            "text": str(_("Istirahat: tidak ada yang dipanggil ke loket ini.")),
        },
    )


@console_login_required
@require_POST
def counter_resume(request, counter_id):
    counter = _get_counter(request, counter_id)
    try:
        queue.counter_resume(counter=counter, by=request.user, request=request)
    except DomainError as exc:
        return _respond(request, counter, alert=_error(exc.message))
    return _respond(request, counter, alert=_ok(_("Layanan dilanjutkan.")))


@console_login_required
@require_POST
def counter_call_next(request, counter_id):
    counter = _get_counter(request, counter_id)
    busy = (
        Ticket.objects.filter(
            counter=counter,
            date=timezone.localdate(),
            status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING],
        )
        .order_by("-called_at")
        .first()
    )
    # A stale page (or a double press) must not leave two open tickets at
    # one counter; the API may still do so, and the panel copes with it.
    if busy is not None and counter.operator_id == request.user.pk:
        return _respond(
            request,
            counter,
            alert=_error(
                _("Selesaikan dulu tiket %(code)s atau tandai tidak hadir.") % {"code": busy.code}
            ),
        )
    try:
        ticket = queue.ticket_call_next(counter=counter, by=request.user, request=request)
    except DomainError as exc:
        return _respond(request, counter, alert=_error(exc.message))
    if ticket is None:
        return _respond(
            request,
            counter,
            alert={"level": "info", "text": str(_("Tidak ada tiket yang menunggu."))},
        )
    return _respond(
        request, counter, alert=_ok(_("Nomor %(code)s dipanggil.") % {"code": ticket.code})
    )


# ---------------------------------------------------------------------------
# Ticket actions
# ---------------------------------------------------------------------------
def _act_recall(request, ticket):
    ticket = queue.ticket_recall(ticket=ticket, by=request.user, request=request)
    if ticket.status == Ticket.Status.SKIPPED:
        return _("%(code)s ditandai tidak hadir setelah %(n)s kali dipanggil.") % {
            "code": ticket.code,
            "n": ticket.call_count,
        }
    return _("%(code)s dipanggil ulang (panggilan ke-%(n)s dari %(max)s).") % {
        "code": ticket.code,
        "n": ticket.call_count,
        "max": Ticket.MAX_CALLS,
    }


def _act_start(request, ticket):
    queue.ticket_start(ticket=ticket, by=request.user, request=request)
    return _("Mulai melayani %(code)s.") % {"code": ticket.code}


def _act_finish(request, ticket):
    queue.ticket_finish(ticket=ticket, by=request.user, request=request)
    return _("%(code)s selesai dilayani.") % {"code": ticket.code}


def _act_skip(request, ticket):
    queue.ticket_skip(ticket=ticket, by=request.user, request=request)
    return _("%(code)s ditandai tidak hadir.") % {"code": ticket.code}


def _act_requeue(request, ticket):
    queue.ticket_requeue(ticket=ticket, by=request.user, request=request)
    return _("%(code)s dikembalikan ke antrean.") % {"code": ticket.code}


def _act_note(request, ticket):
    note = request.POST.get("note", "").strip()[:2000]
    queue.ticket_set_note(ticket=ticket, by=request.user, note=note, request=request)
    return _("Catatan %(code)s disimpan.") % {"code": ticket.code}


def _act_transfer(request, ticket):
    target_id = request.POST.get("service", "")
    target = None
    if target_id.isdigit():
        target = (
            Service.objects.active()
            .for_hall(ticket.service.agency.hall_id)
            .select_related("agency")
            .filter(pk=target_id)
            .first()
        )
    if target is None:
        raise DomainError(_("Pilih layanan tujuan."), code="invalid_target")
    queue.ticket_transfer(ticket=ticket, to_service=target, by=request.user, request=request)
    return _("%(code)s dialihkan ke %(service)s.") % {"code": ticket.code, "service": target.name}


TICKET_ACTIONS = {
    "panggil-ulang": _act_recall,
    "mulai": _act_start,
    "selesai": _act_finish,
    "tidak-hadir": _act_skip,
    "kembalikan": _act_requeue,
    "catatan": _act_note,
    "alihkan": _act_transfer,
}


@console_login_required
@require_POST
def counter_call_code(request, counter_id):
    """Call one waiting ticket out of order, by its code, with a reason (audited)."""
    counter = _get_counter(request, counter_id)
    try:
        ticket = queue.ticket_call_out_of_order(
            counter=counter,
            code=request.POST.get("code", "")[:20],
            reason=request.POST.get("reason", "")[:1000],
            by=request.user,
            request=request,
        )
    except DomainError as exc:
        return _respond(request, counter, alert=_error(exc.message))
    return _respond(
        request,
        counter,
        alert=_ok(_("Nomor %(code)s dipanggil di luar urutan.") % {"code": ticket.code}),
    )


@console_login_required
@require_POST
def ticket_action(request, counter_id, ticket_id, action):
    act = TICKET_ACTIONS.get(action)
    if act is None:
        raise Http404
    counter = _get_counter(request, counter_id)
    # Only tickets of today in this counter's services; visible_to() keeps
    # another agency's tickets out even if a counter served them.
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related("service__agency"),
        pk=ticket_id,
        date=timezone.localdate(),
        service_id__in=_service_ids(counter),
    )
    if counter.operator_id != request.user.pk or not counter.is_open:
        message = (
            _("Buka loket terlebih dahulu.")
            if not counter.is_open
            else _("Loket ini dibuka oleh petugas lain.")
        )
        return _respond(request, counter, alert=_error(message))
    # A skipped ticket may be returned from any counter of its service (the
    # late visitor walks up to whichever is free); a called or serving one
    # belongs to the counter that has it, whatever the action.
    elsewhere = ticket.counter_id not in (None, counter.pk)
    returning_no_show = action == "kembalikan" and ticket.status == Ticket.Status.SKIPPED
    if elsewhere and not returning_no_show:
        return _respond(
            request, counter, alert=_error(_("Tiket ini sedang ditangani di loket lain."))
        )
    try:
        text = act(request, ticket)
    except DomainError as exc:
        return _respond(request, counter, alert=_error(exc.message))
    return _respond(request, counter, alert=_ok(text))


urlpatterns = [
    path("antrean/loket/", counter_list, name="console"),
    path("antrean/loket/<int:counter_id>/", counter_console, name="console_counter"),
    path("antrean/loket/<int:counter_id>/antrean/", counter_queue, name="console_queue"),
    path("antrean/loket/<int:counter_id>/buka/", counter_open, name="console_open"),
    path("antrean/loket/<int:counter_id>/tutup/", counter_close, name="console_close"),
    path("antrean/loket/<int:counter_id>/panggil/", counter_call_next, name="console_call_next"),
    path("antrean/loket/<int:counter_id>/istirahat/", counter_pause, name="console_pause"),
    path("antrean/loket/<int:counter_id>/lanjut/", counter_resume, name="console_resume"),
    path(
        "antrean/loket/<int:counter_id>/panggil-nomor/",
        counter_call_code,
        name="console_call_code",
    ),
    path(
        "antrean/loket/<int:counter_id>/tiket/<int:ticket_id>/<slug:action>/",
        ticket_action,
        name="console_ticket",
    ),
]
