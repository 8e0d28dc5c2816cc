"""Use cases of online booking: slots, book, cancel, reschedule, check in.

Seats are counted in ``BookingSeat`` rows (one per slot, one per day for
the daily quota) and taken with a conditional upsert that refuses to pass
the limit, so many people booking the last seat at once never overbook.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp_portal.accounts.permissions import can
from mpp_portal.audit import record
from mpp_portal.exceptions import DomainError, TransitionNotAllowed
from mpp_portal.identity import validate_nik, validate_phone
from mpp_portal.notifications.services import notification_queue
from mpp_portal.organizations.models import OfficeHours
from mpp_portal.transitions import bulk_transition, transition
from mpp_portal.workdays import add_working_days, is_working_day
from services.models import (
    Booking,
    BookingConfirmation,
    BookingSchedule,
    ClosedBookingDay,
    Priority,
    Service,
)
from services.queue import ticket_issue

CHECK_IN_EARLY = datetime.timedelta(minutes=30)
DUPLICATE_NIK = gettext_lazy(
    "NIK ini sudah memiliki pemesanan aktif untuk layanan ini pada tanggal tersebut."
)


class SlotFull(DomainError):
    code = "slot_full"


class CheckInWindow(DomainError):
    code = "check_in_window"


# ---------------------------------------------------------------------------
# Slots
# ---------------------------------------------------------------------------
def _schedule(service):
    try:
        schedule = service.booking_schedule
    except BookingSchedule.DoesNotExist:
        return None
    return schedule if schedule.is_active else None


def day_closed_reason(service, day, now=None):
    """Why ``day`` takes no bookings for ``service``, or None."""
    now = timezone.localtime(now or timezone.now())
    schedule = _schedule(service)
    hall = service.agency.hall
    if schedule is None or not service.is_active:
        return _("Layanan ini tidak menerima pemesanan daring.")
    if day < now.date():
        return _("Tanggal sudah lewat.")
    if day > now.date() + datetime.timedelta(days=schedule.days_ahead):
        return _("Pemesanan paling jauh %(n)s hari ke depan.") % {"n": schedule.days_ahead}
    if day.weekday() not in schedule.weekdays or not is_working_day(day, hall=hall):
        return _("Tidak ada layanan pemesanan pada tanggal ini.")
    if day == now.date() and (
        schedule.same_day_cutoff is None or now.time() >= schedule.same_day_cutoff
    ):
        return _("Pemesanan untuk hari ini sudah ditutup.")
    closed = (
        ClosedBookingDay.objects.filter(hall=hall, date=day)
        .filter(Q(service__isnull=True) | Q(service=service))
        .first()
    )
    if closed:
        return _("Pemesanan ditutup pada tanggal ini: %(reason)s") % {"reason": closed.reason}
    return None


# A Monday; ``Hall.hours_on`` only looks at the weekday of the date it gets.
_A_MONDAY = datetime.date(2024, 1, 1)


def schedule_hours_error(*, hall, weekdays, opens, closes):
    """Why booking hours ``opens``-``closes`` on ``weekdays`` do not fit the
    hall's office hours, or None when they do.

    A booked citizen is served in the slot, so every slot has to lie inside
    the hours the hall is open on that weekday.
    """
    names = dict(OfficeHours.Weekday.choices)
    closed, outside = [], []
    for weekday in sorted(set(weekdays)):
        hours = hall.hours_on(_A_MONDAY + datetime.timedelta(days=weekday))
        if hours is None:
            closed.append(str(names[weekday]))
        elif opens < hours[0] or closes > hours[1]:
            outside.append(f"{names[weekday]} {time_format(hours[0])}-{time_format(hours[1])}")
    if closed:
        return _("Gedung tutup pada hari %(days)s. Hapus hari tersebut.") % {
            "days": ", ".join(closed)
        }
    if outside:
        return _("Jam pemesanan harus di dalam jam layanan gedung (%(hours)s).") % {
            "hours": "; ".join(outside)
        }
    return None


def available_slots(service, day, now=None, *, moving=None):
    """Return [{"start", "end", "free"}] for ``day``; [] when the day is closed.

    ``moving`` is a booking being rescheduled: on its own day it already
    holds a seat of the daily quota, so only the slot seats count there.
    """
    now = timezone.localtime(now or timezone.now())
    if day_closed_reason(service, day, now):
        return []
    schedule = service.booking_schedule
    taken = {seat.slot_start: seat.taken for seat in service.bookingseat_set.filter(date=day)}
    day_left = max(0, schedule.daily_quota - taken.get(None, 0))
    if moving is not None and moving.date == day:
        day_left = schedule.daily_quota
    step = datetime.timedelta(minutes=schedule.slot_minutes)
    slots = []
    for start in schedule.slot_starts():
        start_at = timezone.make_aware(datetime.datetime.combine(day, start))
        if start_at <= now:
            continue
        free = min(day_left, schedule.seats_per_slot - taken.get(start, 0))
        slots.append({"start": start, "end": (start_at + step).time(), "free": max(0, free)})
    return slots


def _take_seat(service_id, day, slot_start, limit):
    """Take one seat if fewer than ``limit`` are taken; return False if full."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO services_bookingseat (service_id, date, slot_start, taken)
            VALUES (%s, %s, %s, 1)
            ON CONFLICT (service_id, date, slot_start)
            DO UPDATE SET taken = services_bookingseat.taken + 1
            WHERE services_bookingseat.taken < %s
            RETURNING taken
            """,
            [service_id, day, slot_start, limit],
        )
        return cursor.fetchone() is not None


def _release_seat(service_id, day, slot_start):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE services_bookingseat SET taken = taken - 1
            WHERE service_id = %s AND date = %s AND slot_start IS NOT DISTINCT FROM %s
              AND taken > 0
            """,
            [service_id, day, slot_start],
        )


