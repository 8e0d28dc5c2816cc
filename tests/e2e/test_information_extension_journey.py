"""The agency extends an information request's deadline once, in Chromium (UU 14/2008 Pasal 22)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from complaints import services as workflow
from complaints.models import Complaint
from tests.e2e.steps import log_in, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_agency_extends_an_information_request_once(
    live_server, device, office_hours, hall, agency_a, hall_admin, agency_admin_a
):
    complaint, _token = workflow.complaint_file(
        hall=hall,
        kind=Complaint.Kind.INFORMATION,
        title="Data penerima bantuan usaha 2026",
        description="Mohon salinan daftar penerima bantuan modal usaha mikro tahun 2026.",
        reporter_name="Siti Aminah",
    )
    workflow.complaint_dispatch(complaint=complaint, agency=agency_a, by=hall_admin)
    complaint.refresh_from_db()
    due = complaint.due_at
    url = reverse("complaints:detail", args=[complaint.tracking_id])

    page = device(1366, 900)
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, agency_admin_a.username)
    page.wait_for_url(live_server.url + url)

    # An empty reason is refused and nothing moves.
    page.get_by_role("button", name="Perpanjang 7 hari kerja").click()
    expect(page.get_by_label("Alasan perpanjangan")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.extended_at is None

    page.get_by_label("Alasan perpanjangan").fill("Data masih dihimpun dari tiga kecamatan.")
    page.get_by_role("button", name="Perpanjang 7 hari kerja").click()
    expect(page.get_by_text("diperpanjang", exact=True)).to_be_visible()
    # Once only: the action is gone.
    expect(page.get_by_role("button", name="Perpanjang 7 hari kerja")).to_have_count(0)
    shot(page, "/tmp/journey", "x01-agency-extended")
    complaint.refresh_from_db()
    assert complaint.extended_at is not None and complaint.due_at > due
