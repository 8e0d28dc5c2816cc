"""A year of a busy hall in its own database: the figures of issue 15.

    python bench/scale.py                       # 1,000,000 tickets (about 15 minutes)
    python bench/scale.py --tickets 100000 --answers 20000 --complaints 100000
    python bench/scale.py --reuse               # the database seeded by an earlier run
    python bench/scale.py --reuse --serving-only --workers 4 --threads 4
    python bench/scale.py --reuse --demo-db mpp_demo   # board poll vs demo, side by side

Creates (or, with --reuse, keeps) the database ``--db`` (default
``mpp_scale``) on the server of DATABASE_URL, migrates it and loads the demo
(MPP Perigo Agung). It measures the demo hall's board at demo size, then
seeds with ``generate_series``: --tickets tickets over the last year's
working days, --answers SKM answers of served tickets, and --complaints
open complaints in a hall of their own. The daily rollup task runs once
(the first run on a history), then each row of the issue's table is
measured side by side in one run on a gunicorn it starts (--workers,
--threads), and printed with its ratio or target:

- ticket issue, closed loop of 8 clients, against pgbench running the same
  SQL statements (``TICKET_ISSUE_SQL``: what one issue runs) with 8 clients;
- board poll answered 304 against a static file from the same gunicorn;
- board poll at the seeded size against the demo size (with --demo-db side
  by side, a second gunicorn on a demo-only database, alternating rounds;
  without it, against the figure saved when the database was seeded);
- board HTML page, queue statistics 30 and 365 days, IKM page of this
  year (median of several requests through the same gunicorn); the
  statistics also with nothing cached, after yesterday is rolled up again,
  and on the first visit after the nightly task (services.rollup);
- the SLA scan's first and second run over the open complaints (time,
  queries, the longest transaction).

The machine is shared and noisy: the ratios are the figures to compare.
"""

import argparse
import datetime
import http.client
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
os.environ.setdefault("DEBUG", "1")

DEMO_HALL = "perigo-agung"
RATE_OVERRIDES = {
    "API_RATE_BOARD": "100000000/min",
    "API_RATE_TRUSTED": "100000000/min",
    "API_RATE_USER": "100000000/min",
    "KIOSK_TICKETS_PER_MINUTE": "100000000",
}
RESULTS = ROOT / "var" / "bench-scale.json"
STATIC_ROOT = ROOT / "var" / "bench-static"


# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
def database_url(name):
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def create_database(name, *, reuse):
    import psycopg

    admin = database_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def django_setup():
    import django

    django.setup()


def prepare_demo():
    """Migrate, load the demo, open the demo hall around the clock; return ids."""
    from django.core.management import call_command
    from django.utils import timezone

    from mpp_portal.accounts.models import User
    from mpp_portal.accounts.services import token_issue
    from mpp_portal.organizations.models import Hall, OfficeHours
    from mpp_portal.workdays.models import CalendarDay

    call_command("migrate", verbosity=0)
    if not Hall.objects.filter(slug=DEMO_HALL).exists():
        call_command("seed_demo", verbosity=0)
    hall = Hall.objects.get(slug=DEMO_HALL)
    for weekday in range(7):
        OfficeHours.objects.update_or_create(
            hall=hall,
            weekday=weekday,
            defaults={
                "opens": datetime.time(0, 0),
                "closes": datetime.time(23, 59, 59),
                "is_closed": False,
            },
        )
    CalendarDay.objects.update_or_create(
        date=timezone.localdate(),
        hall=hall,
        defaults={"kind": CalendarDay.Kind.OPEN, "name": "Benchmark"},
    )
    kiosk = User.objects.filter(hall=hall, role=User.Role.KIOSK).first()
    return hall, token_issue(user=kiosk)


def prepare_demo_database(name):
    """A second database with the demo only (``--demo-db``), prepared in a child process.

    Migrated, the demo loaded, the demo hall opened around the clock as
    prepare_demo() does here; kept when it exists.
    """
    url = database_url(name)
    create_database(name, reuse=True)
    code = (
        "import sys; sys.path.insert(0, 'bench'); import scale; scale.django_setup(); "
        "scale.prepare_demo()"
    )
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    return url