def _day_full(service):
    return SlotFull(
        _("Kuota pemesanan %(service)s pada tanggal ini sudah habis.") % {"service": service.name}
    )


def _slot_full(slot_start):
    return SlotFull(
        _("Slot pukul %(time)s sudah penuh. Silakan pilih jam lain.")
        % {"time": time_format(slot_start)}
    )


def take_seats(service, day, slot_start, *, day_seat=True):
    """Take a seat of the day's quota and of the slot; raise SlotFull if either is full.

    ``day_seat=False`` takes the slot seat only (a move within the same day,
    which keeps its seat of the daily quota). Call it inside a transaction:
    when the slot is full, the day's seat taken just before is given back
    only by rolling back.
    """
    schedule = service.booking_schedule
    if day_seat and not _take_seat(service.pk, day, None, schedule.daily_quota):
        raise _day_full(service)
    if not _take_seat(service.pk, day, slot_start, schedule.seats_per_slot):
        raise _slot_full(slot_start)


def _release_seats(booking):
    _release_seat(booking.service_id, booking.date, None)
    _release_seat(booking.service_id, booking.date, booking.slot_start)


def _check_slot(service, day, slot_start, *, moving=None):
    reason = day_closed_reason(service, day)
    if reason:
        raise ValidationError({"date": reason})
    slots = {slot["start"]: slot for slot in available_slots(service, day, moving=moving)}
    if slot_start not in slots:
        raise ValidationError({"slot_start": _("Jam ini tidak tersedia. Pilih slot lain.")})
    if slots[slot_start]["free"] <= 0:
        # Say which limit is reached: the slot's seats or the day's quota.
        schedule = service.booking_schedule
        seat = service.bookingseat_set.filter(date=day, slot_start=slot_start).first()
        if seat is not None and seat.taken >= schedule.seats_per_slot:
            raise _slot_full(slot_start)
        raise _day_full(service)
    return slots[slot_start]


