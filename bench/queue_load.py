"""Load benchmark of the queue: ticket issues and display-board polls.

Offers a fixed rate of requests (open loop: a request is sent on schedule
whether or not earlier ones have answered) against a running portal and
prints throughput, latency percentiles, errors and duplicate numbers.

    python bench/queue_load.py                      # starts its own gunicorn
    python bench/queue_load.py --url http://127.0.0.1:8000 --issue-rate 100

It prepares a hall of its own ("bench-hall", open around the clock,
including today) with one kiosk account and four services, so it runs at
any hour and never touches the demo hall. Targets on a 2-core machine
(issue 3): 100 issues/s with p95 < 150 ms and no duplicates; 200 board
polls/s with p95 < 50 ms.

Three phases, each with --warmup seconds reported on their own lines (a
fresh server's first requests open database connections and load code)
before --duration measured seconds: ticket issues alone at --issue-rate;
board polls at --poll-rate while kiosks issue --background-rate tickets/s
(each poll sends the last ETag it saw, as board.js does, and the state
changes under it); and, unless --no-together, both full rates at once as a
stress phase. The load generator shares the machine's cores with the
server. The rate limits the server ran with are printed first.
"""

import argparse
import datetime
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
os.environ.setdefault("DEBUG", "1")


def prepare():
    """Create the bench hall, its services and a kiosk token; return (token, ids)."""
    import django

    django.setup()
    from django.utils import timezone

    from mpp_portal.accounts.models import User
    from mpp_portal.accounts.services import token_issue
    from mpp_portal.organizations.models import Agency, Hall, OfficeHours
    from mpp_portal.workdays.models import CalendarDay
    from services.models import Service, Ticket, TicketSequence

    hall, _ = Hall.objects.get_or_create(
        slug="bench-hall", defaults={"name": "MPP Bench", "address": "Loopback 127.0.0.1"}
    )
    for weekday in range(7):
        OfficeHours.objects.update_or_create(
            hall=hall,
            weekday=weekday,
            defaults={"opens": datetime.time(0, 0), "closes": datetime.time(23, 59, 59)},
        )
    today = timezone.localdate()
    CalendarDay.objects.update_or_create(
        date=today, hall=hall, defaults={"kind": CalendarDay.Kind.OPEN, "name": "Benchmark"}
    )
    agency, _ = Agency.objects.get_or_create(
        hall=hall,
        slug="bench",
        defaults={"name": "Instansi Bench", "short_name": "Bench", "kind": Agency.Kind.REGIONAL},
    )
    services = []
    for code in ("BA", "BB", "BC", "BD"):
        service, _ = Service.objects.get_or_create(
            agency=agency, code=code, defaults={"name": f"Layanan {code}", "slug": code.lower()}
        )
        services.append(service)
    # Start from number 1 on every run so duplicates and gaps are easy to see.
    Ticket.objects.filter(service__in=services).delete()
    TicketSequence.objects.filter(service__in=services).delete()
    kiosk, _ = User.objects.get_or_create(
        username="bench.kiosk", defaults={"role": User.Role.KIOSK, "hall": hall}
    )
    return token_issue(user=kiosk), [s.pk for s in services], hall.slug


# The load comes from one address; in a hall it comes from many TVs and
# kiosks, so the per-address limits are lifted for the server started here.
# One kiosk account stands for all of a hall's kiosks: its ticket rate too.
RATE_OVERRIDES = {
    "API_RATE_BOARD": "1000000/min",
    "API_RATE_TRUSTED": "1000000/min",
    "KIOSK_TICKETS_PER_MINUTE": "1000000",
}


def rate_limits(own_server):
    """Return the throttle rates that apply to this load, as printable text."""
    from django.conf import settings

    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    if own_server:
        rates["board"] = RATE_OVERRIDES["API_RATE_BOARD"]
        rates["trusted"] = RATE_OVERRIDES["API_RATE_TRUSTED"]
        origin = "gunicorn started by this script"
    else:
        origin = "this environment's settings; a server started elsewhere may differ"
    return (
        f"rate limits ({origin}): board polls {rates['board']}, "
        f"kiosk issues (trusted) {rates['trusted']}, per client address"
    )


def start_server(port):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **RATE_OVERRIDES,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mpp_portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "4",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        # gunicorn reads ./gunicorn.conf.py, whose access log goes to stdout:
        # one line per request would drown the figures (errors stay on stderr).
        stdout=subprocess.DEVNULL,
    )
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


class Client(threading.local):
    """One keep-alive connection per worker thread."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Send one request (reconnecting once); return (status, body, ETag)."""
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.read(), response.getheader("ETag", "")
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def run_open_loop(rate, duration, send, workers):
    """Send ``rate`` requests per second for ``duration`` seconds on schedule."""
    total = int(rate * duration)
    start = time.perf_counter() + 0.2
    results = []

    def fire(i):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        began = time.perf_counter()
        try:
            status, body = send(i)
        except Exception as exc:  # noqa: BLE001 - counted, not hidden
            status, body = 0, str(exc).encode()
        return time.perf_counter() - began, status, body

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(fire, range(total)))
    elapsed = time.perf_counter() - start
    return results, elapsed


