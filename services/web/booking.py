"""Booking pages: the citizen's flow on a phone, the manage link, staff lists.

Every change goes through ``services.booking``; these views pick, validate
and render. The manage token travels once in a URL (the link in the
message); the first visit moves it into the session and redirects to the
same page without it, so it does not stay in logs, history or Referer.
"""

import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, register_converter, reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.throttling import ScopedRateThrottle

from mpp_portal.accounts.permissions import can
from mpp_portal.audit.services import client_ip
from mpp_portal.documents.pdf import qr_data_uri, render_pdf
from mpp_portal.exceptions import DomainError
from mpp_portal.identity import nik_check
from mpp_portal.masking import mask_nik, mask_phone
from services import booking as bookings
from services.forms.booking import (
    BookingCodeForm,
    BookingFindForm,
    BookingForm,
    BookingScheduleForm,
    CheckInForm,
    CloseDayForm,
    add_booking_errors,
    booking_schedule_save,
)
from services.models import Booking, BookingSchedule, Service
from services.web.kiosk import _kiosk_hall

TEMPLATES = "services/booking/"
SESSION_TOKENS = "booking_tokens"
# Bookings this session opened with their code and phone number (booking_find).
SESSION_PHONES = "booking_phones"
SESSION_NEW = "booking_new"
# The secret of the booking waiting for its one-time code (BOOKING_OTP).
SESSION_PENDING = "booking_pending"
MAX_QUERY_LENGTH = 100


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _parse_date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def _parse_time(value):
    try:
        return datetime.time.fromisoformat(value or "")
    except ValueError:
        return None


def _bookable():
    return (
        Service.objects.active()
        .filter(agency__is_active=True, booking_schedule__is_active=True)
        .select_related("agency__hall", "booking_schedule")
    )


def _booking_or_404(code):
    booking = (
        Booking.objects.select_related("service__agency__hall", "ticket", "user")
        .filter(code=(code or "").upper())
        .first()
    )
    if booking is None:
        raise Http404(_("Pemesanan tidak ditemukan."))
    return booking


def _remember_token(request, code, token):
    tokens = dict(request.session.get(SESSION_TOKENS, {}))
    tokens[code] = token
    # A shared phone may book for a family; keep the last few only.
    request.session[SESSION_TOKENS] = dict(list(tokens.items())[-10:])


def _session_token(request, booking):
    token = request.session.get(SESSION_TOKENS, {}).get(booking.code)
    return token if token and booking.check_manage_token(token) else None


def _token_redirect(request, booking):
    """Move ``?token=`` into the session; return the redirect, or raise 404 if wrong."""
    token = request.GET.get("token")
    if token is None:
        return None
    if not booking.check_manage_token(token):
        raise Http404(_("Pemesanan tidak ditemukan."))
    _remember_token(request, booking.code, token)
    query = request.GET.copy()
    del query["token"]
    url = request.path + (f"?{query.urlencode()}" if query else "")
    return redirect(url)


def _proven_phone(request, booking):
    """Return the phone number this session proved for the booking, if any."""
    phone = request.session.get(SESSION_PHONES, {}).get(booking.code)
    return phone if phone and bookings.booking_matches_phone(booking, phone) else None


def _is_owner(request, booking):
    return request.user.is_authenticated and booking.user_id == request.user.pk


def _is_staff_of(request, booking):
    user = request.user
    return (
        can(user, "booking.manage")
        and Booking.objects.visible_to(user).filter(pk=booking.pk).exists()
    )


def _qr_svg(code):
    """The booking code alone, which is what the kiosk's scanner types."""
    return segno.make(code, error="m", micro=False).svg_inline(
        scale=1,
        border=2,
        omitsize=True,
        dark="#000",
        light="#fff",
        title=str(_("Kode QR pemesanan")),
    )


def _days(service, now):
    """Every day a citizen may look at, with why it is closed (None when open)."""
    today = now.date()
    schedule = service.booking_schedule
    return [
        {"date": day, "reason": bookings.day_closed_reason(service, day, now)}
        for day in (today + datetime.timedelta(days=n) for n in range(schedule.days_ahead + 1))
    ]


# The HTML form and POST /api/v1/bookings/ share one rate (the API's
# ``bookings`` throttle scope, API_RATE_BOOKINGS): a calo must not dodge the
# API's limit by booking through the pages instead.
def _booking_rate():
    """Return (requests, seconds) of the ``bookings`` throttle scope."""
    throttle = ScopedRateThrottle()
    return throttle.parse_rate(throttle.THROTTLE_RATES.get("bookings"))