# ---------------------------------------------------------------------------
# Booking, cancelling, rescheduling
# ---------------------------------------------------------------------------
def nik_active_bookings(nik, *, now=None):
    """Return the bookings that count towards the weekly limit of one NIK.

    A booking is active for the limit when it is not cancelled (booked,
    checked in or a no-show: each held a seat) and either was made in the
    last seven days or has its slot in the coming seven days (today and the
    six days after). The second half closes the gap of the phone rule: a
    booking made long ago for next week still takes one of the week's seats.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    return (
        Booking.objects.filter(nik=nik)
        .exclude(status=Booking.Status.CANCELLED)
        .filter(
            Q(created_at__gte=now - datetime.timedelta(days=7))
            | Q(date__gte=today, date__lt=today + datetime.timedelta(days=7))
        )
    )


def _check_nik_limit(nik):
    """Refuse a booking past ``BOOKING_MAX_PER_NIK_PER_WEEK`` for this NIK.

    Phones are never verified, so a calo changes numbers to pass the phone
    rule; the NIK is the person. The advisory lock on the NIK makes the
    count and the insert one step: two bookings for one NIK sent at once
    (through different phones, whose locks do not meet) queue here. Locks
    are always taken phone first, then NIK, so two bookings never wait on
    each other in a cycle.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"booking-nik:{nik}"])
    limit = settings.BOOKING_MAX_PER_NIK_PER_WEEK
    if nik_active_bookings(nik).count() >= limit:
        raise ValidationError(
            {
                "nik": _(
                    "NIK ini sudah memiliki %(n)s pemesanan aktif dalam seminggu. Batalkan "
                    "salah satu atau pesan lagi minggu depan."
                )
                % {"n": limit}
            }
        )


def _clean_person(*, name, nik, phone):
    """Return (name, nik, phone) normalised, or raise field errors for all three."""
    errors = {}
    try:
        nik = validate_nik(nik)
    except ValidationError as exc:
        errors["nik"] = exc.messages
    try:
        phone = validate_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if not (name or "").strip():
        errors["name"] = [_("Nama wajib diisi.")]
    if errors:
        raise ValidationError(errors)
    return name.strip(), nik, phone


