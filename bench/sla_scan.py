"""Benchmark of the complaint SLA scan on many open complaints.

    python bench/sla_scan.py            # 100,000 complaints
    python bench/sla_scan.py 1000000    # the issue 15 row (a million open complaints)

Fills a hall of its own ("bench-sla") with open complaints whose deadlines
are spread over yesterday, today and the next working day, runs the scan
twice and prints, for each run, the time, the number of SQL queries and the
longest transaction. The target (issues 5 and 15): the first run over a
million under 5 s, a query count that does not grow with the number of
complaints, no long transaction. Everything it made is removed at the end
(in SQL: a million complaints are not loaded into Python to be deleted).

The process is warmed as a worker's is (URLconf, tasks modules) before the
runs. Environment knobs: BENCH_SLOWEST=1 prints each run's slowest
statements, BENCH_PROFILE=1 profiles the first run, BENCH_RUNS=n runs the
scan n times (0: only fill), BENCH_KEEP=1 keeps the complaints at the end.
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
    _remove(connection, hall.pk)

    # A worker has loaded these long before its first scan: the URLconf (the
    # digests' links) and every app's tasks module (the outbox's enqueue).
    from django.urls import reverse

    from mpp_portal.celery import app

    reverse("complaints:overdue")
    app.loader.import_default_modules()

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
        # As autovacuum leaves a table that has settled: statistics, and the
        # visibility map that lets a claim read its index alone.
        cursor.execute("VACUUM ANALYZE complaints_complaint")
        cursor.execute("VACUUM ANALYZE complaints_reminderlog")
    print(f"filled {count} open complaints in {time.perf_counter() - started:.1f} s")

    try:
        for run in range(1, 1 + int(os.environ.get("BENCH_RUNS", "2"))):
            transactions = Transactions(connection)
            with (
                CaptureQueriesContext(connection) as queries,
                connection.execute_wrapper(transactions),
            ):
                started = time.perf_counter()
                if os.environ.get("BENCH_PROFILE") and run == 1:
                    import cProfile
                    import pstats

                    with cProfile.Profile() as profile:
                        result = complaint_sla_scan()
                    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
                else:
                    result = complaint_sla_scan()
                elapsed = time.perf_counter() - started
            print(
                f"scan {run}: {elapsed:.2f} s, {len(queries)} queries, longest transaction "
                f"{transactions.longest():.2f} s, "
                f"SQL {sum(float(q['time']) for q in queries):.2f} s, "
                f"claimed {result}; "
                f"target < 5 s: {'met' if elapsed < 5 else 'MISSED'}",
                flush=True,
            )
            if os.environ.get("BENCH_SLOWEST"):
                for query in sorted(queries, key=lambda q: -float(q["time"]))[:8]:
                    print(f"  {query['time']} s  {' '.join(query['sql'].split())[:300]}")
    finally:
        if not os.environ.get("BENCH_KEEP"):
            _remove(connection, hall.pk)


def _remove(connection, hall_id):
    """Delete the bench hall's complaints, their rows and its digests."""
    with connection.cursor() as cursor:
        for table in ("complaints_reminderlog", "complaints_complaintupdate"):
            cursor.execute(
                f"DELETE FROM {table} WHERE complaint_id IN "  # noqa: S608 - fixed names
                "(SELECT id FROM complaints_complaint WHERE hall_id = %s)",
                [hall_id],
            )
        cursor.execute("DELETE FROM complaints_complaint WHERE hall_id = %s", [hall_id])
        cursor.execute(
            "DELETE FROM notifications_outboxmessage WHERE recipient LIKE %s", ["%@bench.test"]
        )


class Transactions:
    """Wall-clock length of each transaction a block of code runs.

    Wraps every statement (``connection.execute_wrapper``) and reads the
    connection's query log, where Django writes BEGIN, COMMIT and ROLLBACK:
    a transaction runs from the start of its first statement to the end of
    its last, plus its COMMIT. Python time between its statements counts
    too (a lock is held for as long as the transaction is open). Use inside
    CaptureQueriesContext (which keeps the log).
    """

    def __init__(self, connection):
        self.connection = connection
        self.spans = []  # [start, end, atomic] per transaction or autocommit statement
        self._seen = 0
        self._open = False

    def __call__(self, execute, sql, params, many, context):
        self._close_if_committed()
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ended = time.perf_counter()
            atomic = self.connection.in_atomic_block
            if atomic and self._open:
                self.spans[-1][1] = ended
            else:
                self.spans.append([started, ended, atomic])
            self._open = atomic

    def _close_if_committed(self):
        log = list(self.connection.queries_log)[self._seen :]
        self._seen += len(log)
        for entry in log:
            if entry["sql"] in ("COMMIT", "ROLLBACK") and self._open:
                self.spans[-1][1] += float(entry["time"])
                self._open = False

    def longest(self):
        self._close_if_committed()
        return max((end - start for start, end, _atomic in self.spans), default=0.0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
