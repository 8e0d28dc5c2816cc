"""The hall admin reads a forum's follow-up report and asks for its PDF in Chromium."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from forums import reports
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.jobs.models import Job
from tests.e2e.steps import log_in, shot
from tests.e2e.test_accessibility import AUDIT
from tests.forums.follow_up_data import F, I, make_forum, make_item, move_forum

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOLDER = "var/screenshots/forum-report"


@pytest.fixture
def forum(hall, agency_a, agency_b):
    forum = move_forum(make_forum(hall), F.SIGNED)
    today = datetime.date.today()
    make_item(
        forum,
        1,
        agency_a,
        today - datetime.timedelta(days=30),
        I.DONE,
        done_on=today - datetime.timedelta(days=31),
    )
    make_item(forum, 2, agency_b, today - datetime.timedelta(days=20))
    make_item(forum, 3, agency_b, today + datetime.timedelta(days=30), I.IN_PROGRESS)
    return forum


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_hall_admin_reads_the_report_and_asks_for_the_pdf(
    live_server, device, hall, hall_admin, forum, viewport
):
    page = device(*viewport)
    url = reverse("forums:report", args=[forum.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    log_in(page, hall_admin.username)
    page.wait_for_url(live_server.url + url)
    expect(page.get_by_role("heading", name="Laporan tindak lanjut kesepakatan")).to_be_visible()
    table = page.locator("#tabel-tindak-lanjut")
    expect(table).to_contain_text("Selesai tepat waktu")
    expect(table).to_contain_text("Terlambat")
    expect(page.locator("#tabel-ringkasan")).to_contain_text("Badan Pendapatan Daerah")
    assert page.evaluate(AUDIT) == []
    shot(page, FOLDER, f"report-{viewport[0]}")

    page.get_by_role("button", name="Unduh laporan PDF").click()
    expect(page).to_have_url(re.compile(r"laporan="))
    job = Job.objects.get(task="forums.follow_up_report_pdf")
    number = job.kwargs["job"]["number"]
    assert number == f"FKM-TL/{hall.code}/{forum.pk}/1"
    # No worker here: the page polls and says the PDF is being made.
    expect(page.locator("#pdf-job")).to_contain_text("sedang dibuat")
    # Once the job's document is in the registry the poll shows the link.
    reports.report_issue(forum=forum, number=number, issued_by=hall_admin)
    document = IssuedDocument.objects.get(number=number)
    link = page.get_by_role("link", name="Unduh PDF")
    expect(link).to_have_attribute("href", re.compile(document.verification_code), timeout=10_000)
    shot(page, FOLDER, f"pdf-ready-{viewport[0]}")