def _check_phone_limit(phone):
    """Refuse a booking past ``BOOKING_MAX_PER_PHONE_PER_WEEK`` for this phone.

    The advisory lock makes the count and the insert one step. Cancelled
    bookings gave their seat back and do not count (the hall closing a day
    must not use up a citizen's week); no-shows held a seat to the end and do.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"booking:{phone}"])
    limit = settings.BOOKING_MAX_PER_PHONE_PER_WEEK
    week_ago = timezone.now() - datetime.timedelta(days=7)
    recent = Booking.objects.filter(phone=phone, created_at__gte=week_ago).exclude(
        status=Booking.Status.CANCELLED
    )
    if recent.count() >= limit:
        raise ValidationError(
            {
                "phone": _("Nomor ini sudah dipakai untuk %(n)s pemesanan dalam seminggu terakhir.")
                % {"n": limit}
            }
        )


def booking_create(
    *, service: Service, day, slot_start, name, nik, phone, email="", user=None, request=None
):
    """Book a seat; return (booking, manage_token). The token is shown once."""
    name, nik, phone = _clean_person(name=name, nik=nik, phone=phone)
    slot = _check_slot(service, day, slot_start)
    try:
        with transaction.atomic():
            _check_phone_limit(phone)
            _check_nik_limit(nik)
            take_seats(service, day, slot_start)
            booking = Booking(
                service=service,
                date=day,
                slot_start=slot_start,
                slot_end=slot["end"],
                name=name,
                nik=nik,
                phone=phone,
                email=email or "",
                user=user if user is not None and user.is_authenticated else None,
            )
            token = booking.set_manage_token()
            booking.save()
            record(
                actor=user,
                action="booking.create",
                obj=booking,
                to_status=booking.status,
                request=request,
            )
            _notify(
                booking,
                token,
                key="created",
                text=_(
                    "Pemesanan %(code)s: %(service)s, %(day)s pukul %(time)s. Bawa "
                    "persyaratan dan tunjukkan kode ini di kios. Kelola: %(url)s"
                ),
            )
    except IntegrityError:
        raise ValidationError({"nik": DUPLICATE_NIK}) from None
    return booking, token


# ---------------------------------------------------------------------------
# One-time code to the phone before a booking is made (BOOKING_OTP)
# ---------------------------------------------------------------------------
OTP_VALID_MINUTES = 10
OTP_VALID = datetime.timedelta(minutes=OTP_VALID_MINUTES)
OTP_MAX_ATTEMPTS = 5
OTP_MAX_PENDING_PER_PHONE = 3


class ConfirmationGone(DomainError):
    code = "confirmation_expired"


def booking_otp_required():
    """Return True when a booking waits for a code sent to its phone.

    ``BOOKING_OTP``: ``on`` always, ``off`` never, ``auto`` (the default)
    when an SMS/WhatsApp gateway is configured: without one the code could
    never arrive.
    """
    mode = settings.BOOKING_OTP
    if mode == "auto":
        return bool(settings.SMS_GATEWAY_URL)
    return mode == "on"


def _otp_hash(token_hash, code):
    # Keyed with SECRET_KEY: a copy of the table alone does not give up the
    # code by trying the million six-digit numbers.
    return salted_hmac("services.booking.otp", f"{token_hash}:{code}").hexdigest()


def booking_request(
    *, service: Service, day, slot_start, name, nik, phone, email="", user=None, request=None
):
    """Check a booking and send a one-time code to its phone; return (pending, secret).

    The checks are those of ``booking_create`` (data, slot, the phone's and
    the NIK's weekly limits) so a citizen hears at once what is wrong, but
    no seat is taken: ``booking_confirm`` takes it when the code comes back,
    checking everything again under the locks. ``secret`` identifies the
    pending booking to the device that asked; store it, never show it.
    """
    name, nik, phone = _clean_person(name=name, nik=nik, phone=phone)
    _check_slot(service, day, slot_start)
    with transaction.atomic():
        _check_phone_limit(phone)
        _check_nik_limit(nik)
        # Each request sends a message: a phone gets at most a few codes at
        # a time, so the form cannot be used to flood someone's number.
        waiting = BookingConfirmation.objects.filter(phone=phone, expires_at__gt=timezone.now())
        if waiting.count() >= OTP_MAX_PENDING_PER_PHONE:
            raise ValidationError(
                {
                    "phone": _(
                        "Sudah ada %(n)s kode konfirmasi yang dikirim ke nomor ini. Masukkan "
                        "kode itu, atau coba lagi %(minutes)s menit lagi."
                    )
                    % {"n": OTP_MAX_PENDING_PER_PHONE, "minutes": OTP_VALID_MINUTES}
                }
            )
        if Booking.objects.filter(
            service=service, date=day, nik=nik, status__in=["booked", "checked_in"]
        ).exists():
            raise ValidationError({"nik": DUPLICATE_NIK})
        secret = secrets.token_urlsafe(24)
        code = f"{secrets.randbelow(10**6):06d}"
        token_hash = Booking.hash_token(secret)
        pending = BookingConfirmation.objects.create(
            token_hash=token_hash,
            code_hash=_otp_hash(token_hash, code),
            expires_at=timezone.now() + OTP_VALID,
            service=service,
            date=day,
            slot_start=slot_start,
            name=name,
            nik=nik,
            phone=phone,
            email=email or "",
            user=user if user is not None and user.is_authenticated else None,
        )
        notification_queue(
            channel="whatsapp",
            recipient=phone,
            body=_(
                "Kode konfirmasi pemesanan MPP: %(code)s. Berlaku %(minutes)s menit. "
                "Jangan berikan kode ini kepada siapa pun."
            )
            % {"code": code, "minutes": OTP_VALID_MINUTES},
            dedupe_key=f"booking-otp-{pending.pk}",
            hall=service.agency.hall,
        )
    return pending, secret


def booking_confirmation_for(secret):
    """Return the unexpired pending booking ``secret`` stands for, or None."""
    if not secret:
        return None
    return (
        BookingConfirmation.objects.filter(
            token_hash=Booking.hash_token(secret), expires_at__gt=timezone.now()
        )
        .select_related("service__agency__hall")
        .first()
    )


def booking_confirm(*, secret, code, request=None):
    """Book the pending booking when ``code`` is the one sent; return (booking, token).

    A wrong code counts; after ``OTP_MAX_ATTEMPTS`` the pending booking is
    dropped (a million codes cannot be tried five at a time). Each wrong try
    is committed before the error is raised, so a failed attempt is never
    rolled back with it. The row lock makes two confirmations of one code
    book once.
    """
    gone = ConfirmationGone(
        _("Kode konfirmasi sudah tidak berlaku. Silakan ulangi pemesanan."),
    )
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    with transaction.atomic():
        pending = (
            BookingConfirmation.objects.select_for_update(of=("self",))
            .filter(token_hash=Booking.hash_token(secret or ""), expires_at__gt=timezone.now())
            .select_related("service__agency__hall", "user")
            .first()
        )
        if pending is None:
            raise gone
        right = secrets.compare_digest(_otp_hash(pending.token_hash, code), pending.code_hash)
        if not right:
            pending.attempts += 1
            if pending.attempts >= OTP_MAX_ATTEMPTS:
                pending.delete()
            else:
                pending.save(update_fields=["attempts"])
    if not right:
        if pending.attempts >= OTP_MAX_ATTEMPTS:
            raise ConfirmationGone(
                _("Kode salah %(n)s kali. Silakan ulangi pemesanan.") % {"n": OTP_MAX_ATTEMPTS},
                code="too_many_attempts",
            )
        raise ValidationError(
            {
                "code": _("Kode salah. Sisa percobaan: %(n)s.")
                % {"n": OTP_MAX_ATTEMPTS - pending.attempts}
            }
        )
    with transaction.atomic():
        pending = BookingConfirmation.objects.select_for_update().filter(pk=pending.pk).first()
        if pending is None:
            raise gone
        booking, token = booking_create(
            service=pending.service,
            day=pending.date,
            slot_start=pending.slot_start,
            name=pending.name,
            nik=pending.nik,
            phone=pending.phone,
            email=pending.email,
            user=pending.user,
            request=request,
        )
        pending.delete()
    return booking, token


def booking_confirmations_purge(*, now=None):
    """Delete the pending bookings whose code expired (they hold no seat)."""
    deleted, _rows = BookingConfirmation.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def manage_url(booking, token):
    path = reverse("services:booking_manage", args=[booking.code])
    return f"{settings.SITE_URL}{path}?token={token}"


def _notify(booking, token, *, key, text, **extra):
    from mpp_portal.documents.formatting import format_date_id

    body = text % {
        **extra,
        "code": booking.code,
        "service": booking.service.name,
        "day": format_date_id(booking.date),
        "time": booking.slot_start.strftime("%H.%M"),
        "url": manage_url(booking, token) if token else settings.SITE_URL,
    }
    notification_queue(
        channel="whatsapp",
        recipient=booking.phone,
        body=body,
        dedupe_key=f"booking-{booking.pk}-{key}",
        related=booking,
    )
    if booking.email:
        notification_queue(
            channel="email",
            recipient=booking.email,
            subject=_("Pemesanan MPP %(code)s") % {"code": booking.code},
            body=body,
            dedupe_key=f"booking-{booking.pk}-{key}-email",
            related=booking,
        )


def _locked(booking):
    return (
        Booking.objects.select_for_update()
        .select_related("service__agency__hall")
        .get(pk=booking.pk)
    )


def booking_matches_phone(booking, phone):
    """Return True when ``phone`` (as typed) is the number the booking was made with.

    The fallback for a citizen without the secret link (another phone, the
    message deleted): the booking code from the PDF or QR and the phone
    number together, tried through a throttled form.
    """
    from mpp_portal.identity import normalize_phone

    e164 = normalize_phone(phone)
    return bool(e164) and e164 == normalize_phone(booking.phone)


def _check_owner(booking, token, by, phone=None):
    if booking.check_manage_token(token):
        return
    if phone and booking_matches_phone(booking, phone):
        return
    if (
        by is not None
        and by.is_authenticated
        and (by == booking.user or Booking.objects.visible_to(by).filter(pk=booking.pk).exists())
    ):
        return
    raise PermissionDenied


def booking_cancel(*, booking, token=None, by=None, phone=None, reason="", request=None):
    """Cancel and free the seat (with the secret token, the booking's phone, or as owner/staff)."""
    with transaction.atomic():
        booking = _locked(booking)
        _check_owner(booking, token, by, phone)
        transition(
            booking,
            Booking.Status.CANCELLED,
            by=by,
            action="booking.cancel",
            note=reason,
            request=request,
            fields={"cancelled_at": timezone.now()},
        )
        _release_seats(booking)
    return booking


def booking_reschedule(*, booking, day, slot_start, token=None, by=None, phone=None, request=None):
    """Move to another day/slot: take the new seat, then free the old one.

    Within the same day the booking keeps its seat of the daily quota and
    only swaps slot seats, so a move works even when the day is fully booked.
    """
    with transaction.atomic():
        booking = _locked(booking)
        _check_owner(booking, token, by, phone)
        if booking.status != Booking.Status.BOOKED:
            raise TransitionNotAllowed(
                _("Hanya pemesanan aktif yang dapat dijadwal ulang."), code="not_booked"
            )
        if (day, slot_start) == (booking.date, booking.slot_start):
            return booking
        slot = _check_slot(booking.service, day, slot_start, moving=booking)
        if day == booking.date:
            take_seats(booking.service, day, slot_start, day_seat=False)
            _release_seat(booking.service_id, booking.date, booking.slot_start)
        else:
            take_seats(booking.service, day, slot_start)
            _release_seats(booking)
        old = f"{booking.date} {booking.slot_start:%H:%M}"
        booking.date, booking.slot_start, booking.slot_end = day, slot_start, slot["end"]
        booking.reminder_sent_at = None
        try:
            with transaction.atomic():
                booking.save(update_fields=["date", "slot_start", "slot_end", "reminder_sent_at"])
        except IntegrityError:
            raise ValidationError({"date": DUPLICATE_NIK}) from None
        record(
            actor=by,
            action="booking.reschedule",
            obj=booking,
            note=f"{old} → {day} {slot_start:%H:%M}",
            request=request,
        )
    return booking


def booking_check_in(*, code, by, now=None, request=None):
    """Turn a booking into a queue ticket, from 30 minutes before the slot to its end.

    The ticket arrives at the check-in (its wait counts from there) and is
    marked booked with its slot's start. When the service's schedule calls
    bookings first (``BookingSchedule.booked_first``), it is called before
    the service's walk-ins, in slot order (services.ordering).
    """
    now = now or timezone.now()
    code = (code or "").strip().upper()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("service__agency__hall")
            .filter(code=code)
            .first()
        )
        if booking is None:
            raise DomainError(
                _("Kode pemesanan %(code)s tidak ditemukan.") % {"code": code}, code="not_found"
            )
        if (
            by is not None
            and by.is_authenticated
            and not by.is_superuser
            and (by.hall_id != booking.service.agency.hall_id)
        ):
            raise PermissionDenied
        if booking.status != Booking.Status.BOOKED:
            raise TransitionNotAllowed(
                _("Pemesanan ini berstatus “%(status)s”.")
                % {"status": booking.get_status_display()},
                code="not_booked",
            )
        if now < booking.slot_start_at - CHECK_IN_EARLY:
            opens = timezone.localtime(booking.slot_start_at - CHECK_IN_EARLY)
            raise CheckInWindow(
                _("Terlalu awal. Check-in dibuka %(day)s pukul %(time)s.")
                % {"day": date_format(opens, "DATE_FORMAT"), "time": time_format(opens)},
                code="too_early",
            )
        if now > booking.slot_end_at:
            raise CheckInWindow(
                _("Waktu pemesanan Anda sudah lewat. Silakan ambil antrean biasa (walk-in)."),
                code="too_late",
            )
        # The schedule may have been switched off since the booking was made:
        # its setting still says how its bookings queue (default: first).
        schedule = BookingSchedule.objects.filter(service_id=booking.service_id).first()
        booked_first = schedule.booked_first if schedule is not None else True
        ticket = ticket_issue(
            service=booking.service,
            priority=Priority.NORMAL,
            by=by,
            phone=booking.phone,
            # The seat was promised: no walk-in cap, and check-in may open
            # before the hall does (an 08:00 slot checks in from 07:30).
            booked_slot_at=booking.slot_start_at,
            booked_first=booked_first,
            request=request,
        )
        transition(
            booking,
            Booking.Status.CHECKED_IN,
            by=by,
            action="booking.check_in",
            note=ticket.code,
            request=request,
            fields={"ticket": ticket, "checked_in_at": now},
        )
    return booking


# ---------------------------------------------------------------------------
# Background work
# ---------------------------------------------------------------------------
def booking_mark_no_shows(*, now=None):
    """Bookings whose slot ended without a check-in become no-shows (one UPDATE)."""
    now = timezone.localtime(now or timezone.now())
    ended = Booking.objects.filter(
        Q(date__lt=now.date()) | Q(date=now.date(), slot_end__lte=now.time())
    )
    marked = bulk_transition(
        ended, Booking.Status.NO_SHOW, sources=[Booking.Status.BOOKED], action="booking.no_show"
    )
    return len(marked)


def booking_send_reminders(*, now=None):
    """Remind the citizens booked for the next working day, once each.

    The UPDATE claims the rows (reminder_sent_at), so a second or concurrent
    run finds nothing left to send.
    """
    now = timezone.localtime(now or timezone.now())
    tomorrow = add_working_days(now.date(), 1)
    sent = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE services_booking SET reminder_sent_at = %s
                WHERE status = 'booked' AND reminder_sent_at IS NULL
                  AND date > %s AND date <= %s
                RETURNING id
                """,
                [now, now.date(), tomorrow],
            )
            ids = [row[0] for row in cursor.fetchall()]
        for booking in Booking.objects.filter(pk__in=ids).select_related("service"):
            _notify(
                booking,
                None,
                key=f"reminder-{booking.date}",
                text=_(
                    "Pengingat: pemesanan %(code)s untuk %(service)s pada %(day)s pukul "
                    "%(time)s. Datang 30 menit sebelumnya dan check-in di kios."
                ),
            )
            sent += 1
    return sent


def booking_close_day(*, hall, day, reason, by, service=None, request=None):
    """Close a day for bookings; cancel and tell the citizens already booked."""
    if not can(by, "booking.close_day", hall=hall):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Tuliskan alasan penutupan.")})
    with transaction.atomic():
        closed = ClosedBookingDay.objects.create(
            hall=hall, date=day, service=service, reason=reason, created_by=by
        )
        bookings = (
            Booking.objects.select_for_update()
            .filter(service__agency__hall=hall, date=day, status=Booking.Status.BOOKED)
            .select_related("service")
        )
        if service is not None:
            bookings = bookings.filter(service=service)
        affected = list(bookings)
        for booking in affected:
            transition(
                booking,
                Booking.Status.CANCELLED,
                by=by,
                action="booking.cancel",
                note=reason,
                request=request,
                fields={"cancelled_at": timezone.now()},
            )
            _release_seats(booking)
            _notify(
                booking,
                None,
                key=f"closed-{day}",
                reason=reason,
                text=_(
                    "Mohon maaf, pemesanan %(code)s (%(service)s, %(day)s pukul %(time)s) "
                    "dibatalkan karena layanan ditutup: %(reason)s. Silakan pesan "
                    "tanggal lain di %(url)s"
                ),
            )
        record(actor=by, action="booking.close_day", obj=closed, note=reason, request=request)
    return closed, len(affected)