def _throttle_key(request):
    return f"services:booking-form:{client_ip(request) or 'unknown'}"


def _throttled(request):
    limit, _seconds = _booking_rate()
    return limit is not None and (cache.get(_throttle_key(request)) or 0) >= limit


def _count_booking_attempt(request):
    key = _throttle_key(request)
    limit, seconds = _booking_rate()
    if limit is None:
        return
    # add() starts the window; incr() keeps its expiry.
    if not cache.add(key, 1, seconds):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, seconds)


def _require_staff(user):
    if not can(user, "booking.manage"):
        raise PermissionDenied


# ---------------------------------------------------------------------------
# Citizen: choose, book, done
# ---------------------------------------------------------------------------
def booking_start(request):
    """Services that take bookings, grouped by agency, or found by a search."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    services = _bookable()
    if query:
        services = services.search(query)
    else:
        services = services.order_by("agency__name", "agency_id", "name")
    context = {"query": query, "services": list(services), "grouped": not query}
    return render(request, TEMPLATES + "start.html", context)


def booking_service(request, service_id):
    """Day, slot, the citizen's data and a confirmation, on one URL.

    ``?tanggal=`` and ``?jam=`` carry the choice, so every step is a plain
    link or form that works without JavaScript; htmx only swaps the picker.
    """
    service = get_object_or_404(_bookable(), pk=service_id)
    now = timezone.localtime()
    source = request.POST if request.method == "POST" else request.GET
    day = _parse_date(source.get("tanggal"))
    start = _parse_time(source.get("jam"))
    day_reason = bookings.day_closed_reason(service, day, now) if day else None
    slots = bookings.available_slots(service, day, now) if day and not day_reason else []
    slot = next((s for s in slots if s["start"] == start), None)
    form = None
    slot_error = None
    throttled = False
    step = "day"
    if day and not day_reason:
        step = "slot"
    if slot is not None and slot["free"] <= 0:
        slot_error = _("Slot pukul %(time)s sudah penuh. Silakan pilih jam lain.") % {
            "time": time_format(start)
        }
        slot = None
    elif start and day and not day_reason and slot is None:
        slot_error = _("Jam ini tidak tersedia. Pilih slot lain.")

    if request.method == "POST" and slot is not None:
        form = BookingForm(request.POST)
        step = "form"
        if form.is_valid() and request.POST.get("step") == "confirm":
            step = "confirm"
        elif form.is_valid() and request.POST.get("step") == "book" and _throttled(request):
            throttled = True
        elif form.is_valid() and request.POST.get("step") == "book":
            # Every attempt counts, as every POST does for the API's throttle.
            _count_booking_attempt(request)
            # With BOOKING_OTP the seat is taken only once the code sent to
            # the phone comes back (booking_verify).
            otp = bookings.booking_otp_required()
            create = bookings.booking_request if otp else bookings.booking_create
            try:
                booking, token = create(
                    service=service,
                    day=day,
                    slot_start=start,
                    user=request.user,
                    request=request,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_booking_errors(form, exc)
            except bookings.SlotFull as exc:
                slot_error = exc.message
            else:
                if otp:
                    request.session[SESSION_PENDING] = token
                    return redirect("services:booking_verify")
                return _booked(request, booking, token)
    elif slot is not None:
        user = request.user
        initial = {}
        if user.is_authenticated and user.is_citizen:
            initial = {"name": user.get_full_name(), "email": user.email, "phone": user.phone}
        form = BookingForm(initial=initial)
        step = "form"

    context = {
        "service": service,
        "hall": service.agency.hall,
        "days": _days(service, now),
        "day": day,
        "day_reason": day_reason,
        "slots": slots,
        "slot": slot,
        "slot_error": slot_error,
        "throttled": throttled,
        "form": form,
        "step": step,
    }
    template = TEMPLATES + "service.html"
    htmx = request.htmx
    if htmx and request.method == "GET" and not htmx.history_restore_request:
        template += "#picker"
    status = 409 if slot_error and request.method == "POST" else 200
    if throttled:
        status = 429
    return render(request, template, context, status=status)


def _booked(request, booking, token):
    _remember_token(request, booking.code, token)
    request.session[SESSION_NEW] = booking.code
    return redirect("services:booking_done", code=booking.code)


def booking_verify(request):
    """The one-time code step: the booking is made when the code sent to the phone matches."""
    pending = bookings.booking_confirmation_for(request.session.get(SESSION_PENDING))
    form = BookingCodeForm(request.POST or None)
    status = 200
    gone = None
    if pending is None:
        gone = _("Kode konfirmasi sudah tidak berlaku. Silakan ulangi pemesanan.")
        status = 410 if request.method == "POST" else 200
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                booking, token = bookings.booking_confirm(
                    secret=request.session[SESSION_PENDING],
                    code=form.cleaned_data["code"],
                    request=request,
                )
            except ValidationError as exc:
                add_booking_errors(form, exc)
            except bookings.ConfirmationGone as exc:
                request.session.pop(SESSION_PENDING, None)
                gone, status = exc.message, 410
            except DomainError as exc:
                # The slot filled up while the code was on its way: no seat
                # was held for it (services.models.BookingConfirmation).
                request.session.pop(SESSION_PENDING, None)
                gone, status = exc.message, 409
            else:
                request.session.pop(SESSION_PENDING, None)
                return _booked(request, booking, token)
    context = {
        "form": form,
        "pending": pending,
        "gone": gone,
        "phone": mask_phone(pending.phone) if pending else "",
        "service": pending.service if pending else None,
    }
    response = render(request, TEMPLATES + "verify.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def booking_done(request, code):
    """The code, its QR and (the first time only) the manage link."""
    booking = _booking_or_404(code)
    token = _session_token(request, booking)
    if token is None and not _is_owner(request, booking):
        raise Http404(_("Pemesanan tidak ditemukan."))
    show_link = token is not None and request.session.get(SESSION_NEW) == booking.code
    if show_link:
        # The link is the secret: show it once, then only the message has it.
        del request.session[SESSION_NEW]
    context = {
        "booking": booking,
        "service": booking.service,
        "hall": booking.service.agency.hall,
        "qr_svg": _qr_svg(booking.code),
        "manage_url": bookings.manage_url(booking, token) if show_link else None,
    }
    return render(request, TEMPLATES + "done.html", context)


def booking_pdf(request, code):
    booking = _booking_or_404(code)
    moved = _token_redirect(request, booking)
    if moved:
        return moved
    if not (
        _session_token(request, booking)
        or _is_owner(request, booking)
        or _is_staff_of(request, booking)
    ):
        raise Http404(_("Pemesanan tidak ditemukan."))
    context = {
        "booking": booking,
        "service": booking.service,
        "hall": booking.service.agency.hall,
        "qr": qr_data_uri(booking.code),
    }
    pdf = render_pdf(TEMPLATES + "pdf.html", context, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pemesanan-{booking.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------
# Citizen: manage (token), detail and own list (account)
# ---------------------------------------------------------------------------
def booking_find(request):
    """Open a booking with its code and phone number, for a citizen without the link.

    One answer whether the code exists or not; attempts count against the
    booking form's throttle, so codes cannot be tried by the thousand.
    """
    form = BookingFindForm(request.POST or None, initial={"code": request.GET.get("kode", "")})
    status = 200
    if request.method == "POST":
        if _throttled(request):
            form.add_error(None, _("Terlalu banyak percobaan. Coba lagi nanti."))
            status = 429
        elif form.is_valid():
            _count_booking_attempt(request)
            code, phone = form.cleaned_data["code"], form.cleaned_data["phone"]
            booking = Booking.objects.filter(code=code).first()
            if booking is not None and bookings.booking_matches_phone(booking, phone):
                phones = dict(request.session.get(SESSION_PHONES, {}))
                phones[booking.code] = phone
                request.session[SESSION_PHONES] = dict(list(phones.items())[-10:])
                return redirect("services:booking_manage", code=booking.code)
            form.add_error(None, _("Kode pemesanan atau nomor HP tidak cocok."))
            status = 400
        else:
            status = 400
    return render(request, TEMPLATES + "find.html", {"form": form}, status=status)


def booking_manage(request, code):
    """Status, cancel and reschedule for whoever holds the secret link."""
    booking = _booking_or_404(code)
    moved = _token_redirect(request, booking)
    if moved:
        return moved
    token = _session_token(request, booking)
    phone = None if token else _proven_phone(request, booking)
    if token is None and phone is None and not _is_owner(request, booking):
        # A link without its token (opened later, or on another phone): ask
        # for the code and the phone number instead of a bare 404.
        return redirect(f"{reverse('services:booking_find')}?kode={booking.code}")
    by = request.user if request.user.is_authenticated else None
    here = reverse("services:booking_manage", args=[booking.code])

    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "cancel":
                bookings.booking_cancel(
                    booking=booking, token=token, by=by, phone=phone, request=request
                )
                messages.success(request, _("Pemesanan %(code)s dibatalkan.") % {"code": code})
            elif action == "reschedule":
                day = _parse_date(request.POST.get("tanggal"))
                start = _parse_time(request.POST.get("jam"))
                if day is None or start is None:
                    raise ValidationError({"slot_start": _("Pilih tanggal dan jam baru.")})
                booking = bookings.booking_reschedule(
                    booking=booking,
                    day=day,
                    slot_start=start,
                    token=token,
                    by=by,
                    phone=phone,
                    request=request,
                )
                messages.success(request, _("Jadwal pemesanan sudah diubah."))
            else:
                raise Http404
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            return redirect(f"{here}?ubah=1")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(here)

    now = timezone.localtime()
    rescheduling = booking.status == Booking.Status.BOOKED and "ubah" in request.GET
    new_day = _parse_date(request.GET.get("tanggal")) if rescheduling else None
    context = {
        "booking": booking,
        "service": booking.service,
        "hall": booking.service.agency.hall,
        "qr_svg": _qr_svg(booking.code),
        "confirm_cancel": booking.status == Booking.Status.BOOKED and "batal" in request.GET,
        "rescheduling": rescheduling,
        "days": _days(booking.service, now) if rescheduling and _has_schedule(booking) else [],
        "day": new_day,
        "slots": (
            bookings.available_slots(booking.service, new_day, now, moving=booking)
            if new_day and _has_schedule(booking)
            else []
        ),
        "day_reason": (
            bookings.day_closed_reason(booking.service, new_day, now) if new_day else None
        ),
    }
    return render(request, TEMPLATES + "manage.html", context)


def _has_schedule(booking):
    return BookingSchedule.objects.filter(service_id=booking.service_id, is_active=True).exists()


def booking_detail(request, code):
    """One booking for its owner (signed in) or the staff who serve it; 404 otherwise."""
    booking = _booking_or_404(code)
    is_owner = _is_owner(request, booking)
    if not (is_owner or _is_staff_of(request, booking)):
        raise Http404(_("Pemesanan tidak ditemukan."))
    context = {
        "booking": booking,
        "service": booking.service,
        "hall": booking.service.agency.hall,
        "qr_svg": _qr_svg(booking.code),
        "is_owner": is_owner,
        "nik_masked": mask_nik(booking.nik),
        "phone_masked": mask_phone(booking.phone),
        # Staff compare an unknown region code with the KTP-el at the desk;
        # the citizen was not refused for it and is not told.
        "nik_warnings": [] if is_owner else nik_check(booking.nik).warnings,
    }
    return render(request, TEMPLATES + "detail.html", context)


@login_required
def my_bookings(request):
    items = list(
        Booking.objects.filter(user=request.user)
        .select_related("service__agency", "ticket")
        .order_by("-date", "-slot_start", "-pk")[:100]
    )
    today = timezone.localdate()
    context = {
        "upcoming": [b for b in items if b.date >= today and b.status == Booking.Status.BOOKED],
        "past": [b for b in items if not (b.date >= today and b.status == Booking.Status.BOOKED)],
    }
    context["upcoming"].reverse()
    return render(request, TEMPLATES + "mine.html", context)


# ---------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------
@login_required
def booking_staff(request):
    """The day's bookings per service, scoped by Booking.objects.visible_to()."""
    user = request.user
    _require_staff(user)
    day = _parse_date(request.GET.get("tanggal")) or timezone.localdate()
    scoped = Booking.objects.visible_to(user).filter(date=day)
    counts = scoped.aggregate(
        total=Count("pk"),
        booked=Count("pk", filter=Q(status=Booking.Status.BOOKED)),
        checked_in=Count("pk", filter=Q(status=Booking.Status.CHECKED_IN)),
        no_show=Count("pk", filter=Q(status=Booking.Status.NO_SHOW)),
        cancelled=Count("pk", filter=Q(status=Booking.Status.CANCELLED)),
    )
    rows = list(
        scoped.select_related("service__agency", "ticket").order_by(
            "service__agency__short_name", "service__name", "service_id", "slot_start", "pk"
        )
    )
    for row in rows:
        row.nik_masked = mask_nik(row.nik)
        row.nik_warnings = nik_check(row.nik).warnings
        row.phone_masked = mask_phone(row.phone)
    schedulable = []
    if can(user, "catalogue.manage"):
        services = (
            Service.objects.active().visible_to(user).select_related("agency", "booking_schedule")
        )
        schedulable = list(services.order_by("agency__short_name", "name"))
    context = {
        "day": day,
        "prev_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "rows": rows,
        "counts": counts,
        "schedulable": schedulable,
        "can_close": can(user, "booking.close_day"),
    }
    return render(request, TEMPLATES + "staff.html", context)


