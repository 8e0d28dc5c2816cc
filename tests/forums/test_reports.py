"""The follow-up report of a forum: standings in working days, page, CSV, PDF.

December 2026: Thursday 24 is cuti bersama, Friday 25 Christmas. "Today"
is Tuesday 29 December 2026.
"""

import datetime
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from forums import reports
from forums.reports import Standing
from mpp_portal.accounts.models import User
from mpp_portal.documents.models import IssuedDocument
from mpp_portal.jobs.models import Job
from tests.factories import AgencyFactory, HallFactory, UserFactory
from tests.forums.follow_up_data import F, I, at, make_forum, make_item, move_forum

D = datetime.date
TODAY = at(2026, 12, 29, 10)
SHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "test-shots"


@pytest.fixture(autouse=True)
def _today(request, settings, tmp_path):
    """Tuesday 29 December 2026, files in a temporary folder; a test with the
    real worker (another process) keeps the real clock and media folder."""
    settings.DOCUMENT_SIGNING_P12 = ""
    if request.node.get_closest_marker("worker"):
        yield
        return
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def forum(hall, agency_a, agency_b):
    forum = move_forum(make_forum(hall), F.SIGNED)
    forum.number = "BA/FKM/2026/07"
    forum.save(update_fields=["number"])
    A, B = agency_a, agency_b
    make_item(forum, 1, A, D(2026, 12, 11), I.DONE, done_on=D(2026, 12, 10))  # early
    make_item(forum, 2, A, D(2026, 12, 4), I.DONE, done_on=D(2026, 12, 8))  # Mon 7, Tue 8
    make_item(forum, 3, A, D(2026, 12, 11), I.DONE, done_on=D(2026, 12, 12))  # Saturday
    make_item(forum, 4, B, D(2026, 12, 13), I.DONE, done_on=D(2026, 12, 14))  # Sunday target
    make_item(forum, 5, A, D(2026, 12, 21))  # open: 22, 23, 28, 29 late
    make_item(forum, 6, B, D(2026, 12, 29))  # due today
    make_item(forum, 7, B, D(2026, 12, 31), I.IN_PROGRESS)
    make_item(forum, 8, A, D(2026, 12, 1), I.DROPPED, status_reason="Digabung ke butir 2")
    make_item(forum, 9, B, D(2026, 12, 24), I.DONE, done_on=D(2026, 12, 28))  # cuti -> Mon 28
    make_item(forum, 10, B, D(2026, 12, 24))  # moved to Mon 28, late on Tue 29
    return forum


def rows_by_number(forum):
    return {row["number"]: row for row in reports.follow_up_summary(forum)}


# --------------------------------------------------------------------------
# Standings
# --------------------------------------------------------------------------
def test_standings_count_working_days(forum):
    rows = rows_by_number(forum)
    expected = {
        1: (Standing.DONE_ON_TIME, 0),
        2: (Standing.DONE_LATE, 2),
        3: (Standing.DONE_ON_TIME, 0),
        4: (Standing.DONE_ON_TIME, 0),
        5: (Standing.OVERDUE, 4),
        6: (Standing.OPEN, 0),
        7: (Standing.OPEN, 0),
        8: (Standing.DROPPED, 0),
        9: (Standing.DONE_ON_TIME, 0),
        10: (Standing.OVERDUE, 1),
    }
    assert {n: (row["standing"], row["late_days"]) for n, row in rows.items()} == expected
    assert rows[5]["standing_text"] == "Terlambat 4 hari kerja"
    assert rows[2]["standing_text"] == "Selesai, terlambat 2 hari kerja"
    assert rows[7]["standing_text"] == "Dalam proses"
    assert rows[5]["is_late"] and rows[2]["is_late"] and not rows[9]["is_late"]
    assert rows[1]["agency"] == "Disdukcapil"


def test_a_closed_day_of_the_hall_moves_the_target(forum, hall):
    from mpp_portal.workdays.models import CalendarDay

    # Monday 14 December closed: item 4 (Sunday target, done Monday) still on
    # time, and item 2's lateness skips nothing (it was done on the 8th).
    CalendarDay.objects.create(date=D(2026, 12, 22), hall=hall, name="Hari jadi")
    rows = rows_by_number(forum)
    assert rows[5]["late_days"] == 3  # 23, 28, 29


def test_summary_queries_do_not_grow_with_items(forum, agency_a, django_assert_max_num_queries):
    for number in range(11, 41):
        make_item(forum, number, agency_a, D(2026, 12, 1 + number % 20))
    forum = type(forum).objects.select_related("hall").get(pk=forum.pk)
    with django_assert_max_num_queries(3):
        rows = reports.follow_up_summary(forum)
    assert len(rows) == 40


