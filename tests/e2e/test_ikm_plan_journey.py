"""The hall admin writes a follow-up plan and asks for the IKM PDF in Chromium."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mpp_portal.jobs.models import Job
from tests.e2e.steps import log_in, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_hall_admin_adds_a_plan_to_the_pdf(live_server, device, office_hours, hall_admin, viewport):
    page = device(*viewport)
    url = reverse("services:ikm") + "?period=custom&start=2026-11-01&end=2026-11-30"
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url.replace("&", "%26"))
    log_in(page, hall_admin.username)
    page.get_by_text("Tambahkan rencana tindak lanjut ke laporan").click()
    plan = page.get_by_label("Rencana tindak lanjut (dicetak di laporan PDF)")
    plan.fill("U3 Waktu: tambah satu loket pada jam sibuk.")
    shot(page, "var/screenshots/ikm", f"plan-{viewport[0]}")
    page.get_by_role("button", name="Unduh laporan PDF").click()
    expect(page).to_have_url(re.compile(r"laporan="))
    job = Job.objects.get(task="services.tasks.ikm_report_pdf")
    assert job.kwargs["job"]["plan"] == "U3 Waktu: tambah satu loket pada jam sibuk."