@login_required
def booking_schedule(request, service_id):
    """An agency admin edits when and how much one of their services takes bookings."""
    service = get_object_or_404(Service.objects.select_related("agency__hall"), pk=service_id)
    user = request.user
    if not can(user, "catalogue.manage", agency=service.agency):
        raise PermissionDenied
    try:
        schedule = service.booking_schedule
    except BookingSchedule.DoesNotExist:
        schedule = BookingSchedule(service=service, weekdays=[0, 1, 2, 3, 4])
    form = BookingScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        booking_schedule_save(form=form, by=user, request=request)
        messages.success(
            request, _("Jadwal pemesanan %(service)s disimpan.") % {"service": service}
        )
        return redirect("services:booking_staff")
    return render(request, TEMPLATES + "schedule.html", {"service": service, "form": form})


@login_required
def booking_close_day(request):
    """A hall admin closes a day (all services or one); the booked citizens are told."""
    user = request.user
    if not can(user, "booking.close_day") or user.hall is None:
        raise PermissionDenied
    hall = user.hall
    form = CloseDayForm(request.POST or None, hall=hall)
    if request.method == "POST" and form.is_valid():
        try:
            _closed, affected = bookings.booking_close_day(
                hall=hall,
                day=form.cleaned_data["date"],
                service=form.cleaned_data["service"],
                reason=form.cleaned_data["reason"],
                by=user,
                request=request,
            )
        except ValidationError as exc:
            add_booking_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Pemesanan ditutup. %(n)s warga yang sudah memesan diberi tahu.",
                    "Pemesanan ditutup. %(n)s warga yang sudah memesan diberi tahu.",
                    affected,
                )
                % {"n": affected},
            )
            url = reverse("services:booking_staff")
            return redirect(f"{url}?tanggal={form.cleaned_data['date']:%Y-%m-%d}")
    return render(request, TEMPLATES + "close_day.html", {"form": form, "hall": hall})


