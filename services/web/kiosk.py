"""Pages of the queue: the kiosk, the printed ticket and citizen tracking.

Routes are collected in services/urls.py. Every state change goes through
``services.queue``; these views only pick, validate and render.
"""

import hashlib
import re

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp_portal.accounts.permissions import can
from mpp_portal.api_throttling import ticket_issue_allowed, ticket_retry_after
from mpp_portal.exceptions import DomainError
from mpp_portal.identity import validate_phone
from mpp_portal.organizations.models import Agency, Hall
from mpp_portal.organizations.opening import hall_opening
from services.models import Counter, Priority, Service, Ticket, TicketSequence
from services.queue import check_can_issue, ticket_issue, ticketing_closed_reason

KIOSK_TEMPLATE = "services/kiosk/kiosk.html"
PRINT_TEMPLATE = "services/kiosk/ticket_print.html"
TRACK_TEMPLATE = "services/kiosk/track.html"
LOOKUP_TEMPLATE = "services/kiosk/track_lookup.html"

# Roles that may run a hall's kiosk: the device account and the hall's staff
# (who sometimes issue a ticket for a visitor at the door).

# A printed code as people type it: "A-012", "a12", "DK 7".
PRINTED_CODE_RE = re.compile(r"^([A-Za-z]{1,3})[\s\-]*0*([0-9]{1,5})$")


# ---------------------------------------------------------------------------
# Kiosk
# ---------------------------------------------------------------------------
def _kiosk_hall(request, slug):
    """Return the hall whose kiosk ``request.user`` may run, or refuse."""
    hall = get_object_or_404(Hall, slug=slug, is_active=True)
    if not can(request.user, "queue.issue", hall=hall):
        raise PermissionDenied
    return hall


def kiosk_services(hall, agency):
    """Active services of ``agency`` with today's waiting count and wait estimate.

    Counts come from subqueries, so the list costs one query whatever its length.
    """
    today = timezone.localdate()
    waiting = (
        Ticket.objects.filter(service=OuterRef("pk"), date=today, status=Ticket.Status.WAITING)
        .order_by()
        .values("service")
        .annotate(n=Count("pk"))
        .values("n")
    )
    open_counters = (
        Counter.objects.filter(services=OuterRef("pk"), is_open=True)
        .order_by()
        .values("services")
        .annotate(n=Count("pk"))
        .values("n")
    )
    issued = TicketSequence.objects.filter(service=OuterRef("pk"), date=today).values("last_number")
    services = list(
        Service.objects.active()
        .filter(agency=agency, agency__hall=hall)
        .select_related("agency__hall")
        .annotate(
            waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0)),
            open_counters=Coalesce(Subquery(open_counters, output_field=IntegerField()), Value(0)),
            issued_today=Coalesce(Subquery(issued, output_field=IntegerField()), Value(0)),
        )
        .order_by("name")
    )
    for service in services:
        # Before the ticket exists, as if everyone waiting for the service
        # were ahead of it (an upper bound where a counter serves this
        # service alone). The printed ticket and the tracking page show its
        # real place (services.ordering).
        service.estimated_wait = round(
            (service.waiting + 1) * service.average_service_minutes / max(1, service.open_counters)
        )
        service.cap_reached = bool(
            service.daily_ticket_cap and service.issued_today >= service.daily_ticket_cap
        )
    return services


class KioskTicketForm(forms.Form):
    priority = forms.ChoiceField(
        label=_("Kelompok prioritas"), widget=forms.RadioSelect, initial=Priority.NORMAL
    )
    phone = forms.CharField(
        label=_("Nomor HP (tidak wajib)"),
        required=False,
        max_length=20,
        help_text=_(
            "Kami kirim SMS/WhatsApp saat tinggal 3 antrean lagi sebelum giliran Anda. "
            "Contoh: 081234567890."
        ),
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "08xxxxxxxxxx"}
        ),
    )

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = [
            (value, label) for value, label in Priority.choices if service.accepts(value)
        ]

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        return validate_phone(phone) if phone.strip() else ""


def _closed_reason_for_hall(hall, services):
    """Return why the hall gives no tickets now (holiday, hours), or None.

    Hours and working days belong to the hall, so one service answers for
    all of them; an inactive service never reaches this list.
    """
    if not services:
        return None
    return ticketing_closed_reason(services[0])