def forget_page_cache():
    """Delete the statistics page's cached closed days (services.rollup) from Redis."""
    from django.conf import settings

    location = settings.CACHES["default"].get("LOCATION")
    if not str(location or "").startswith("redis"):
        return
    import redis

    client = redis.Redis.from_url(location)
    for key in client.scan_iter(match="*stats-closed:*", count=1000):
        client.delete(key)


def side_by_side_polls(port, demo_port, slug, *, clients, seconds, rounds=3):
    """Board polls (304/s) of the seeded and the demo database, alternating; medians."""
    seeded, demo = [], []
    for _round in range(rounds):
        demo.append(board_rates(demo_port, slug, clients=clients, seconds=seconds)[0])
        seeded.append(board_rates(port, slug, clients=clients, seconds=seconds)[0])
    return statistics.median(seeded), statistics.median(demo), seeded, demo


def seed(hall, *, tickets, answers, complaints):
    """Fill the database with ``generate_series`` (minutes at 1M rows, not hours)."""
    from django.db import connection
    from django.utils import timezone

    from mpp_portal.organizations.models import Agency, Hall
    from services.models import CounterService, Service

    today = timezone.localdate()
    services = list(
        Service.objects.filter(agency__hall=hall, is_active=True).values_list("pk", "agency_id")
    )
    links = list(
        CounterService.objects.filter(service__agency__hall=hall).values_list(
            "service_id", "counter_id"
        )
    )
    counter_of = {}
    for service_id, counter_id in links:
        counter_of.setdefault(service_id, counter_id)
    service_ids = [pk for pk, _agency in services]
    counters = [counter_of.get(pk) for pk in service_ids]
    first_day = today - datetime.timedelta(days=365)
    with connection.cursor() as cursor:
        # Working days (Monday to Friday) of the last year, today excluded.
        cursor.execute(
            """
            CREATE TEMP TABLE bench_days AS
            SELECT row_number() OVER (ORDER BY d) - 1 AS i, d::date AS day
            FROM generate_series(%s::date, %s::date - 1, '1 day') AS d
            WHERE extract(isodow FROM d) < 6
            """,
            [first_day, today],
        )
        cursor.execute("SELECT count(*) FROM bench_days")
        days = cursor.fetchone()[0]
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO services_ticket (
                service_id, numbered_service_id, date, number, code, tracking_code,
                priority, status, issued_at, queued_at, called_at, started_at, finished_at,
                counter_id, booked_first, call_count, requeued, note, phone,
                near_turn_notified)
            SELECT svc, svc, d.day, n, 'S-' || n, 'SCALE-' || n,
                   CASE WHEN n %% 9 = 0 THEN 'lansia' ELSE 'normal' END,
                   st, issued, issued,
                   CASE WHEN st IN ('done', 'skipped')
                        THEN issued + (n %% 3600) * interval '1 second' END,
                   CASE WHEN st = 'done' THEN issued + (n %% 3600 + 60) * interval '1 second' END,
                   CASE WHEN st = 'done'
                        THEN issued + (n %% 3600 + 240 + n %% 900) * interval '1 second' END,
                   CASE WHEN st IN ('done', 'skipped') THEN ctr END,
                   false, 1, false, '', '', false
            FROM generate_series(1, %(tickets)s) AS n
            JOIN bench_days d ON d.i = (n::bigint * %(days)s) / (%(tickets)s + 1)
            CROSS JOIN LATERAL (
                SELECT (%(services)s::bigint[])[1 + n %% %(nservices)s] AS svc,
                       (%(counters)s::bigint[])[1 + n %% %(nservices)s] AS ctr,
                       CASE WHEN n %% 20 = 0 THEN 'skipped'
                            WHEN n %% 20 = 1 THEN 'cancelled' ELSE 'done' END AS st,
                       (d.day + time '08:00' + (n %% 25200) * interval '1 second')
                           AT TIME ZONE 'Asia/Jakarta' AS issued
            ) x
            """,
            {
                "tickets": tickets,
                "days": days,
                "services": service_ids,
                "counters": counters,
                "nservices": len(service_ids),
            },
        )
        print(
            f"seeded {tickets:,} tickets over {days} working days "
            f"in {time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        # Every fourth served ticket answered the survey, up to --answers.
        cursor.execute(
            """
            INSERT INTO services_surveyresponse (
                ticket_id, service_id, agency_id, hall_id, date, u1, u2, u3, u4, u5, u6, u7,
                u8, u9, sex, age_band, education, occupation, suggestion, channel, created_at)
            SELECT t.id, t.service_id, s.agency_id, %(hall)s, t.date,
                   1 + t.id %% 4, 1 + (t.id / 3) %% 4, 2 + t.id %% 3, 3 + t.id %% 2,
                   1 + (t.id / 5) %% 4, 2 + (t.id / 7) %% 3, 3, 4, 1 + (t.id / 11) %% 4,
                   (ARRAY['L','P',''])[1 + t.id %% 3],
                   (ARRAY['<20','20-29','30-39','40-49','50+'])[1 + t.id %% 5],
                   (ARRAY['sd','smp','sma','diploma','s1','s2'])[1 + t.id %% 6],
                   (ARRAY['pns','swasta','wirausaha','petani','pelajar','lainnya'])
                       [1 + t.id %% 6],
                   CASE WHEN t.id %% 50 = 0 THEN 'Saran nomor ' || t.id ELSE '' END,
                   'web', t.finished_at
            FROM services_ticket t JOIN services_service s ON s.id = t.service_id
            WHERE t.tracking_code LIKE 'SCALE-%%' AND t.status = 'done' AND t.number %% 4 = 0
            ORDER BY t.id
            LIMIT %(answers)s
            """,
            {"hall": hall.pk, "answers": answers},
        )
        print(f"seeded {cursor.rowcount:,} survey answers in {time.perf_counter() - started:.0f} s")
        # One ticket in a hundred was transferred to another service.
        cursor.execute(
            """
            INSERT INTO services_tickettransfer (ticket_id, from_service_id, to_service_id, at)
            SELECT t.id, t.service_id, t.service_id, t.called_at
            FROM services_ticket t
            WHERE t.tracking_code LIKE 'SCALE-%%' AND t.number %% 100 = 7
            """,
            {},
        )
    # Complaints: a hall of their own, as bench/sla_scan.py.
    sla_hall, _ = Hall.objects.get_or_create(
        slug="bench-sla", defaults={"name": "MPP Bench SLA", "address": "127.0.0.1", "code": "BEN"}
    )
    agency, _ = Agency.objects.get_or_create(
        hall=sla_hall,
        slug="bench",
        defaults={
            "name": "Instansi Bench",
            "short_name": "Bench",
            "kind": Agency.Kind.REGIONAL,
            "contact_email": "instansi@bench.test",
        },
    )
    from mpp_portal.accounts.models import User

    User.objects.get_or_create(
        username="bench.admin",
        defaults={"role": User.Role.HALL_ADMIN, "hall": sla_hall, "email": "admin@bench.test"},
    )
    started = time.perf_counter()
    seed_complaints(sla_hall, agency, complaints)
    print(f"seeded {complaints:,} open complaints in {time.perf_counter() - started:.0f} s")


def seed_complaints(hall, agency, count):
    from django.db import connection
    from django.utils import timezone

    from mpp_portal.workdays import JAKARTA, add_working_days

    now = timezone.now()
    today = timezone.localtime(now, JAKARTA).date()
    tomorrow = add_working_days(today, 1)
    due = [
        now - datetime.timedelta(days=1),
        now + datetime.timedelta(minutes=30),
        datetime.datetime.combine(tomorrow, datetime.time(16), tzinfo=JAKARTA),
        now + datetime.timedelta(days=30),
    ]
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


# ---------------------------------------------------------------------------
# Server and clients
# ---------------------------------------------------------------------------
def collect_static(db_url):
    """collectstatic into a folder of its own, as a deployment does (DEBUG off)."""
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "STATIC_MANIFEST": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "STATIC_ROOT": str(STATIC_ROOT),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_server(port, workers, threads, db_url):
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(STATIC_ROOT),
        "STATIC_MANIFEST": "1",
        **RATE_OVERRIDES,
    }
    command = [sys.executable, "-m", "gunicorn", "mpp_portal.wsgi", "-c", "gunicorn.conf.py"]
    command += ["-b", f"127.0.0.1:{port}", "-w", str(workers), "--log-level", "warning"]
    if threads:
        command += ["--threads", str(threads)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def stop_server(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


class Client(threading.local):
    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.read(), response
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def closed_loop(send, *, clients, seconds, warmup=2.0):
    """Run ``clients`` threads sending back to back; return (answers/s, statuses)."""
    stop = threading.Event()
    counting = threading.Event()
    counts, statuses = [0] * clients, {}
    lock = threading.Lock()

    def loop(index):
        while not stop.is_set():
            status = send(index)
            if counting.is_set():
                counts[index] += 1
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    counting.set()
    started = time.perf_counter()
    time.sleep(seconds)
    counting.clear()
    elapsed = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join(30)
    return sum(counts) / elapsed, statuses


def median_ms(client, path, *, headers=None, times=7):
    client.request("GET", path, headers=headers)  # warm
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        status, _body, _response = client.request("GET", path, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
    return statistics.median(samples)


def board_rates(port, slug, *, clients, seconds):
    """Board polls answered 304 per second, and a static file per second."""
    client = Client(port)
    board = f"/api/v1/halls/{slug}/board/"
    _status, _body, response = client.request("GET", board)
    etag = response.getheader("ETag")

    def poll(_i):
        return client.request("GET", board, headers={"If-None-Match": etag})[0]

    static = static_path()

    def fetch(_i):
        return client.request("GET", static)[0]

    polls, poll_statuses = closed_loop(poll, clients=clients, seconds=seconds)
    files, file_statuses = closed_loop(fetch, clients=clients, seconds=seconds)
    return polls, files, poll_statuses, file_statuses


def static_path():
    from django.templatetags.static import static

    return static("services/board.js")


def log_in(client, username):
    """Sign in through the login form; return the session cookie header."""
    status, body, response = client.request("GET", "/akun/masuk/")
    cookies = _cookies(response)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": "demo12345"}
    )
    status, body, response = client.request(
        "POST",
        "/akun/masuk/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookies,
            "Referer": f"http://127.0.0.1:{client.port}/akun/masuk/",
        },
    )
    if status != 302:
        raise SystemExit(f"login of {username}: {status}")
    return _merge_cookies(cookies, _cookies(response))


def _cookies(response):
    pairs = []
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            pairs.append(value.split(";", 1)[0])
    return "; ".join(pairs)


def _merge_cookies(old, new):
    jar = dict(pair.split("=", 1) for pair in old.split("; ") if pair)
    jar.update(dict(pair.split("=", 1) for pair in new.split("; ") if pair))
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# ---------------------------------------------------------------------------
# Ticket issue: the API against pgbench running the same statements
# ---------------------------------------------------------------------------
def ticket_issue_statements(token, service_id):
    """Return the SQL one ticket issue runs (captured in-process), for the printout."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(ALLOWED_HOSTS=["testserver"]):
        return _captured_issue(DjangoClient, CaptureQueriesContext, connection, token, service_id)