def test_report_counts_per_agency_and_in_total(forum):
    data = reports.report_data(forum)
    assert data["today"] == D(2026, 12, 29)
    assert data["totals"] == {
        "total": 10,
        Standing.DONE_ON_TIME: 4,
        Standing.DONE_LATE: 1,
        "open_total": 4,
        Standing.OVERDUE: 2,
        Standing.DROPPED: 1,
    }
    by_name = {agency["short_name"]: agency["counts"] for agency in data["agencies"]}
    assert by_name["Disdukcapil"] == {
        "total": 5,
        Standing.DONE_ON_TIME: 2,
        Standing.DONE_LATE: 1,
        "open_total": 1,
        Standing.OVERDUE: 1,
        Standing.DROPPED: 1,
    }
    assert by_name["Bapenda"]["open_total"] == 3
    assert by_name["Bapenda"][Standing.OVERDUE] == 1
    assert data["on_time_share"] == 80


def test_forum_without_items(hall):
    data = reports.report_data(make_forum(hall, slug="kosong"))
    assert data["rows"] == [] and data["totals"]["total"] == 0
    assert data["on_time_share"] is None


# --------------------------------------------------------------------------
# The staff page and who may read it
# --------------------------------------------------------------------------
@pytest.fixture
def other_hall_users():
    other = HallFactory(name="MPP Lain", slug="mpp-lain", code="LAN")
    agency = AgencyFactory(hall=other)
    return {
        "hall_admin": UserFactory(username="admin.lain", role=User.Role.HALL_ADMIN, hall=other),
        "agency_admin": UserFactory(
            username="admin.dinas.lain", role=User.Role.AGENCY_ADMIN, agency=agency
        ),
    }