@login_required
def kiosk(request, hall):
    """Three steps on one URL: ?agency= picks the agency, ?service= the service."""
    hall = _kiosk_hall(request, hall)
    agency = service = form = None
    error = None
    throttled = False

    service_id = request.POST.get("service") or request.GET.get("service")
    if service_id:
        service = (
            Service.objects.active()
            .filter(agency__hall=hall, pk=service_id if str(service_id).isdigit() else None)
            .select_related("agency__hall")
            .first()
        )
        if service is None:
            # An inactive (or foreign) service: say so instead of a bare 404.
            error = _("Layanan ini sedang tidak tersedia. Silakan pilih layanan lain.")
        else:
            agency = service.agency

    if request.method == "POST" and service is not None:
        check_can_issue(request.user, service)
        form = KioskTicketForm(request.POST, service=service)
        if form.is_valid() and not ticket_issue_allowed(request.user):
            # The API's rate for the same account (mpp_portal.api_throttling).
            throttled = True
            error = _(
                "Terlalu banyak tiket dari kios ini dalam satu menit. Tunggu sebentar, "
                "lalu coba lagi."
            )
        elif form.is_valid():
            try:
                ticket = ticket_issue(
                    service=service,
                    priority=form.cleaned_data["priority"],
                    phone=form.cleaned_data["phone"],
                    by=request.user,
                    request=request,
                )
            except DomainError as exc:
                error = exc.message
            else:
                url = reverse("services:ticket_print", args=[ticket.tracking_code])
                return redirect(f"{url}?print=1")
    elif service is not None:
        form = KioskTicketForm(service=service)

    if agency is None and request.GET.get("agency", "").isdigit():
        agency = Agency.objects.active().filter(hall=hall, pk=request.GET["agency"]).first()

    agencies = services = None
    if service is not None:
        step = 3
        closed_reason = ticketing_closed_reason(service)
    elif agency is not None:
        step = 2
        services = kiosk_services(hall, agency)
        closed_reason = _closed_reason_for_hall(hall, services)
    else:
        step = 1
        agencies = list(
            Agency.objects.active()
            .filter(hall=hall)
            .annotate(
                service_count=Count("services", filter=Q(services__is_active=True), distinct=True)
            )
            .filter(service_count__gt=0)
            .order_by("short_name")
        )
        closed_reason = None

    context = {
        "hall": hall,
        # The first screen says it: open until when, or when it opens again
        # (holidays and cuti bersama counted). Later steps say why no ticket.
        "opening": hall_opening(hall) if step == 1 else None,
        "booking_url": settings.SITE_URL + reverse("services:booking_start"),
        "step": step,
        "agencies": agencies,
        "agency": agency,
        "services": services,
        "service": service,
        "form": form,
        "error": error,
        "closed_reason": closed_reason,
        "start_url": reverse("services:kiosk", args=[hall.slug]),
    }
    template = KIOSK_TEMPLATE
    # A history restore after a cache miss needs the whole page back.
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request and request.method == "GET":
        template += "#step"
    status = 409 if error and request.method == "POST" else 200
    response = render(request, template, context, status=429 if throttled else status)
    if throttled:
        response["Retry-After"] = str(ticket_retry_after())
    return response


# ---------------------------------------------------------------------------
# Printed ticket
# ---------------------------------------------------------------------------
def _tracking_url(ticket):
    return settings.SITE_URL + reverse("services:track", args=[ticket.tracking_code])


def _qr_svg(data):
    """Return the QR code of ``data`` as inline SVG, drawn here (no network)."""
    qr = segno.make(data, error="m", micro=False)
    # omitsize keeps only the viewBox, so the stylesheet sets the printed size.
    return qr.svg_inline(
        scale=1,
        border=2,
        omitsize=True,
        dark="#000",
        light="#fff",
        title=str(_("Kode QR pelacakan antrean")),
    )


def _ticket_or_404(tracking_code):
    ticket = (
        Ticket.objects.select_related("service__agency__hall", "counter")
        .with_queue_position()
        .by_tracking_code(tracking_code)
        .first()
    )
    if ticket is None:
        raise Http404(_("Tiket tidak ditemukan."))
    return ticket


def ticket_print(request, tracking_code):
    """The 80 mm thermal-printer ticket.

    Keyed by the unguessable tracking code and free of personal data (no
    phone number), so whoever holds the code may open it.
    """
    ticket = _ticket_or_404(tracking_code)
    hall = ticket.service.agency.hall
    ahead = ticket.people_ahead()
    tracking_url = _tracking_url(ticket)
    user = request.user
    kiosk_url = None
    if can(user, "queue.issue", hall=hall):
        kiosk_url = reverse("services:kiosk", args=[hall.slug])
    context = {
        "ticket": ticket,
        "hall": hall,
        "people_ahead": ahead,
        "estimated_wait": ticket.estimated_wait_minutes(people_ahead=ahead),
        "issued_at": timezone.localtime(ticket.issued_at),
        "tracking_url": tracking_url,
        "qr_svg": _qr_svg(tracking_url),
        "auto_print": request.GET.get("print") == "1",
        "kiosk_url": kiosk_url,
    }
    return render(request, PRINT_TEMPLATE, context)


