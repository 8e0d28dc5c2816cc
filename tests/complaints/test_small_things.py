"""Small things users saw (issue 13): the dispatch form preselects the agency
the citizen named, the audit trail shows labels, one closing rule for every
complaint deadline, the admin's names and ticket list, /favicon.ico, the
check-in's long date, the demo's hall name."""

import ast
import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from complaints import services as workflow
from mpp_portal.audit.actions import action_label
from mpp_portal.organizations.models import OfficeHours
from mpp_portal.workdays import JAKARTA
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]


# --- dispatch form --------------------------------------------------------------------------


def _select(html, name):
    start = html.index(f'name="{name}"')
    return html[start : html.index("</select>", start)]


def test_dispatch_form_preselects_the_agency_the_citizen_named(
    client, hall_admin, file_complaint, agency_a, agency_b
):
    complaint = file_complaint(reported_agency=agency_b)
    client.force_login(hall_admin)
    html = client.get(reverse("complaints:detail", args=[complaint.tracking_id])).content.decode()
    select = _select(html, "dispatch-agency")
    assert re.search(rf'<option value="{agency_b.pk}"[^>]*selected', select)
    assert not re.search(rf'<option value="{agency_a.pk}"[^>]*selected', select)


def test_dispatch_form_without_a_named_agency_asks_to_choose(
    client, hall_admin, file_complaint, agency_a
):
    complaint = file_complaint()
    client.force_login(hall_admin)
    html = client.get(reverse("complaints:detail", args=[complaint.tracking_id])).content.decode()
    select = _select(html, "dispatch-agency")
    assert re.search(r'<option value=""[^>]*selected', select)


def test_agency_staff_get_no_dispatch_form(client, staff_a, file_complaint, agency_a, hall_admin):
    complaint = file_complaint(reported_agency=agency_a)
    workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
    client.force_login(staff_a)
    response = client.get(reverse("complaints:detail", args=[complaint.tracking_id]))
    assert response.status_code == 200
    assert 'name="dispatch-agency"' not in response.content.decode()


# --- audit labels ---------------------------------------------------------------------------


def _action_codes(folder):
    codes = set()
    for path in (PROJECT / folder).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "action":
                value = node.value
                if isinstance(value, ast.Constant) and "." in str(value.value):
                    codes.add(value.value)
    return codes


# Apps whose every audit action must have a label; a new app adds itself here.
LABELLED_APPS = ["services", "complaints", "mpp_portal"]


@pytest.mark.parametrize("folder", LABELLED_APPS)
def test_every_audit_action_has_a_label(folder):
    codes = {c for c in _action_codes(folder) if not c.startswith("sipabes.")}
    assert codes, folder
    unlabelled = sorted(code for code in codes if action_label(code) == code)
    assert unlabelled == []


def test_the_history_panel_shows_labels_not_codes(client, hall_admin, file_complaint, agency_a):
    complaint = file_complaint()
    workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
    client.force_login(hall_admin)
    html = client.get(reverse("complaints:detail", args=[complaint.tracking_id])).content.decode()
    assert "complaint.file" not in html and "complaint.dispatch" not in html
    assert "Laporan diterima" in html and "Diteruskan ke instansi" in html


# --- one closing rule -----------------------------------------------------------------------


@pytest.mark.parametrize("closes", [datetime.time(16, 0), datetime.time(15, 0)])
def test_verification_and_follow_up_end_at_the_halls_closing_time(
    file_complaint, hall, hall_admin, agency_a, closes
):
    for day in range(5):
        OfficeHours.objects.create(hall=hall, weekday=day, closes=closes)
    complaint = file_complaint()
    verify_due = complaint.due_at.astimezone(JAKARTA)
    workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
    complaint.refresh_from_db()
    followup_due = complaint.due_at.astimezone(JAKARTA)
    assert verify_due.time() == closes
    assert followup_due.time() == closes
    assert followup_due.date() > verify_due.date()


# --- admin ----------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="root.uji", is_superuser=True, is_staff=True)


def test_admin_model_names_are_translated(client, superuser):
    client.force_login(superuser)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("admin:index")).content.decode()
    assert "Ticket calls" in html and "Ticket transfers" in html  # through the catalogue
    client.cookies["django_language"] = "id"
    html = client.get(reverse("admin:index")).content.decode()
    assert "Panggilan tiket" in html and "Pengalihan tiket" in html


def test_admin_ticket_list_is_newest_first_with_unbroken_codes(client, superuser, agency_a):
    from services import queue

    service = ServiceFactory(agency=agency_a, code="A")
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA), tick=False):
        queue.ticket_issue(service=service)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 5, tzinfo=JAKARTA), tick=False):
        queue.ticket_issue(service=service)
    client.force_login(superuser)
    html = client.get(reverse("admin:services_ticket_changelist")).content.decode()
    assert html.index("A-002") < html.index("A-001")
    assert '<span class="nowrap">A-002</span>' in html


# --- favicon --------------------------------------------------------------------------------


def test_favicon_ico_is_no_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    assert client.post("/favicon.ico").status_code == 301  # no form there either


# --- check-in with the long date ------------------------------------------------------------


def test_check_in_too_early_names_the_day_in_words(agency_a, kiosk_user):
    from services import booking as bookings
    from tests.services.conftest import make_schedule

    service = ServiceFactory(agency=agency_a, code="A")
    make_schedule(service, seats_per_slot=2, daily_quota=5)
    booking, _token = bookings.booking_create(
        service=service,
        day=datetime.date(2026, 12, 2),
        slot_start=datetime.time(9),
        name="Siti",
        nik="1707014101900001",
        phone="081234567890",
    )
    with time_machine.travel(datetime.datetime(2026, 12, 1, 15, 0, tzinfo=JAKARTA)):
        with pytest.raises(bookings.CheckInWindow) as error:
            bookings.booking_check_in(code=booking.code, by=kiosk_user)
    assert "Rabu, 2 Desember 2026 pukul 08.30" in str(error.value.message)
    assert "02-12-2026" not in str(error.value.message)


# --- demo -----------------------------------------------------------------------------------


def test_demo_descriptions_name_the_hall_once():
    source = (PROJECT / "services" / "demo.py").read_text()
    assert "MPP {hall.name}" not in source


def test_every_model_of_ours_has_translatable_admin_names():
    """Django's default names are English ("Ticket calls"): every model names itself."""
    from django.apps import apps
    from django.utils.functional import Promise

    ours = ("services.", "complaints.", "mpp_portal.")
    unnamed = [
        model.__name__
        for model in apps.get_models()
        if model.__module__.startswith(ours)
        and not model.__module__.startswith("services.sipabes")
        and not (
            isinstance(model._meta.original_attrs.get("verbose_name"), Promise)
            and isinstance(model._meta.original_attrs.get("verbose_name_plural"), Promise)
        )
    ]
    assert unnamed == []