def test_hall_admin_reads_the_report(client, hall_admin, forum):
    client.force_login(hall_admin)
    page = client.get(reverse("forums:report", args=[forum.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Laporan tindak lanjut kesepakatan" in html
    assert "Terlambat" in html and "terlambat 4 hari kerja" in html
    assert "Disdukcapil" in html and "Bapenda" in html
    assert reverse("forums:report_csv", args=[forum.pk]) in html
    assert "80% butir yang selesai diselesaikan tepat waktu" in html


def test_agency_admin_of_the_hall_reads_it(client, agency_admin_a, forum):
    client.force_login(agency_admin_a)
    assert client.get(reverse("forums:report", args=[forum.pk])).status_code == 200
    assert client.get(reverse("forums:report_csv", args=[forum.pk])).status_code == 200


def test_agency_follow_up_page_links_the_report_of_its_forums(
    client, hall, agency_admin_a, forum, agency_b
):
    # A second signed forum with only another agency's items: no link for A.
    other = move_forum(make_forum(hall, slug="fkm-lain", theme="Forum tanpa Disdukcapil"), F.SIGNED)
    make_item(other, 1, agency_b, D(2027, 1, 29))
    client.force_login(agency_admin_a)
    html = client.get(reverse("forums:agency_items")).content.decode()
    assert "Laporan tindak lanjut" in html
    assert f'href="{reverse("forums:report", args=[forum.pk])}"' in html
    assert reverse("forums:report", args=[other.pk]) not in html
    # The link opens: the report allows an agency admin of the hall.
    page = client.get(reverse("forums:report", args=[forum.pk]))
    assert page.status_code == 200
    assert "Laporan tindak lanjut kesepakatan" in page.content.decode()


def test_agency_page_without_items_shows_no_report_link(client, hall, agency_b):
    admin_b = UserFactory(username="admin.b.uji", role=User.Role.AGENCY_ADMIN, agency=agency_b)
    client.force_login(admin_b)
    html = client.get(reverse("forums:agency_items")).content.decode()
    assert "Laporan tindak lanjut" not in html


def test_manage_tabs_lead_to_the_report(client, hall_admin, forum, planned_forum):
    client.force_login(hall_admin)
    url = reverse("forums:report", args=[forum.pk])
    detail = client.get(reverse("forums:manage_detail", args=[forum.pk])).content.decode()
    assert f'href="{url}">Tindak lanjut</a>' in detail
    # The report page itself: the forum's tabs with "Tindak lanjut" the current one.
    report = client.get(url).content.decode()
    assert f'aria-current="page" href="{url}">Tindak lanjut</a>' in report
    assert reverse("forums:manage_items", args=[forum.pk]) in report
    # A forum not yet held has nothing to follow up: no tab.
    planned = client.get(reverse("forums:manage_detail", args=[planned_forum.pk])).content.decode()
    assert reverse("forums:report", args=[planned_forum.pk]) not in planned


@pytest.mark.parametrize("name", ["report", "report_csv"])
def test_another_halls_staff_get_404(client, forum, other_hall_users, name):
    for user in other_hall_users.values():
        client.force_login(user)
        assert client.get(reverse(f"forums:{name}", args=[forum.pk])).status_code == 404
        assert client.post(reverse("forums:report_pdf", args=[forum.pk])).status_code == 404


@pytest.mark.parametrize("name", ["report", "report_csv"])
def test_counter_staff_and_citizens_get_403(client, forum, staff_a, citizen, name):
    for user in (staff_a, citizen):
        client.force_login(user)
        assert client.get(reverse(f"forums:{name}", args=[forum.pk])).status_code == 403
        assert client.post(reverse("forums:report_pdf", args=[forum.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, forum):
    login = reverse("accounts:login")
    for name in ("report", "report_csv"):
        response = client.get(reverse(f"forums:{name}", args=[forum.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(login)
    response = client.post(reverse("forums:report_pdf", args=[forum.pk]))
    assert response.status_code == 302 and response["Location"].startswith(login)
    assert not Job.objects.exists()


def test_unknown_forum_is_404(client, hall_admin):
    client.force_login(hall_admin)
    assert client.get(reverse("forums:report", args=[999999])).status_code == 404
    assert client.get(reverse("forums:report_csv", args=[999999])).status_code == 404


def test_pdf_is_post_only(client, hall_admin, forum):
    client.force_login(hall_admin)
    assert client.get(reverse("forums:report_pdf", args=[forum.pk])).status_code == 405


def test_page_queries_are_bounded(
    client, hall_admin, forum, agency_a, django_assert_max_num_queries
):
    for number in range(11, 41):
        make_item(forum, number, agency_a, D(2026, 12, 1 + number % 20))
    client.force_login(hall_admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("forums:report", args=[forum.pk])).status_code == 200


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------
def test_csv_lists_items_and_counts(client, hall_admin, forum, agency_a):
    make_item(forum, 11, agency_a, D(2027, 1, 29), text='=HYPERLINK("http://x")')
    client.force_login(hall_admin)
    response = client.get(reverse("forums:report_csv", args=[forum.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("No.,Kesepakatan,Instansi penanggung jawab,Target selesai")
    assert any(
        line.startswith("5,") and "Terlambat 4 hari kerja" in line and line.endswith(",4,")
        for line in lines
    )
    assert any(line.startswith("2,") and "2026-12-08" in line for line in lines)
    assert "Digabung ke butir 2" in text
    # A formula is written as text.
    assert "'=HYPERLINK" in text
    assert any(line.startswith("Jumlah,11,4,1,5,2,1") for line in lines)


def test_csv_semicolon_variant(client, hall_admin, forum):
    client.force_login(hall_admin)
    response = client.get(reverse("forums:report_csv", args=[forum.pk]), {"pemisah": "titik-koma"})
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("No.;Kesepakatan;")


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------
def _pdf_text(path):
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_through_the_job_and_its_status(
    client, hall_admin, hall, forum, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(hall_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("forums:report_pdf", args=[forum.pk]))
    number = f"FKM-TL/{hall.code}/{forum.pk}/1"
    assert response.status_code == 302 and "laporan=" in response["Location"]
    document = IssuedDocument.objects.get(kind=reports.KIND, number=number)
    assert document.issued_by == hall_admin and document.hall == hall
    # Its own kind in the registry, named on the verification page.
    assert document.kind == IssuedDocument.Kind.FORUM_REPORT == "forum_report"
    assert "Laporan tindak lanjut FKM" in client.get(document.get_absolute_url()).content.decode()
    text = _pdf_text(document.file.path)
    flat = " ".join(text.split())
    assert "LAPORAN TINDAK LANJUT KESEPAKATAN FORUM KONSULTASI PUBLIK" in flat
    assert f"Nomor: {number}" in flat
    assert forum.theme in flat and "BA/FKM/2026/07" in flat
    assert "Selasa, 29 Desember 2026" in flat
    for n in range(1, 11):
        assert f"Kesepakatan nomor {n}:" in flat
    assert "terlambat 4 hari kerja" in flat and "Dibatalkan" in flat
    assert "Selesai tepat waktu" in flat and "Selesai terlambat" in flat
    assert "Disdukcapil" in flat and "Bapenda" in flat

    assert "Jumlah 10 4 1 4 2 1" in flat
    assert document.verification_code in flat

    # The page shows the download link once the registry has the number.
    page = client.get(response["Location"]).content.decode()
    assert f"/verifikasi/{document.verification_code}/unduh/" in page

    # Look at it (var/test-shots/forum-report-1.png).
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", document.file.path, str(SHOTS / "forum-report")],
        check=True,
    )
    # A second report gets the next number.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("forums:report_pdf", args=[forum.pk]))
    assert IssuedDocument.objects.filter(number=f"FKM-TL/{hall.code}/{forum.pk}/2").exists()


def test_status_poll_before_the_document_exists(client, hall_admin, hall, forum):
    client.force_login(hall_admin)
    url = reverse("forums:report_pdf_status", args=[forum.pk])
    page = client.get(url, {"nomor": f"FKM-TL/{hall.code}/{forum.pk}/9"}).content.decode()
    assert "sedang dibuat" in page and "hx-trigger" in page
    # Another forum's or hall's number is not polled.
    assert client.get(url, {"nomor": f"FKM-TL/{hall.code}/{forum.pk + 1}/1"}).status_code == 404
    assert client.get(url, {"nomor": "FKM-TL/LAIN/1/1"}).status_code == 404
    assert client.get(url).status_code == 404


def test_failed_job_says_so(client, hall_admin, hall, forum):
    from django.core.cache import cache

    number = f"FKM-TL/{hall.code}/{forum.pk}/4"
    cache.set(reports.job_key(number), "failed")
    client.force_login(hall_admin)
    page = client.get(
        reverse("forums:report_pdf_status", args=[forum.pk]), {"nomor": number}
    ).content.decode()
    assert "gagal dibuat" in page and "hx-trigger" not in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_pdf_through_the_real_worker(client, hall_admin, hall, forum, celery_worker_process):
    client.force_login(hall_admin)
    response = client.post(reverse("forums:report_pdf", args=[forum.pk]))
    assert response.status_code == 302
    number = f"FKM-TL/{hall.code}/{forum.pk}/1"
    document = celery_worker_process.wait_for(
        lambda: IssuedDocument.objects.filter(kind=reports.KIND, number=number).first(),
        timeout=90,
        message=f"the follow-up report {number}",
    )
    assert "Kesepakatan nomor 10:" in " ".join(_pdf_text(document.file.path).split())


# --------------------------------------------------------------------------
# The public forum page: every agreement with its follow-up standing
# --------------------------------------------------------------------------
def public_items(html):
    """{number: the text of its list entry} of the public page's agreements."""
    import re

    found = re.findall(r'data-item="(\d+)" data-standing="(\w+)">(.*?)</li>', html, re.S)
    return {
        int(n): (standing, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))
        for n, standing, body in found
    }


def test_public_page_shows_each_agreements_follow_up(client, forum):
    html = client.get(forum.get_absolute_url()).content.decode()
    rows = public_items(html)
    assert sorted(rows) == list(range(1, 11))
    assert "Keadaan per 29 Desember 2026" in html
    standing, text = rows[5]
    assert standing == "overdue"
    assert "Terlambat 4 hari kerja" in text and "21 Desember 2026" in text
    assert rows[10][0] == "overdue" and "Terlambat 1 hari kerja" in rows[10][1]
    assert rows[1][0] == "done_on_time" and "Selesai tepat waktu" in rows[1][1]
    assert rows[2][0] == "done_late" and "Selesai, terlambat 2 hari kerja" in rows[2][1]
    assert rows[6][0] == "open" and "Belum selesai" in rows[6][1]  # due today
    assert rows[8][0] == "dropped" and "Digabung ke butir 2" in rows[8][1]
    # The agency by its full name.
    assert forum.items.get(number=5).agency.name in rows[5][1]


def test_public_page_of_an_unsigned_forum_shows_no_standing(client, hall, agency_a):
    draft = move_forum(make_forum(hall, slug="fkm-draf"), F.MINUTES_DRAFTED)
    make_item(draft, 1, agency_a, D(2026, 12, 1))
    html = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-item="1"' in html and "data-standing" not in html
    assert "hari kerja" not in html


def test_public_page_queries_do_not_grow_with_agreements(
    client, forum, agency_a, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ten:
        assert client.get(forum.get_absolute_url()).status_code == 200
    for number in range(11, 41):
        make_item(forum, number, agency_a, D(2026, 12, 1 + number % 25))
    with django_assert_num_queries(len(ten)):
        html = client.get(forum.get_absolute_url()).content.decode()
    assert len(public_items(html)) == 40
    assert len(ten) <= 12