def _captured_issue(DjangoClient, CaptureQueriesContext, connection, token, service_id):
    client = DjangoClient(HTTP_AUTHORIZATION=f"Token {token}")
    client.post(
        "/api/v1/tickets/",
        {"service": service_id},
        content_type="application/json",
    )  # warm the caches as a running kiosk has them
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/tickets/",
            {"service": service_id},
            content_type="application/json",
        )
    if response.status_code != 201:
        raise SystemExit(
            f"ticket issue in-process: {response.status_code} {response.content[:300]}"
        )
    return [q["sql"] for q in queries.captured_queries]


def pgbench_script(statements):
    """Write ``statements`` as a pgbench script that issues a new number each time.

    Literal values of the captured statements stay, except those a new
    ticket needs fresh: the ticket's number, code and tracking code and the
    audit entry's object id come from the sequence upsert's RETURNING and
    from pgbench's random(); the rest is the same text PostgreSQL parsed.
    """
    lines = []
    for sql in statements:
        # One line each (pgbench's format): comments would swallow the rest.
        sql = " ".join(re.sub(r"--[^\n]*", "", sql).split())
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            continue
        if "services_ticketsequence" in sql and "RETURNING" in sql:
            lines.append(sql + " \\gset seq_")
            continue
        if sql.startswith('INSERT INTO "services_ticket"'):
            sql = re.sub(
                r"'[23456789A-Z]{5}-[23456789A-Z]{5}'", "substr(md5(random()::text), 1, 11)", sql
            )
            sql = re.sub(r"RETURNING .*$", 'RETURNING "services_ticket"."id"', sql)
            sql += " \\gset ticket_"
            # Number and code from the sequence row just claimed.
            sql = re.sub(
                r"(\d{4}-\d{2}-\d{2}'::date, )(\d+), '([A-Z]+)-\d+'",
                r"\1:seq_last_number, '\3-' || :seq_last_number",
                sql,
            )
        # The new ticket's place: of the ticket this run inserted.
        sql = re.sub(r"WHERE me\.id = \d+", "WHERE me.id = :ticket_id", sql)
        lines.append(sql)
    return (
        "\n".join(f"{line};" if not line.endswith(("seq_", "ticket_")) else line for line in lines)
        + "\n"
    )


