"""Fault run: Redis, PostgreSQL and the Celery worker fail under a steady load.

Reproduces issue 14's fault run on one machine with instances of its own:
a PostgreSQL (the machine's binaries under /usr/lib/postgresql, else the
ones the pgserver package ships) and a redis-server, each on a free port
with its data in a temporary folder, never the machine's 5432 or 6379. It
migrates them, loads the demo (seed_demo), starts gunicorn, a Celery
worker and beat as the Procfile does, issues a kiosk token and a hall-admin
token (manage.py issue_token), and points the Disdukcapil webhook at an
HTTP receiver of its own that records every delivery id it gets.

    python bench/faults.py                          # 75 s of load, about 3 min in all
    python bench/faults.py --duration 90 --redis-at 10 --pg-at 40 --worker-at 65
    python bench/faults.py --ticket-rate 10 --poll-rate 20 --dispatch-rate 2 --drain 300

Load, from threads, all to 127.0.0.1, for --duration seconds: kiosk
ticket issues (POST /api/v1/tickets/, --ticket-rate a second), board polls
(GET /api/v1/halls/perigo-agung/board/, --poll-rate) and complaints filed
and dispatched by the hall admin through the API (--dispatch-rate). The
demo hall is opened around the clock and its walk-in caps lifted in the
bench's own database, so the run works at any hour; the server's rate
limits are lifted (one address stands for a whole hall).

Faults, on a schedule measured from the start of the load: Redis stopped
at --redis-at for --redis-down seconds (15) and started again empty (no
persistence: queued messages are gone); PostgreSQL stopped (fast shutdown)
at --pg-at for --pg-down seconds (10) and started again; the worker killed
with SIGKILL at --worker-at and a new one started. The worker and beat run
with CELERY_TASK_TIME_LIMIT=30, so a job the killed worker held counts as
lost to the jobs table after 90 s instead of 6 minutes and is sent again.

After the load it waits up to --drain seconds for every dispatch the
database holds to reach the receiver, then prints requests per kind, 5xx
per kind inside each outage window (from the stop until the service
answers again), in the --grace seconds after it, and elsewhere; tasks
lost (a dispatch committed whose webhook never arrived), duplicated (a
delivery id received twice, or two deliveries for one dispatch), delayed
(arrival after the dispatch answered, p50 and max), duplicate ticket
numbers, and whether the targets hold: 0 lost, 0 duplicated, no 5xx
outside an outage and its grace, none from the kiosk or the board while
only Redis is down. It exits 1 when a target is missed.

Everything it starts runs in a process group of its own and is stopped at
the end, also on Ctrl+C or an error; --keep leaves the temporary folder
(logs of every process) in place.
"""

import argparse
import glob
import http.client
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "mpp_i5_faults"
HALL = "perigo-agung"
AGENCY = "disdukcapil"
KINDS = ("ticket", "board", "complaint", "dispatch")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout, what):
    """Call ``check`` until it returns true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up in {timeout:g} s")


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if found:
        return Path(found[-1]).parent
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


class Processes:
    """Every process the bench starts, each in a process group of its own."""

    def __init__(self, folder):
        self.folder = folder
        self.running = {}
        # Once closed, a fault thread still running starts nothing again.
        self.closed = False
        self.lock = threading.Lock()

    def start(self, name, argv, *, env=None, user=None):
        with self.lock:
            if self.closed:
                raise RuntimeError(f"the run is ending: {name} is not started again")
            with open(self.folder / f"{name}.log", "ab") as log:
                process = subprocess.Popen(
                    argv,
                    cwd=ROOT,
                    env=env,
                    user=user,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.running[name] = process
        return process

    def stop(self, name, sig=signal.SIGTERM, timeout=20):
        """Send ``sig`` to the group of ``name``; SIGKILL it after ``timeout`` s."""
        process = self.running.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        except ProcessLookupError:
            pass

    def stop_all(self):
        with self.lock:
            self.closed = True
        # The web and the workers first, the stores they use last.
        order = ["beat", "worker", "web", *self.running]
        for name in dict.fromkeys(order):
            if name in self.running:
                self.stop(name, signal.SIGINT if name == "postgres" else signal.SIGTERM)


class Receiver(http.server.ThreadingHTTPServer):
    """The agency's system: records (delivery id, tracking id, arrival) of each POST."""

    daemon_threads = True

    def __init__(self, port):
        self.lock = threading.Lock()
        self.arrivals = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):  # noqa: N805 - the receiver is the closure's self
                length = int(handler.headers.get("Content-Length") or 0)
                body = json.loads(handler.rfile.read(length) or b"{}")
                with self.lock:
                    self.arrivals.append(
                        (
                            handler.headers.get("X-MPP-Delivery", ""),
                            body.get("tracking_id", ""),
                            time.monotonic(),
                        )
                    )
                handler.send_response(200)
                handler.send_header("Content-Length", "0")
                handler.end_headers()

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", port), Handler)