# ---------------------------------------------------------------------------
# Citizen tracking
# ---------------------------------------------------------------------------
def _normalise_printed_code(text):
    """Return "A-012" for "a12", "A 012" or "A-012"; None when it is not a code."""
    match = PRINTED_CODE_RE.match(text)
    if not match:
        return None
    return Ticket.format_code(match.group(1).upper(), int(match.group(2)))


def track_lookup(request):
    """Find a ticket by its tracking code, or by today's printed code.

    The tracking code leads to the tracking page. A printed code ("A-012")
    is guessable, and the tracking code is the only credential of the SKM
    survey, so a printed code shows the ticket's status on this page and
    never leads to, or reveals, the tracking code.
    """
    text = (request.GET.get("code") or "").strip()
    hall_slug = request.GET.get("hall") or ""
    context = {"code": text, "halls": None, "not_found": False, "found": None}
    if text:
        known = (
            Ticket.objects.by_tracking_code(text).values_list("tracking_code", flat=True).first()
        )
        if known:
            return redirect("services:track", tracking_code=known)
        printed = _normalise_printed_code(text)
        matches = []
        if printed:
            tickets = Ticket.objects.today().filter(code=printed)
            if hall_slug:
                tickets = tickets.filter(service__agency__hall__slug=hall_slug)
            matches = list(
                tickets.select_related("service__agency__hall", "counter")
                .with_queue_position()
                .order_by("pk")[:20]
            )
        halls = {t.service.agency.hall_id: t.service.agency.hall for t in matches}
        if len(matches) == 1:
            found = matches[0]
            ahead = found.people_ahead()
            context.update(
                found=found,
                code=printed,
                hall=found.service.agency.hall,
                people_ahead=ahead,
                estimated_wait=found.estimated_wait_minutes(people_ahead=ahead),
            )
            return render(request, LOOKUP_TEMPLATE, context)
        if len(halls) > 1:
            # The same letters and number are printed in several halls
            # today: the visitor says which hall they are in.
            context["halls"] = sorted(halls.values(), key=lambda h: h.name)
            context["code"] = printed
        elif matches:
            # Two services of one hall share a letter (admin error): do not
            # guess which ticket the visitor holds.
            context["ambiguous"] = True
        else:
            context["not_found"] = True
    status = 404 if context["not_found"] else 200
    return render(request, LOOKUP_TEMPLATE, context, status=status)


def _status_fingerprint(ticket, ahead, wait):
    raw = (
        f"{ticket.status}|{ahead}|{wait}|{ticket.counter_id}|{ticket.call_count}"
        f"|{ticket.service_id}"
    )
    return hashlib.blake2s(raw.encode(), digest_size=6).hexdigest()


def track(request, tracking_code):
    """Where a citizen's ticket stands; the status part polls itself every 5 s."""
    ticket = _ticket_or_404(tracking_code)
    ahead = ticket.people_ahead()
    wait = ticket.estimated_wait_minutes(people_ahead=ahead)
    version = _status_fingerprint(ticket, ahead, wait)
    if request.htmx and request.GET.get("v") == version:
        # Nothing changed: 204 leaves the page as it is, so the live region
        # does not read the same words to a screen reader every 5 s.
        return HttpResponse(status=204)
    context = {
        "ticket": ticket,
        "hall": ticket.service.agency.hall,
        "people_ahead": ahead,
        "estimated_wait": wait,
        "version": version,
        # Sent to another service's queue: say so, the service name changed.
        "transfer": ticket.transfers.select_related("from_service").order_by("-at", "-pk").first(),
        # A ticket left open from an earlier day will never be called.
        "expired": ticket.date < timezone.localdate() and ticket.status in Ticket.OPEN_STATUSES,
    }
    context["is_live"] = ticket.status in Ticket.OPEN_STATUSES and not context["expired"]
    template = TRACK_TEMPLATE + "#status" if request.htmx else TRACK_TEMPLATE
    return render(request, template, context)


urlpatterns = [
    path("antrean/kios/<slug:hall>/", kiosk, name="kiosk"),
    path("antrean/tiket/<str:tracking_code>/cetak/", ticket_print, name="ticket_print"),
    path("antrean/lacak/", track_lookup, name="track_lookup"),
    path("antrean/lacak/<str:tracking_code>/", track, name="track"),
]