def ticket_issue_rates(port, token, service_ids, statements, db_url, *, seconds):
    client = Client(port)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def issue(i):
        body = json.dumps({"service": service_ids[i % len(service_ids)]})
        return client.request("POST", "/api/v1/tickets/", body, headers)[0]

    api, statuses = closed_loop(issue, clients=8, seconds=seconds)
    script = pgbench_script(statements)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    parts = urllib.parse.urlsplit(db_url)
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    result = subprocess.run(
        [
            "pgbench",
            "-n",
            "-c",
            "8",
            "-j",
            "2",
            "-T",
            str(int(seconds)),
            "-h",
            parts.hostname,
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username,
            "-f",
            handle.name,
            parts.path.lstrip("/"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    match = re.search(r"tps = ([\d.]+) \(without initial", result.stdout)
    if not match:
        print(script)
        raise SystemExit("pgbench failed:\n" + result.stdout + result.stderr)
    return api, float(match.group(1)), statuses, script


# ---------------------------------------------------------------------------
# SLA scan
# ---------------------------------------------------------------------------
def sla_runs():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.sla import complaint_sla_scan

    runs = []
    for _run in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = complaint_sla_scan()
            elapsed = time.perf_counter() - started
        runs.append((elapsed, len(queries), result, longest_transaction(queries)))
    return runs


def longest_transaction(queries):
    """The longest stretch of statements between BEGIN-like and COMMIT (seconds)."""
    longest = current = 0.0
    inside = False
    for query in queries.captured_queries:
        sql = query["sql"].upper()
        took = float(query["time"])
        if sql.startswith("SAVEPOINT") or sql.startswith("BEGIN"):
            inside = True
        if inside:
            current += took
        if sql.startswith(("RELEASE SAVEPOINT", "COMMIT", "ROLLBACK")):
            longest, current, inside = max(longest, current), 0.0, False
    return max(longest, current)


class _Rows(list):
    """The table's rows, each also printed as soon as it is measured."""

    def append(self, row):
        print("measured:", " | ".join(row), flush=True)
        super().append(row)


def _serving_and_pages(args, rows, hall, token, db_url, demo, ticket_count):
    """Measure the ticket issue, board, statistics and IKM rows on a gunicorn."""
    from django.utils import timezone

    from services.models import Service

    server = start_server(args.port, args.workers, args.threads, db_url)
    client = Client(args.port)
    try:
        # Four walk-in services of the hall, without their daily cap (a run
        # issues thousands of tickets).
        service_ids = list(
            Service.objects.filter(agency__hall=hall, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:4]
        )
        Service.objects.filter(pk__in=service_ids).update(
            daily_ticket_cap=None, accepted_priorities=[]
        )
        statements = ticket_issue_statements(token, service_ids[0])
        api, pg, statuses, _script = ticket_issue_rates(
            args.port, token, service_ids, statements, db_url, seconds=args.seconds
        )
        rows.append(
            (
                f"ticket issue, closed loop 8 clients, vs pgbench running the same "
                f"{len(statements)} SQL statements",
                f"{api / pg:.2f} ({api:.0f} vs {pg:.0f} tps)",
                ">= 0.35",
            )
        )
        # The tickets this and earlier runs issued above wait today (thousands,
        # beyond any real hall's day): set aside, so the board rows compare
        # a year of history, not the bench's own queue (a raw UPDATE of the
        # bench's database, no transition: they were never called).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE services_ticket SET status = 'cancelled' WHERE date = %s "
                "AND status = 'waiting' AND service_id IN "
                "(SELECT s.id FROM services_service s JOIN organizations_agency a "
                "ON a.id = s.agency_id WHERE a.hall_id = %s)",
                [timezone.localdate(), hall.pk],
            )
            print(f"set aside {cursor.rowcount:,} tickets the bench issued today", flush=True)
        polls, files, poll_statuses, _files = board_rates(
            args.port, hall.slug, clients=args.clients, seconds=args.seconds
        )
        rows.append(
            (
                "board poll (304) vs a static file from the same gunicorn",
                f"{polls / files:.2f} ({polls:.0f} vs {files:.0f}/s)",
                ">= 0.30",
            )
        )
        if args.demo_db:
            # Side by side in this run: a gunicorn on a demo-size database.
            demo_server = start_server(
                args.port + 1, args.workers, args.threads, prepare_demo_database(args.demo_db)
            )
            try:
                seeded, at_demo, seeded_all, demo_all = side_by_side_polls(
                    args.port,
                    args.port + 1,
                    hall.slug,
                    clients=args.clients,
                    seconds=args.seconds,
                )
            finally:
                stop_server(demo_server)
            pairs = ", ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(seeded_all, demo_all, strict=True))
            rows.append(
                (
                    f"board poll (304) at {ticket_count:,} tickets vs at demo size, side by "
                    f"side (two gunicorns, alternating, median of {len(seeded_all)})",
                    f"{seeded / at_demo:.2f} ({seeded:.0f} vs {at_demo:.0f}/s; rounds {pairs})",
                    ">= 0.95",
                )
            )
        elif demo:
            rows.append(
                (
                    f"board poll (304) at {ticket_count:,} tickets vs at demo size",
                    f"{polls / demo['polls']:.2f} ({polls:.0f} vs {demo['polls']:.0f}/s)",
                    ">= 0.95",
                )
            )
        if args.serving_only:
            return
        rows.append(
            (
                f"board HTML page at {ticket_count:,} tickets",
                f"{median_ms(client, f'/antrean/layar/{hall.slug}/'):.0f} ms",
                "< 50 ms",
            )
        )
        cookie = log_in(client, "admin.mpp")
        today = timezone.localdate()
        paths = []
        for days in (30, 365):
            start = today - datetime.timedelta(days=days - 1)
            paths.append(
                f"/antrean/statistik/?preset=custom&start={start:%Y-%m-%d}&end={today:%Y-%m-%d}"
            )
        from services.rollup import rollup_days, warm_page_cache

        def once(path):
            started = time.perf_counter()
            status, _body, _response = client.request("GET", path, headers={"Cookie": cookie})
            if status != 200:
                raise SystemExit(f"GET {path}: {status}")
            return (time.perf_counter() - started) * 1000

        # Nothing cached (after a deployment or a cache flush): each range
        # reads every rolled day.
        empty = []
        for path in paths:
            forget_page_cache()
            empty.append(once(path))
        # The night: yesterday rolled up again (a new version of this month),
        # without computing ahead: the other months come from the cache.
        rollup_days([today - datetime.timedelta(days=1)])
        night = [once(path) for path in paths]
        # The nightly task as it runs: the common ranges computed ahead.
        rollup_days([today - datetime.timedelta(days=1)])
        started = time.perf_counter()
        passes = warm_page_cache()
        ahead = time.perf_counter() - started
        first = [once(path) for path in paths]
        timings = [median_ms(client, path, headers={"Cookie": cookie}, times=5) for path in paths]
        rows.append(
            (
                f"queue statistics, 30 days / 365 days, at {ticket_count:,} tickets",
                f"{timings[0]:.0f} ms / {timings[1]:.0f} ms (first visit after the nightly "
                f"task {first[0]:.0f} / {first[1]:.0f} ms, its {passes} ranges ahead in "
                f"{ahead:.1f} s; yesterday rolled up again, nothing ahead {night[0]:.0f} / "
                f"{night[1]:.0f} ms; nothing cached {empty[0]:.0f} / {empty[1]:.0f} ms)",
                "< 300 ms / < 1 s",
            )
        )
        from services.models import SurveyResponse

        answers = SurveyResponse.objects.filter(hall=hall).count()
        ikm = median_ms(client, "/skm/?period=this_year", headers={"Cookie": cookie}, times=5)
        rows.append(
            (
                f"IKM page, this year, at {ticket_count:,} tickets + {answers:,} answers",
                f"{ikm:.0f} ms",
                "< 200 ms",
            )
        )
    finally:
        stop_server(server)
    print("board poll statuses:", poll_statuses, "ticket issue statuses:", statuses)


def _print_table(rows):
    print()
    print("| what | measured | target |")
    print("|---|---|---|")
    for what, measured, target in rows:
        print(f"| {what} | {measured} | {target} |")
    print()


# ---------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="mpp_scale")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--demo-db",
        help="a database with the demo only (created when missing): its board poll is "
        "measured side by side with the seeded one's on a second gunicorn (port + 1)",
    )
    parser.add_argument(
        "--sla-only", action="store_true", help="only the SLA scan row (a reused database)"
    )
    parser.add_argument(
        "--serving-only",
        action="store_true",
        help="only the ticket issue and board poll rows (to compare gunicorn settings)",
    )
    args = parser.parse_args()

    db_url = database_url(args.db)
    fresh = create_database(args.db, reuse=args.reuse)
    os.environ["DATABASE_URL"] = db_url
    django_setup()

    from services.models import Ticket

    hall, token = prepare_demo()
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    print(
        f"bench/scale.py {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, gunicorn -w {args.workers} --threads {args.threads}, "
        f"database {args.db}"
    )

    collect_static(db_url)
    server = None
    try:
        if fresh or not Ticket.objects.filter(tracking_code__startswith="SCALE-").exists():
            server = start_server(args.port, args.workers, args.threads, db_url)
            polls, files, *_ = board_rates(
                args.port, hall.slug, clients=args.clients, seconds=args.seconds
            )
            saved["demo"] = {"polls": polls, "files": files}
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(json.dumps(saved))
            stop_server(server)
            server = None
            seed(hall, tickets=args.tickets, answers=args.answers, complaints=args.complaints)
            from services.rollup import rollup_closed_days

            started = time.perf_counter()
            days = rollup_closed_days()
            print(
                f"daily rollup, first run over the history: {days} days in "
                f"{time.perf_counter() - started:.1f} s"
            )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        demo = saved.get("demo")
        ticket_count = Ticket.objects.count()

        rows = _Rows()
        if not args.sla_only:
            _serving_and_pages(args, rows, hall, token, db_url, demo, ticket_count)
        if args.serving_only:
            _print_table(rows)
            return

        from complaints.models import Complaint, ReminderLog

        if ReminderLog.objects.filter(complaint__hall__slug="bench-sla").exists():
            # An earlier run scanned them: the first run needs them unclaimed.
            from mpp_portal.organizations.models import Agency
            from mpp_portal.organizations.models import Hall as HallModel

            sla_hall = HallModel.objects.only("id").get(slug="bench-sla")
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM complaints_reminderlog WHERE complaint_id IN "
                    "(SELECT id FROM complaints_complaint WHERE hall_id = %s)",
                    [sla_hall.pk],
                )
                cursor.execute("DELETE FROM complaints_complaint WHERE hall_id = %s", [sla_hall.pk])
            count = args.complaints
            seed_complaints(sla_hall, Agency.objects.only("id").get(hall=sla_hall), count)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        open_count = Complaint.objects.filter(status__in=["submitted", "dispatched"]).count()
        runs = sla_runs()
        (first, queries, result, longest), (second, queries2, _r2, _l2) = runs
        rows.append(
            (
                f"SLA scan, {open_count:,} open complaints, first run",
                f"{first:.1f} s, {queries} queries, longest transaction {longest:.1f} s "
                f"(claimed {result}); second run {second:.2f} s, {queries2} queries",
                "< 5 s, constant queries, no long transaction",
            )
        )
        _print_table(rows)
    finally:
        if server is not None:
            stop_server(server)


if __name__ == "__main__":
    main()
