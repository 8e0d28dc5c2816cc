"""The hall admin reads a forum's follow-up report and asks for its PDF in Chromium."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from forums import reports
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.jobs.models import Job
from tests.e2e.steps import accessibility_problems, log_in, shot
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
    assert accessibility_problems(page) == []
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


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_public_page_shows_the_follow_up_of_each_agreement(live_server, device, forum, viewport):
    page = device(*viewport)
    page.goto(live_server.url + forum.get_absolute_url())
    section = page.locator("#tindak-lanjut")
    expect(section.get_by_role("heading", name="Kesepakatan dan tindak lanjutnya")).to_be_visible()
    late = section.locator('[data-item="2"]')
    expect(late).to_contain_text(re.compile(r"Terlambat \d+ hari kerja"))
    expect(late).to_contain_text("Badan Pendapatan Daerah")
    expect(section.locator('[data-item="1"]')).to_contain_text("Selesai tepat waktu")
    expect(section.locator('[data-item="3"]')).to_contain_text("Dalam proses")
    # Read on phones: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
    assert accessibility_problems(page) == []
    section.scroll_into_view_if_needed()
    shot(page, FOLDER, f"public-follow-up-{viewport[0]}")


def test_agency_admin_and_hall_admin_reach_the_report_by_links(
    live_server, device, hall_admin, agency_admin_a, forum
):
    url = reverse("forums:report", args=[forum.pk])
    page = device(390, 844)
    page.goto(
        live_server.url + reverse("accounts:login") + "?next=" + reverse("forums:agency_items")
    )
    log_in(page, agency_admin_a.username)
    page.get_by_role("link", name=re.compile("Laporan tindak lanjut: ")).click()
    page.wait_for_url(live_server.url + url)
    expect(page.get_by_role("heading", name="Laporan tindak lanjut kesepakatan")).to_be_visible()
    shot(page, FOLDER, "agency-report-390")

    page = device(1280, 900)
    detail = reverse("forums:manage_detail", args=[forum.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + detail)
    log_in(page, hall_admin.username)
    page.wait_for_url(live_server.url + detail)
    page.get_by_role("link", name="Tindak lanjut", exact=True).click()
    page.wait_for_url(live_server.url + url)
    expect(page.get_by_role("link", name="Tindak lanjut", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert accessibility_problems(page) == []
    shot(page, FOLDER, "manage-tab-report-1280")
