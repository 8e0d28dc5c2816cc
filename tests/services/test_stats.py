"""Queue statistics: hand-checked medians, percentiles, counts, CSV and permissions."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mpp_portal.accounts.models import User
from mpp_portal.workdays import JAKARTA
from services.models import Ticket, TicketTransfer
from services.queue import ticket_issue
from services.stats import (
    Percentile,
    StatsScope,
    busiest_hours,
    dashboard,
    day_service_rows,
    service_learn_average_minutes,
    totals,
)
from services.tasks import learn_service_averages
from tests.factories import UserFactory
from tests.transition_guard import force_status

DAY = datetime.date(2026, 12, 1)
DONE, SKIPPED, CANCELLED = Ticket.Status.DONE, Ticket.Status.SKIPPED, Ticket.Status.CANCELLED


def at(hour, minute, day=1):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=JAKARTA)


def make_ticket(
    service,
    *,
    issued,
    status=Ticket.Status.WAITING,
    called=None,
    started=None,
    finished=None,
    counter=None,
    date=DAY,
):
    """Issue a real ticket, then set its history directly (test data)."""
    ticket = ticket_issue(service=service)
    return force_status(
        ticket,
        status,
        date=date,
        issued_at=issued,
        queued_at=issued,
        called_at=called,
        started_at=started,
        finished_at=finished,
        counter=counter,
    )


@pytest.fixture
def history(service_a, service_a2, service_b, counter_a, counter_b, staff_a):
    """One day of hand-made history.

    Service A: waits 10, 20, 30, 40 min; service times 10, 5, 20 min; one
    no-show, one cancelled, one transferred to A2. Service B: wait 5,
    service 10. Issued per hour (WIB): 08 -> 2, 09 -> 4, 10 -> 1.
    """
    make_ticket(
        service_a,
        issued=at(8, 0),
        called=at(8, 10),
        started=at(8, 11),
        finished=at(8, 21),
        status=DONE,
        counter=counter_a,
    )
    make_ticket(
        service_a,
        issued=at(8, 5),
        called=at(8, 25),
        started=at(8, 26),
        finished=at(8, 31),
        status=DONE,
        counter=counter_a,
    )
    make_ticket(
        service_a,
        issued=at(9, 10),
        called=at(9, 40),
        started=at(9, 41),
        finished=at(10, 1),
        status=DONE,
        counter=counter_a,
    )
    make_ticket(service_a, issued=at(9, 20), called=at(10, 0), status=SKIPPED, counter=counter_a)
    make_ticket(service_a, issued=at(9, 30), status=CANCELLED)
    moved = make_ticket(service_a, issued=at(9, 45))
    Ticket.objects.filter(pk=moved.pk).update(service=service_a2)
    TicketTransfer.objects.create(
        ticket=moved, from_service=service_a, to_service=service_a2, by=staff_a
    )
    make_ticket(
        service_b,
        issued=at(10, 15),
        called=at(10, 20),
        started=at(10, 20),
        finished=at(10, 30),
        status=DONE,
        counter=counter_b,
    )
    # The day before: outside "today", inside "last 7 days".
    make_ticket(
        service_a,
        issued=at(9, 0) - datetime.timedelta(days=1),
        date=DAY - datetime.timedelta(days=1),
        status=CANCELLED,
    )


@pytest.fixture
def agency_admin_b(agency_b):
    return UserFactory(username="admin.b", role=User.Role.AGENCY_ADMIN, agency=agency_b)


def scope(hall, agency=None, start=DAY, end=DAY):
    return StatsScope(hall_id=hall.pk, start=start, end=end, agency_id=agency and agency.pk)


def test_percentile_aggregate_matches_hand_computation(history, service_a):
    figures = Ticket.objects.filter(numbered_service=service_a, date=DAY).aggregate(
        median=Percentile("number", 0.5), p90=Percentile("number", 0.9)
    )
    # Numbers 1..6: median 3.5; p90 at rank 0.9*5 = 4.5 -> 5 + 0.5*1.
    assert figures == {"median": 3.5, "p90": 5.5}
    with pytest.raises(ValueError):
        Percentile("call_count", 1.5)


def test_totals_for_the_hall(history, hall):
    row = totals(scope(hall))
    assert row["issued"] == 7
    assert row["served"] == 4
    assert row["no_show"] == 1
    assert row["cancelled"] == 1
    assert row["transferred"] == 1
    # Waits 5, 10, 20, 30, 40: median 20; p90 at rank 0.9*4 = 3.6 -> 30 + 0.6*10.
    assert row["wait_median"] == pytest.approx(20)
    assert row["wait_p90"] == pytest.approx(36)
    # Service times 5, 10, 10, 20: median 10; p90 at rank 2.7 -> 10 + 0.7*10.
    assert row["service_median"] == pytest.approx(10)
    assert row["service_p90"] == pytest.approx(17)


def test_per_service_counter_and_agency(
    history, hall, service_a, service_a2, service_b, counter_a, agency_a, agency_b
):
    data = dashboard(scope(hall))
    by_service = {row["service"]: row for row in data["per_service"]}
    a = by_service[service_a]
    assert (a["issued"], a["served"], a["no_show"], a["cancelled"], a["transferred"]) == (
        6,
        3,
        1,
        1,
        1,
    )
    # Waits 10, 20, 30, 40: median 25; p90 at rank 2.7 -> 30 + 0.7*10.
    assert a["wait_median"] == pytest.approx(25)
    assert a["wait_p90"] == pytest.approx(37)
    # Service times 5, 10, 20: median 10; p90 at rank 1.8 -> 10 + 0.8*10.
    assert a["service_median"] == pytest.approx(10)
    assert a["service_p90"] == pytest.approx(18)
    # The transferred ticket waits in A2 but was issued (numbered) by A.
    assert by_service[service_a2]["issued"] == 0
    assert by_service[service_b]["served"] == 1
    assert by_service[service_b]["wait_median"] == pytest.approx(5)

    counters = {row["counter"]: row for row in data["per_counter"]}
    assert counters[counter_a]["served"] == 3
    assert counters[counter_a]["no_show"] == 1

    agencies = {row["agency"]: row for row in data["per_agency"]}
    assert agencies[agency_a]["issued"] == 6
    assert agencies[agency_b]["issued"] == 1

    assert [(row["day"], row["issued"]) for row in data["per_day"]] == [(DAY, 7)]
    assert data["hours"] == [(8, 2), (9, 4), (10, 1)]
    assert data["busiest_hour"] == 9


def test_date_range_and_agency_scope(history, hall, agency_a, agency_b):
    week = scope(hall, start=DAY - datetime.timedelta(days=6))
    assert totals(week)["issued"] == 8
    assert totals(week)["cancelled"] == 2
    assert totals(scope(hall, agency=agency_b))["issued"] == 1
    assert busiest_hours(scope(hall, agency=agency_b)) == [(10, 1)]
    assert totals(scope(hall, agency=agency_a))["issued"] == 6


def test_day_service_rows(history, hall, service_a):
    rows = day_service_rows(scope(hall, start=DAY - datetime.timedelta(days=1)))
    keyed = {(r["day"], r["service"].code): r for r in rows}
    assert keyed[(DAY, "A")]["issued"] == 6
    assert keyed[(DAY - datetime.timedelta(days=1), "A")]["cancelled"] == 1


# ---------------------------------------------------------------------------
# Page and CSV
# ---------------------------------------------------------------------------
def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def test_page_for_hall_admin(client, history, hall_admin, service_b, django_assert_max_num_queries):
    client.force_login(hall_admin)
    # Aggregates only: a fixed number of queries, however many tickets.
    before = _count_queries(client, reverse("services:stats"))
    for minute in range(5):
        make_ticket(service_b, issued=at(11, minute), status=CANCELLED)
    assert _count_queries(client, reverse("services:stats")) == before
    # 22 before the per-priority table (three grouped queries).
    with django_assert_max_num_queries(25):
        response = client.get(reverse("services:stats"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data["totals"]["issued"] == 12
    body = response.content.decode()
    assert 'id="data-grafik"' in body
    assert "vendor/chartjs/chart.umd.min.js" in body
    assert response.context["charts"]["hours"] == {
        "labels": ["08.00", "09.00", "10.00", "11.00"],
        "issued": [2, 4, 1, 5],
    }


def test_page_presets_and_custom_range(client, history, hall_admin, agency_b):
    client.force_login(hall_admin)
    response = client.get(reverse("services:stats"), {"preset": "7d"})
    assert response.context["data"]["totals"]["issued"] == 8
    # "This month" starts on 1 December: the 30 November ticket is out.
    response = client.get(reverse("services:stats"), {"preset": "month"})
    assert response.context["data"]["totals"]["issued"] == 7
    response = client.get(
        reverse("services:stats"), {"preset": "custom", "start": "2026-11-30", "end": "2026-11-30"}
    )
    assert response.context["data"]["totals"]["issued"] == 1
    response = client.get(reverse("services:stats"), {"agency": agency_b.pk})
    assert response.context["data"]["totals"]["issued"] == 1


def test_page_rejects_a_backwards_range(client, history, hall_admin):
    client.force_login(hall_admin)
    response = client.get(
        reverse("services:stats"), {"preset": "custom", "start": "2026-12-01", "end": "2026-11-01"}
    )
    assert response.status_code == 200
    assert response.context["data"] is None
    assert "Tanggal awal harus sebelum" in response.content.decode()
    response = client.get(
        reverse("services:stats_csv"), {"preset": "custom", "start": "2026-12-01", "end": "x"}
    )
    assert response.status_code == 400


def test_agency_admin_sees_only_own_agency(client, history, agency_admin_b, agency_a):
    client.force_login(agency_admin_b)
    # Asking for agency A changes nothing: the field does not exist for them.
    response = client.get(reverse("services:stats"), {"agency": agency_a.pk})
    assert response.status_code == 200
    data = response.context["data"]
    assert data["totals"]["issued"] == 1
    assert [row["service"].code for row in data["per_service"]] == ["P"]
    assert data["per_agency"] == []
    assert "Perekaman KTP-el" not in response.content.decode()

    csv_response = client.get(reverse("services:stats_csv"), {"agency": agency_a.pk})
    text = csv_response.content.decode("utf-8-sig")
    assert "Perekaman KTP-el" not in text
    assert "Pajak Kendaraan" in text
    # No per-agency table for one agency (as on the page); its counter only.
    assert "Per instansi" not in text and "Dinas Kependudukan" not in text
    assert "Loket 3,Badan Pendapatan Daerah" in text


@pytest.mark.parametrize("persona", ["staff_a", "citizen", "kiosk_user"])
def test_others_get_403(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(reverse("services:stats")).status_code == 403
    assert client.get(reverse("services:stats_csv")).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("services:stats"))
    assert response.status_code == 302
    assert "/akun/" in response["Location"]


def test_csv_export(client, history, hall_admin):
    client.force_login(hall_admin)
    response = client.get(reverse("services:stats_csv"), {"preset": "7d"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "statistik-antrean-20261125-20261201.csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sections = _csv_sections(rows)
    rows = sections["Per layanan per hari"]
    assert rows[0][:5] == ["Tanggal", "Instansi", "Kode", "Layanan", "Tiket diambil"]
    body = {(r[0], r[2]): r for r in rows[1:]}
    assert body[("2026-12-01", "A")][4:] == [
        "6",
        "3",
        "1",
        "1",
        "1",
        "25.0",
        "37.0",
        "10.0",
        "18.0",
    ]
    assert body[("2026-11-30", "A")][4:9] == ["1", "0", "0", "0", "1"]
    assert body[("2026-11-30", "A")][9:] == ["", "", "", ""]
    assert body[("2026-12-01", "P")][4:6] == ["1", "1"]
    assert len(rows) == 1 + 4  # A and P on Dec 1, A2 (no figures but a row), A on Nov 30

    # The dashboard's per-agency and per-counter tables follow.
    assert set(sections) == {"Per layanan per hari", "Per instansi", "Per loket"}
    agencies = sections["Per instansi"]
    assert agencies[0][:2] == ["Instansi", "Tiket diambil"]
    by_agency = {r[0]: r[1:] for r in agencies[1:]}
    assert by_agency == {
        "Dinas Kependudukan dan Pencatatan Sipil": [
            "7",
            "3",
            "1",
            "1",
            "2",
            "25.0",
            "37.0",
            "10.0",
            "18.0",
        ],
        "Badan Pendapatan Daerah": ["1", "1", "0", "0", "0", "5.0", "5.0", "10.0", "10.0"],
    }
    counters = sections["Per loket"]
    assert counters[0][:4] == ["Loket", "Instansi", "Tiket diambil", "Dilayani"]
    by_counter = {r[0]: r[1:] for r in counters[1:]}
    assert by_counter == {
        "Loket 1": [
            "Dinas Kependudukan dan Pencatatan Sipil",
            "",
            "3",
            "1",
            "",
            "0",
            "25.0",
            "37.0",
            "10.0",
            "18.0",
        ],
        "Loket 3": ["Badan Pendapatan Daerah", "", "1", "0", "", "0", "5.0", "5.0", "10.0", "10.0"],
    }


def _csv_sections(rows):
    """Split the export at its empty rows: {title: rows}; the first is untitled."""
    blocks = [[]]
    for row in rows:
        if row:
            blocks[-1].append(row)
        else:
            blocks.append([])
    named = {"Per layanan per hari": blocks[0]}
    for block in blocks[1:]:
        named[block[0][0]] = block[1:]
    return named


# ---------------------------------------------------------------------------
# Learned average service minutes
# ---------------------------------------------------------------------------
def test_learn_average_minutes(agency_a, service_a, service_a2, service_b):
    service_b.average_minutes_fixed = True
    service_b.average_service_minutes = 42
    service_b.save()
    # Service A: five finished tickets, service times 10, 5, 20, 8, 12 -> median 10.
    for minutes, start in zip([10, 5, 20, 8, 12], [8, 8, 8, 8, 8], strict=True):
        make_ticket(
            service_a,
            issued=at(start, 0),
            called=at(start, 0),
            started=at(start, 0),
            finished=at(start, minutes),
            status=DONE,
        )
    # Older than 30 days: ignored (it would pull the median up).
    for _i in range(3):
        make_ticket(
            service_a,
            issued=at(8, 0) - datetime.timedelta(days=40),
            started=at(8, 0) - datetime.timedelta(days=40),
            finished=at(9, 0) - datetime.timedelta(days=40),
            status=DONE,
            date=DAY - datetime.timedelta(days=40),
        )
    # Service A2: only four finished tickets -> keeps its 10 minutes default.
    for _i in range(4):
        make_ticket(service_a2, issued=at(8, 0), started=at(8, 0), finished=at(8, 33), status=DONE)
    # Service B is fixed manually even with enough history.
    for _i in range(6):
        make_ticket(service_b, issued=at(8, 0), started=at(8, 0), finished=at(8, 3), status=DONE)
    service_a.average_service_minutes = 30
    service_a.save()

    assert service_learn_average_minutes() == 1
    for service in (service_a, service_a2, service_b):
        service.refresh_from_db()
    assert service_a.average_service_minutes == 10
    assert service_a2.average_service_minutes == 10
    assert service_b.average_service_minutes == 42
    # The Celery task is a thin wrapper; running it twice is harmless.
    assert learn_service_averages() == 1
    service_a.refresh_from_db()
    assert service_a.average_service_minutes == 10


def test_learn_average_minutes_never_below_one(service_a):
    for _i in range(5):
        make_ticket(
            service_a,
            issued=at(8, 0),
            started=at(8, 0),
            finished=at(8, 0) + datetime.timedelta(seconds=20),
            status=DONE,
        )
    service_learn_average_minutes()
    service_a.refresh_from_db()
    assert service_a.average_service_minutes == 1


def test_learn_task_is_scheduled():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["learn-service-averages"]
    assert entry["task"] == "services.tasks.learn_service_averages"
    assert entry["schedule"].hour == {19}


def test_csv_export_never_writes_a_formula(client, history, hall_admin, service_a):
    """A service renamed to a formula is plain text in the file (one CSV writer)."""
    service_a.name = '=HYPERLINK("http://evil.example","klik")'
    service_a.save(update_fields=["name"])
    client.force_login(hall_admin)
    response = client.get(reverse("services:stats_csv"), {"preset": "7d"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","klik")' in cells
    assert not any(cell.startswith("=") for cell in cells)


def test_csv_export_for_excel_set_to_indonesian(client, history, hall_admin):
    """?pemisah=titik-koma: semicolons between cells and a decimal comma."""
    client.force_login(hall_admin)
    response = client.get(reverse("services:stats_csv"), {"preset": "7d", "pemisah": "titik-koma"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    body = {(r[0], r[2]): r for r in rows[1:] if len(r) > 4}
    assert body[("2026-12-01", "A")][9:] == ["25,0", "37,0", "10,0", "18,0"]
    page = client.get(reverse("services:stats"), {"preset": "7d"}).content.decode()
    assert "pemisah=titik-koma" in page