# ---------------------------------------------------------------------------
# Kiosk: check in with the code or its QR
# ---------------------------------------------------------------------------
@login_required
def kiosk_check_in(request, hall):
    """A USB QR scanner types the code and Enter into the autofocused field."""
    hall = _kiosk_hall(request, hall)
    form = CheckInForm(request.POST or None)
    error = None
    walk_in_service = None
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            booking = bookings.booking_check_in(code=code, by=request.user, request=request)
        except PermissionDenied:
            # A booking of another hall: the same answer as an unknown code.
            error = _("Kode pemesanan %(code)s tidak ditemukan.") % {"code": code}
        except DomainError as exc:
            error = exc.message
            if exc.code == "too_late":
                walk_in_service = (
                    Service.objects.active().filter(bookings__code=code, agency__hall=hall).first()
                )
        else:
            url = reverse("services:ticket_print", args=[booking.ticket.tracking_code])
            return redirect(f"{url}?print=1")
    context = {
        "hall": hall,
        "form": form,
        "error": error,
        "walk_in_service": walk_in_service,
        "start_url": reverse("services:kiosk", args=[hall.slug]),
    }
    status = 409 if error else 200
    return render(request, TEMPLATES + "kiosk_check_in.html", context, status=status)


class BookingCodeConverter:
    # Eight characters (services.models._booking_code); fixed words such as
    # "saya" or "petugas" never match, and service ids come after.
    regex = "[A-Za-z0-9]{8}"

    def to_python(self, value):
        return value.upper()

    def to_url(self, value):
        return str(value)


register_converter(BookingCodeConverter, "booking_code")

urlpatterns = [
    path("pesan/", booking_start, name="booking_start"),
    path("pesan/saya/", my_bookings, name="my_bookings"),
    path("pesan/petugas/", booking_staff, name="booking_staff"),
    path("pesan/tutup-hari/", booking_close_day, name="booking_close_day"),
    path("pesan/jadwal/<int:service_id>/", booking_schedule, name="booking_schedule"),
    path("pesan/buka/", booking_find, name="booking_find"),
    path("pesan/konfirmasi/", booking_verify, name="booking_verify"),
    path("pesan/kelola/<booking_code:code>/", booking_manage, name="booking_manage"),
    path("pesan/<booking_code:code>/selesai/", booking_done, name="booking_done"),
    path("pesan/<booking_code:code>/pdf/", booking_pdf, name="booking_pdf"),
    path("pesan/<booking_code:code>/", booking_detail, name="booking_detail"),
    path("pesan/<int:service_id>/", booking_service, name="booking_service"),
    path("antrean/kios/<slug:hall>/check-in/", kiosk_check_in, name="kiosk_check_in"),
]