class Client(threading.local):
    """One keep-alive connection per thread (as bench/queue_load.py)."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Send one request (reconnecting once); return (status, body)."""
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def manage(env, *args):
    """Run manage.py with the bench's environment; return its stdout."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare(receiver_port):
    """Open the demo hall around the clock, lift its caps, point the webhook here.

    Runs in this process against the bench's own database (DATABASE_URL is
    set before Django starts). Return (service ids, agency id).
    """
    import datetime

    import django

    django.setup()
    from django.utils import timezone

    from mpp_portal.organizations.models import Agency, Hall, OfficeHours
    from mpp_portal.webhooks.models import Webhook
    from mpp_portal.workdays.models import CalendarDay
    from services.models import Service

    hall = Hall.objects.get(slug=HALL)
    for weekday in range(7):
        OfficeHours.objects.update_or_create(
            hall=hall,
            weekday=weekday,
            defaults={"opens": datetime.time(0, 0), "closes": datetime.time(23, 59, 59)},
        )
    CalendarDay.objects.update_or_create(
        date=timezone.localdate(),
        hall=hall,
        defaults={"kind": CalendarDay.Kind.OPEN, "name": "Fault bench"},
    )
    services = list(Service.objects.filter(agency__hall=hall, is_active=True).order_by("pk")[:4])
    no_cap = None if Service._meta.get_field("daily_ticket_cap").null else 0
    Service.objects.filter(pk__in=[s.pk for s in services]).update(daily_ticket_cap=no_cap)
    agency = Agency.objects.get(hall=hall, slug=AGENCY)
    Webhook.objects.update_or_create(
        agency=agency,
        url=f"http://127.0.0.1:{receiver_port}/hook",
        defaults={"secret": secrets.token_hex(16), "is_active": True},
    )
    return [s.pk for s in services], agency.pk


def dispatched_in_database(tracking_ids):
    """Tracking ids among ``tracking_ids`` whose dispatch the database committed."""
    from django.db import connections

    from complaints.models import Complaint

    connections.close_all()  # the connection may predate the PostgreSQL restart
    return set(
        Complaint.objects.filter(
            tracking_id__in=tracking_ids, dispatched_at__isnull=False
        ).values_list("tracking_id", flat=True)
    )


def run_load(rate, duration, send, workers, origin):
    """Send ``rate`` requests a second for ``duration`` s on schedule.

    Return [(sent, took, status, body)] with ``sent`` in seconds since
    ``origin`` (time.monotonic()); status 0 is a connection failure.
    """
    total = int(rate * duration)

    def fire(i):
        delay = origin + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        began = time.monotonic()
        try:
            status, body = send(i)
        except Exception as exc:  # noqa: BLE001 - counted, not hidden
            status, body = 0, str(exc).encode()
        return began - origin, time.monotonic() - began, status, body

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fire, range(total)))


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main():  # noqa: C901, PLR0915 - one run, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=75, help="seconds of load")
    parser.add_argument("--ticket-rate", type=float, default=5, help="kiosk tickets a second")
    parser.add_argument("--poll-rate", type=float, default=10, help="board polls a second")
    parser.add_argument(
        "--dispatch-rate", type=float, default=1, help="complaints filed and dispatched a second"
    )
    parser.add_argument("--redis-at", type=float, default=10)
    parser.add_argument("--redis-down", type=float, default=15)
    parser.add_argument("--pg-at", type=float, default=35)
    parser.add_argument("--pg-down", type=float, default=10)
    parser.add_argument("--worker-at", type=float, default=55)
    parser.add_argument(
        "--grace", type=float, default=5, help="seconds after a restart still counted with it"
    )
    parser.add_argument("--drain", type=float, default=180, help="most seconds to wait after")
    parser.add_argument("--workers", type=int, default=8, help="client threads per kind")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mpp-faults-"))
    folder.chmod(0o755)  # PostgreSQL runs as its own user when we are root
    procs = Processes(folder)
    receiver = None
    # SIGTERM ends the run like Ctrl+C: through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    # Also when started in the background by a shell, which ignores SIGINT there.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # -- PostgreSQL and Redis of our own ------------------------------
        bindir = pg_bin()
        pg_user = "postgres" if os.geteuid() == 0 else None
        pgdata = folder / "pgdata"
        pgdata.mkdir()
        if pg_user:
            shutil.chown(pgdata, pg_user)
        subprocess.run(
            [bindir / "initdb", "-D", pgdata, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            user=pg_user,
            check=True,
            capture_output=True,
        )
        pg_port, redis_port, web_port, hook_port = (free_port() for _ in range(4))
        pg_argv = [
            bindir / "postgres",
            "-D",
            pgdata,
            "-p",
            str(pg_port),
            "-k",
            str(pgdata),
            "-c",
            "listen_addresses=127.0.0.1",
        ]
        redis_argv = [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(folder),
        ]

        def pg_ready():
            ready = subprocess.run(
                [bindir / "pg_isready", "-h", "127.0.0.1", "-p", str(pg_port), "-q"],
                check=False,
            )
            return ready.returncode == 0

        def redis_ready():
            with socket.create_connection(("127.0.0.1", redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        def start_pg():
            procs.start("postgres", pg_argv, user=pg_user)
            wait_for(pg_ready, 60, "PostgreSQL")

        def start_redis():
            procs.start("redis", redis_argv)
            wait_for(redis_ready, 30, "Redis")

        start_pg()
        start_redis()
        subprocess.run(
            [bindir / "createdb", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", DB_NAME],
            check=True,
        )
        print(f"PostgreSQL on 127.0.0.1:{pg_port}, Redis on 127.0.0.1:{redis_port}, in {folder}")

        os.environ.update(
            DJANGO_SETTINGS_MODULE="mpp_portal.settings",
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{pg_port}/{DB_NAME}",
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            DEBUG="1",
        )
        setup_env = dict(os.environ)
        server_env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "ACCESS_LOG_ADDRESSES": "none",
            # One address stands for a hall's kiosks, TVs and admins.
            "API_RATE_BOARD": "1000000/min",
            "API_RATE_TRUSTED": "1000000/min",
            "API_RATE_USER": "1000000/min",
            "API_RATE_COMPLAINTS": "1000000/hour",
            "KIOSK_TICKETS_PER_MINUTE": "1000000",
            # A job the killed worker held is lost after this + 60 s.
            "CELERY_TASK_TIME_LIMIT": "30",
            "CELERY_TASK_SOFT_TIME_LIMIT": "20",
        }

        started = time.monotonic()
        manage(setup_env, "migrate", "--noinput")
        manage(setup_env, "seed_demo", "--force")
        kiosk_token = manage(setup_env, "issue_token", "kiosk").strip().splitlines()[-1]
        admin_token = manage(setup_env, "issue_token", "admin.mpp").strip().splitlines()[-1]
        receiver = Receiver(hook_port)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        service_ids, agency_id = prepare(hook_port)
        print(f"migrated and seeded in {time.monotonic() - started:.0f} s")

        python = sys.executable
        procs.start(
            "web",
            [
                python,
                "-m",
                "gunicorn",
                "mpp_portal.wsgi",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{web_port}",
                "--workers",
                "2",
            ],
            env=server_env,
        )
        worker_argv = [
            python,
            "-m",
            "celery",
            "-A",
            "mpp_portal",
            "worker",
            "-l",
            "info",
            "-c",
            "2",
            "--pool",
            "threads",
        ]
        procs.start("worker", worker_argv, env=server_env)
        procs.start(
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "mpp_portal",
                "beat",
                "-l",
                "info",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "--pidfile=",
            ],
            env=server_env,
        )

        def web_ready():
            conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200

        wait_for(web_ready, 120, "gunicorn")
        time.sleep(3)  # the worker connects to the broker

        # -- load ----------------------------------------------------------
        client = Client(web_port)
        kiosk = {"Authorization": f"Token {kiosk_token}", "Content-Type": "application/json"}
        admin = {"Authorization": f"Token {admin_token}", "Content-Type": "application/json"}
        results = defaultdict(list)  # kind -> [(sent, took, status)]
        filed = []  # tracking ids
        dispatched_at = {}  # tracking id -> monotonic time of the 200
        lock = threading.Lock()

        def ticket(i):
            body = json.dumps({"service": service_ids[i % len(service_ids)]})
            return client.request("POST", "/api/v1/tickets/", body, kiosk)

        def board(_i):
            return client.request("GET", f"/api/v1/halls/{HALL}/board/")

        def complaint(i):
            body = json.dumps(
                {
                    "hall": HALL,
                    "kind": "pengaduan",
                    "title": f"Uji gangguan {i}",
                    "description": "Antrean di loket tidak bergerak selama satu jam penuh.",
                    "is_anonymous": True,
                }
            )
            began = time.monotonic() - origin
            status, answer = client.request("POST", "/api/v1/complaints/", body, admin)
            results["complaint"].append((began, time.monotonic() - origin - began, status))
            if status != 201:
                return None, answer  # no dispatch was sent: not counted as one
            tracking_id = json.loads(answer)["tracking_id"]
            with lock:
                filed.append(tracking_id)
            status, answer = client.request(
                "POST",
                f"/api/v1/complaints/{tracking_id}/dispatch/",
                json.dumps({"agency": agency_id}),
                admin,
            )
            if status == 200:
                dispatched_at[tracking_id] = time.monotonic()
            return status, answer

        windows = []  # (name, stopped, answering again), seconds since origin

        def faults():
            steps = sorted(
                [
                    (args.redis_at, "redis"),
                    (args.pg_at, "postgres"),
                    (args.worker_at, "worker"),
                ]
            )
            for at, name in steps:
                delay = origin + at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                down = time.monotonic() - origin
                if name == "redis":
                    procs.stop("redis")
                    time.sleep(args.redis_down)
                    start_redis()
                elif name == "postgres":
                    procs.stop("postgres", signal.SIGINT)  # fast shutdown
                    time.sleep(args.pg_down)
                    start_pg()
                else:
                    procs.stop("worker", signal.SIGKILL)
                    procs.start("worker", worker_argv, env=server_env)
                windows.append((name, down, time.monotonic() - origin))
                print(
                    f"  {name} {'killed' if name == 'worker' else 'down'} "
                    f"{down:.1f}-{windows[-1][2]:.1f} s"
                )

        origin = time.monotonic() + 0.5
        print(
            f"load for {args.duration:g} s: {args.ticket_rate:g} tickets/s, "
            f"{args.poll_rate:g} board polls/s, {args.dispatch_rate:g} dispatches/s"
        )
        loads = {
            "ticket": (args.ticket_rate, ticket),
            "board": (args.poll_rate, board),
            "dispatch": (args.dispatch_rate, complaint),
        }
        raw = {}

        def run(kind, rate, send):
            raw[kind] = run_load(rate, args.duration, send, args.workers, origin)

        # Daemons: on Ctrl+C the run ends without waiting for them.
        threads = [
            threading.Thread(target=run, args=(k, *v), daemon=True) for k, v in loads.items()
        ]
        threads.append(threading.Thread(target=faults, daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        load_end = time.monotonic()
        for kind, rows in raw.items():
            results[kind].extend(
                (sent, took, status) for sent, took, status, _b in rows if status is not None
            )
        codes = [json.loads(r[3])["code"] for r in raw["ticket"] if r[2] == 201]

        # -- drain -----------------------------------------------------------
        committed = set()
        deadline = load_end + args.drain
        while time.monotonic() < deadline:
            committed = dispatched_in_database(filed)
            with receiver.lock:
                arrived = {tracking for _d, tracking, _t in receiver.arrivals}
            if committed <= arrived:
                break
            time.sleep(2)
        drained_in = time.monotonic() - load_end
        time.sleep(2)  # a late duplicate still shows

        # -- figures ---------------------------------------------------------
        print(f"\nwaited {drained_in:.0f} s for the background work (at most {args.drain:g})")
        print("outage windows (s since the load began):")
        for name, down, up in windows:
            print(f"  {name:<8} {down:6.1f} - {up:6.1f}")

        def where(sent, took):
            """Name of the window a request overlaps ("" outside every window)."""
            end = sent + took
            for name, down, up in windows:
                if sent <= up and end >= down:
                    return name
            for name, _down, up in windows:
                if sent <= up + args.grace and end >= up:
                    return f"{name}+grace"
            return ""

        labels = [name for name, *_ in windows]
        columns = [*labels, *(f"{n}+grace" for n in labels), ""]
        print("\nrequests and 5xx (connection failures count as 5xx) per window:")
        header = "".join(f"{c or 'elsewhere':>16}" for c in columns)
        print(f"{'kind':<10}{'sent':>7}  {header}   statuses")
        five_xx = defaultdict(Counter)
        for kind in KINDS:
            rows = results[kind]
            statuses = Counter(status for _s, _t, status in rows)
            for sent, took, status in rows:
                if status == 0 or status >= 500:
                    five_xx[kind][where(sent, took)] += 1
            cells = "".join(f"{five_xx[kind][c]:>16}" for c in columns)
            print(f"{kind:<10}{len(rows):>7}  {cells}   {dict(sorted(statuses.items()))}")

        with receiver.lock:
            arrivals = list(receiver.arrivals)
        by_delivery = Counter(delivery for delivery, _tr, _t in arrivals)
        deliveries_per_dispatch = defaultdict(set)
        first_arrival = {}
        for delivery, tracking, at in arrivals:
            deliveries_per_dispatch[tracking].add(delivery)
            first_arrival.setdefault(tracking, at)
        lost = sorted(committed - set(first_arrival))
        duplicated = sum(1 for n in by_delivery.values() if n > 1) + sum(
            1 for ids in deliveries_per_dispatch.values() if len(ids) > 1
        )
        delays = [first_arrival[t] - dispatched_at[t] for t in dispatched_at if t in first_arrival]
        unanswered = sorted(committed - set(dispatched_at))
        ticket_dupes = sum(n - 1 for n in Counter(codes).values() if n > 1)

        print(
            f"\ndispatches committed: {len(committed)} (answered 200: {len(dispatched_at)}; "
            f"committed without a 200 seen: {len(unanswered)})"
        )
        print(f"webhooks received: {len(arrivals)} for {len(first_arrival)} dispatches")
        print(f"tasks lost: {len(lost)}{' ' + ', '.join(lost[:10]) if lost else ''}")
        print(f"tasks duplicated: {duplicated}")
        if delays:
            print(
                f"tasks delayed: p50 {statistics.median(delays):.1f} s, "
                f"p95 {pct(delays, 95):.1f} s, max {max(delays):.1f} s"
            )
        print(f"tickets issued: {len(codes)}, duplicate numbers: {ticket_dupes}")

        outside = sum(five_xx[k][""] for k in KINDS)
        redis_only = sum(
            five_xx[k][w] for k in ("ticket", "board") for w in ("redis", "redis+grace")
        )
        targets = {
            "0 lost": not lost,
            "0 duplicated": duplicated == 0 and ticket_dupes == 0,
            "5xx only inside an outage (and its grace)": outside == 0,
            "no 5xx from kiosk or board while only Redis is down": redis_only == 0,
        }
        print("\ntargets:")
        for name, held in targets.items():
            print(f"  {'ok  ' if held else 'MISS'} {name}")
        return 0 if all(targets.values()) else 1
    finally:
        if receiver is not None:
            receiver.shutdown()
        procs.stop_all()
        if args.keep:
            print(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    try:
        code = main()
    except KeyboardInterrupt:
        print("interrupted; everything it started is stopped", file=sys.stderr)
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    # Client threads asleep until their next send would hold the exit until
    # the load's planned end; whatever they talk to is stopped already.
    os._exit(code)
