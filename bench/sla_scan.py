"""Benchmark of the complaint SLA scan on many open complaints.

    python bench/sla_scan.py            # 100,000 complaints (the issue's target)
    python bench/sla_scan.py 20000

Fills a hall of its own ("bench-sla") with open complaints whose deadlines
are spread over yesterday, today and the next working day, runs the scan
twice and prints the time and the number of SQL queries of each run. The
target (issue 5): under 5 s, and a query count that does not grow with the
number of complaints. Everything it made is removed at the end.
"""

import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
os.environ.setdefault("DEBUG", "1")


def main(count):
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from complaints.models import Complaint
    from complaints.sla import complaint_sla_scan
    from mpp_portal.accounts.models import User
    from mpp_portal.organizations.models import Agency, Hall
    from mpp_portal.workdays import JAKARTA, add_working_days

    hall, _ = Hall.objects.get_or_create(
        slug="bench-sla", defaults={"name": "MPP Bench SLA", "address": "127.0.0.1", "code": "BEN"}
    )
    agency, _ = Agency.objects.get_or_create(
        hall=hall,
        slug="bench",
        defaults={
            "name": "Instansi Bench",
            "short_name": "Bench",
            "kind": Agency.Kind.REGIONAL,
            "contact_email": "instansi@bench.test",
        },
    )
    User.objects.get_or_create(
        username="bench.admin",
        defaults={"role": User.Role.HALL_ADMIN, "hall": hall, "email": "admin@bench.test"},
    )
    Complaint.objects.filter(hall=hall).delete()

    now = timezone.now()
    today = timezone.localtime(now, JAKARTA).date()
    tomorrow = add_working_days(today, 1)
    due = [
        now - datetime.timedelta(days=1),  # overdue: escalation
        now + datetime.timedelta(minutes=30),  # later today, or overdue after closing
        datetime.datetime.combine(tomorrow, datetime.time(16), tzinfo=JAKARTA),  # due soon
        now + datetime.timedelta(days=30),  # nothing to do
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO complaints_complaint (
                hall_id, tracking_id, access_token_hash, kind, title, description,
                location, reporter_name, reporter_email, reporter_phone, is_anonymous,
                is_confidential, channel, status, assigned_agency_id, instruction,
                archive_reason, archive_note, submitted_at, dispatched_at, due_at,
                reopened, rating_comment)
            SELECT %(hall)s, 'BEN-' || n, md5(n::text) || md5(n::text), 'pengaduan',
                   'Laporan ' || n, 'Uraian laporan untuk pengukuran SLA nomor ' || n,
                   '', '', '', '', false, false, 'web',
                   CASE WHEN n %% 2 = 0 THEN 'submitted' ELSE 'dispatched' END,
                   CASE WHEN n %% 2 = 0 THEN NULL ELSE %(agency)s END, '', '', '',
                   %(now)s, %(now)s,
                   (ARRAY[%(d0)s, %(d1)s, %(d2)s, %(d3)s]::timestamptz[])[1 + n %% 4],
                   false, ''
            FROM generate_series(1, %(count)s) AS n
            """,
            {
                "hall": hall.pk,
                "agency": agency.pk,
                "now": now,
                "count": count,
                "d0": due[0],
                "d1": due[1],
                "d2": due[2],
                "d3": due[3],
            },
        )
    print(f"filled {count} open complaints in {time.perf_counter() - started:.1f} s")

    try:
        for run in (1, 2):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = complaint_sla_scan()
                elapsed = time.perf_counter() - started
            print(
                f"scan {run}: {elapsed:.2f} s, {len(queries)} queries, claimed {result}; "
                f"target < 5 s: {'met' if elapsed < 5 else 'MISSED'}"
            )
    finally:
        Complaint.objects.filter(hall=hall).delete()
        from mpp_portal.notifications.models import OutboxMessage

        OutboxMessage.objects.filter(recipient__endswith="@bench.test").delete()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