def run_together(duration, loads, workers):
    """Run several open loops at once: {name: (rate, send)} -> {name: (results, elapsed)}."""
    out = {}

    def run(name, rate, send):
        out[name] = run_open_loop(rate, duration, send, workers)

    threads = [
        threading.Thread(target=run, args=(name, rate, send))
        for name, (rate, send) in loads.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def report(name, results, elapsed, ok_statuses, target_p95_ms):
    latencies = sorted(r[0] * 1000 for r in results)
    errors = sum(1 for r in results if r[1] not in ok_statuses)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    p95 = pct(95)
    print(
        f"{name}: {len(results)} requests in {elapsed:.1f} s "
        f"= {len(results) / elapsed:.1f}/s; latency ms p50 {statistics.median(latencies):.1f} "
        f"p95 {p95:.1f} p99 {pct(99):.1f} max {latencies[-1]:.1f}; errors {errors}; "
        f"target p95 < {target_p95_ms} ms: {'met' if p95 < target_p95_ms else 'MISSED'}"
    )
    return errors


def _codes(results):
    """Ticket codes of the 201 answers (other results are board polls or errors)."""
    return [json.loads(r[2])["code"] for r in results if r[1] == 201]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running portal; default: start gunicorn on --port")
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--issue-rate", type=float, default=100)
    parser.add_argument("--poll-rate", type=float, default=200)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument(
        "--warmup",
        type=float,
        default=5,
        help="seconds of load at the same rates before measuring (reported apart)",
    )
    parser.add_argument(
        "--background-rate",
        type=float,
        default=5,
        help="tickets/s issued while the board polls are measured (a busy hall's kiosks)",
    )
    parser.add_argument(
        "--together",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run both full rates at once as a stress phase (reported, no target)",
    )
    args = parser.parse_args()

    token, service_ids, hall_slug = prepare()
    server = None
    if args.url:
        parsed = urllib.parse.urlsplit(args.url)
        host, port = parsed.hostname, parsed.port or 80
    else:
        host, port = "127.0.0.1", args.port
        server = start_server(port)
    try:
        print(rate_limits(own_server=server is not None))
        print(f"each phase: {args.duration:g} s measured after {args.warmup:g} s warm-up")
        client = Client(host, port)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        etag = {"last": ""}

        def issue(i):
            body = json.dumps({"service": service_ids[i % len(service_ids)], "priority": "normal"})
            status, answer, _etag = client.request("POST", "/api/v1/tickets/", body, headers)
            return status, answer

        def poll(_i):
            # Like board.js: send the last ETag seen; 304 while nothing changed.
            status, body, tag = client.request(
                "GET",
                f"/api/v1/halls/{hall_slug}/board/",
                headers={"If-None-Match": etag["last"]} if etag["last"] else None,
            )
            if tag:
                etag["last"] = tag
            return status, body

        all_codes = []

        def phase(title, loads, targets):
            """Warm up, measure, report; return the number of errors."""
            print(f"-- {title}")
            if args.warmup > 0:
                # A fresh gunicorn opens its database connections and loads
                # code lazily on the first requests of each thread; those
                # seconds are reported on their own lines.
                warm = run_together(args.warmup, loads, args.workers)
                for name, (ok, target) in targets.items():
                    report(f"warm-up {name}", *warm[name], ok, target)
                for results, _elapsed in warm.values():
                    all_codes.extend(_codes(results))
            measured = run_together(args.duration, loads, args.workers)
            errors = 0
            for name, (ok, target) in targets.items():
                errors += report(name, *measured[name], ok, target)
                statuses = Counter(r[1] for r in measured[name][0])
                print(
                    f"  {name} statuses: "
                    + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
                )
            for results, _elapsed in measured.values():
                all_codes.extend(_codes(results))
            return errors

        issue_target = {"ticket issue": ({201}, 150)}
        poll_target = {"board poll": ({200, 304}, 50)}
        errors = phase(
            f"ticket issues alone at {args.issue_rate:g}/s",
            {"ticket issue": (args.issue_rate, issue)},
            issue_target,
        )
        errors += phase(
            f"board polls at {args.poll_rate:g}/s while kiosks issue "
            f"{args.background_rate:g} tickets/s (not measured)",
            {
                "board poll": (args.poll_rate, poll),
                "background": (args.background_rate, issue),
            },
            poll_target,
        )
        if args.together:
            errors += phase(
                f"stress: both at full rate together ({args.issue_rate:g} issues/s and "
                f"{args.poll_rate:g} polls/s)",
                {"ticket issue": (args.issue_rate, issue), "board poll": (args.poll_rate, poll)},
                {**issue_target, **poll_target},
            )
        duplicates = sum(n - 1 for n in Counter(all_codes).values() if n > 1)
        print(f"tickets issued in all phases: {len(all_codes)}, duplicate numbers: {duplicates}")
        return 1 if errors or duplicates else 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
