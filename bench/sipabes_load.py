"""Load benchmark of SIPABES: registrations through the API, then the dashboard.

    python bench/sipabes_load.py                    # 1,000 registrations, 100,000 rows
    python bench/sipabes_load.py --registrations 200 --rows 20000 --keep

Runs in a database of its own: ``<database of DATABASE_URL>_sipabes_bench``
on the same PostgreSQL server, created afresh and migrated (and dropped at
the end unless --keep), so nothing of the demo or of a developer's data is
touched. It starts gunicorn against that database.

Phase 1, registrations: an officer's API token posts --registrations
traders to ``POST /api/v1/sipabes/registrations/``, each with its own
``Idempotency-Key``; 10% of them are sent a second time (shuffled in with
the rest, so some copies race their first send). Prints the latency
percentiles, the statuses, and the rows created, which must equal the
number of unique keys.

Phase 2, dashboard: --rows registrations are bulk-inserted (bulk_create
in batches, dates spread over the year, every state, 24 markets in the 12
kecamatan, one or two KBLI codes), then the public dashboard is requested
--dashboard-requests times through the API and the page (the figures are
computed by the first and reused by the rest, as in production: see
dashboard.cached_dashboard), and computed in-process without the cache a
fifth as many times. Prints the p95 of each and the number of SQL queries
of one dashboard, measured before and after the bulk insert: it must not
change.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
os.environ.setdefault("DEBUG", "1")

REGENCY = "Kabupaten Bench"
CODES = ["47811", "47812", "47819", "56101", "14111", "95230"]


def bench_database_url(base_url):
    """Return (url, name) of the bench database next to ``base_url``'s."""
    parts = urllib.parse.urlsplit(base_url)
    name = (parts.path.lstrip("/") or "postgres") + "_sipabes_bench"
    return urllib.parse.urlunsplit(parts._replace(path="/" + name)), name


def recreate_database(base_url, name):
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(base_url, name):
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate():
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=os.environ,
        check=True,
    )
    print(f"bench database migrated in {time.perf_counter() - started:.1f} s")


def prepare():
    """Create the bench hall, its DPMPTSP, markets, an open visit and an officer token."""
    import django

    django.setup()
    from mpp_portal.accounts.models import User
    from mpp_portal.accounts.services import token_issue
    from mpp_portal.organizations.models import Agency, Hall
    from services.sipabes.kbli import kbli_import_seed
    from services.sipabes.models import LEBONG_DISTRICTS, Kbli, Market, Visit

    kbli_import_seed()
    for code, section in [
        ("47811", "G"),
        ("47812", "G"),
        ("47819", "G"),
        ("56101", "I"),
        ("14111", "C"),
        ("95230", "S"),
    ]:
        Kbli.objects.get_or_create(
            code=code, defaults={"title": f"KBLI {code}", "section": section, "is_verified": True}
        )
    hall, _ = Hall.objects.get_or_create(
        slug="bench-sipabes",
        defaults={"name": "MPP Bench SIPABES", "address": "127.0.0.1", "regency": REGENCY},
    )
    Agency.objects.get_or_create(
        hall=hall,
        slug="dpmptsp",
        defaults={"name": "DPMPTSP Bench", "short_name": "DPMPTSP", "kind": Agency.Kind.REGIONAL},
    )
    markets = [
        Market.objects.get_or_create(
            hall=hall,
            name=f"Pasar Bench {i + 1}",
            defaults={"village": "Desa Bench", "district_code": LEBONG_DISTRICTS[i % 12][0]},
        )[0]
        for i in range(24)
    ]
    officer, _ = User.objects.get_or_create(
        username="bench.sipabes",
        defaults={"role": User.Role.SIPABES_OFFICER, "hall": hall, "first_name": "Petugas"},
    )
    visit = Visit.objects.create(
        hall=hall, market=markets[0], date=datetime.date.today(), status=Visit.Status.OPEN
    )
    visit.officers.add(officer)
    return {
        "token": token_issue(user=officer),
        "hall": hall,
        "officer": officer,
        "visit": visit,
        "markets": markets,
    }


def nik(serial):
    """A structurally valid Lebong NIK (17.07.01, born 1 January 1990) per serial."""
    born = datetime.date(1990, 1, 1) + datetime.timedelta(days=serial // 9999)
    return f"170701{born:%d%m%y}{serial % 9999 + 1:04d}"


def registration_body(i, visit):
    """The JSON of one trader for POST /api/v1/sipabes/registrations/."""
    return {
        "visit": visit.pk,
        "nik": nik(i),
        "name": f"Pedagang Bench {i}",
        "phone": f"0812{i:08d}",
        "home_address": "Jl. Bench No. 1, Lebong Utara",
        "business_name": f"Warung Bench {i}",
        "kbli": [CODES[i % len(CODES)]],
        "block": "A",
        "stall_number": str(i),
        "capital": 5_000_000 + i * 1000,
        "workers": 1 + i % 4,
        "consent": True,
    }


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def describe(name, latencies):
    ms = [v * 1000 for v in latencies]
    return (
        f"{name}: {len(ms)} requests; latency ms p50 {statistics.median(ms):.1f} "
        f"p95 {percentile(ms, 95):.1f} p99 {percentile(ms, 99):.1f} max {max(ms):.1f}"
    )


def phase_registrations(client, ctx, count, workers, seed):
    from services.sipabes.models import Registration

    rng = random.Random(seed)
    keys = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]
    twice = set(rng.sample(range(count), count // 10))
    sends = list(range(count)) + sorted(twice)
    rng.shuffle(sends)
    headers = {"Authorization": f"Token {ctx['token']}", "Content-Type": "application/json"}

    def send(i):
        body = json.dumps(registration_body(i, ctx["visit"]))
        began = time.perf_counter()
        try:
            status, answer, _etag = client.request(
                "POST",
                "/api/v1/sipabes/registrations/",
                body,
                {**headers, "Idempotency-Key": keys[i]},
            )
        except Exception as exc:  # noqa: BLE001 - counted, not hidden
            status, answer = 0, str(exc).encode()
        return i, time.perf_counter() - began, status, answer

    print(f"-- {count} registrations through the API, {len(twice)} of them sent twice")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(send, sends))
    elapsed = time.perf_counter() - started
    statuses = Counter(r[2] for r in results)
    print(
        describe("registration create", [r[1] for r in results])
        + f"; {len(results) / elapsed:.1f}/s over {elapsed:.1f} s"
    )
    print("  statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    bad = [r for r in results if r[2] not in (200, 201)]
    for _i, _t, status, answer in bad[:3]:
        print(f"  e.g. {status}: {answer[:300]!r}")
    # The same key must give the same registration on both sends.
    ids = {}
    mismatched = 0
    for i, _t, status, answer in results:
        if status in (200, 201):
            rid = json.loads(answer).get("id")
            if i in ids and ids[i] != rid:
                mismatched += 1
            ids.setdefault(i, rid)
    created = Registration.objects.filter(hall=ctx["hall"]).count()
    print(
        f"rows created: {created}; unique keys: {count}; "
        f"{'equal' if created == count else 'NOT EQUAL'}; "
        f"replays answering another row: {mismatched}"
    )
    return created == count and not mismatched and not bad


def bulk_rows(ctx, rows, year, batch=5000):
    """Insert ``rows`` registrations of ``year`` (every state), spread over its days."""
    from django.db import connection, transaction
    from django.utils import timezone

    from services.sipabes.models import Registration

    S = Registration.Status
    states = (
        [S.HANDED_OVER] * 5 + [S.NIB_ISSUED] * 2 + [S.SUBMITTED, S.CAPTURED, S.RETURNED, S.REJECTED]
    )
    through = Registration.kbli.through
    now = timezone.now()
    started = time.perf_counter()
    base = 1_000_000
    for start in range(0, rows, batch):
        objs = []
        for n in range(start, min(rows, start + batch)):
            status = states[n % len(states)]
            issued = status in (S.NIB_ISSUED, S.HANDED_OVER)
            capital = 2_000_000 + (n * 7919) % 400_000_000
            if n % 97 == 0:
                capital = 1_500_000_000  # a few kecil
            objs.append(
                Registration(
                    hall=ctx["hall"],
                    market=ctx["markets"][n % len(ctx["markets"])],
                    officer=ctx["officer"],
                    nik=f"1707{base + n:012d}",
                    name=f"Pedagang Massal {n}",
                    home_address="Jl. Bench",
                    business_name=f"Usaha Massal {n}",
                    capital=capital,
                    workers=1 + n % 5,
                    scale=Registration.scale_for(capital),
                    consent_at=now,
                    status=status,
                    nib=f"8{base + n:012d}" if issued else None,
                    nib_issued_on=datetime.date(year, 1 + n % 12, 1 + n % 28) if issued else None,
                    receipt_code=f"BN{base + n:010d}",
                )
            )
        with transaction.atomic():
            made = Registration.objects.bulk_create(objs)
            links = []
            for reg in made:
                links.append(through(registration_id=reg.pk, kbli_id=CODES[reg.pk % 4]))
                if reg.pk % 3 == 0:
                    links.append(through(registration_id=reg.pk, kbli_id=CODES[4 + reg.pk % 2]))
            through.objects.bulk_create(links)
    # created_at is stamped on insert; spread the rows over the year (WIB).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Registration._meta.db_table} SET created_at = "
            "make_timestamptz(%s, 1 + (id %% 12)::int, 1 + (id %% 28)::int, "
            "8 + (id %% 8)::int, (id %% 60)::int, 0, 'Asia/Jakarta') "
            "WHERE hall_id = %s AND name LIKE 'Pedagang Massal %%'",
            [year, ctx["hall"].pk],
        )
        cursor.execute(f"ANALYZE {Registration._meta.db_table}")
        cursor.execute(f"ANALYZE {through._meta.db_table}")
    print(f"bulk-inserted {rows} registrations of {year} in {time.perf_counter() - started:.1f} s")


def dashboard_queries(year):
    """Compute the dashboard in-process, uncached: (queries, seconds, data)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from services.sipabes import dashboard

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        data = dashboard.dashboard_data(regency=REGENCY, year=year)
        elapsed = time.perf_counter() - started
    return len(queries), elapsed, data


def phase_dashboard(client, ctx, rows, requests, year):
    before, _t, _data = dashboard_queries(year)
    bulk_rows(ctx, rows, year)
    runs = [dashboard_queries(year) for _ in range(max(5, requests // 5))]
    after, _elapsed, data = runs[-1]
    print(
        f"-- dashboard over {data['totals']['traders']} registered traders of {year} "
        f"({rows} rows inserted)"
    )
    print(
        f"dashboard queries: {before} before the insert, {after} after "
        f"({'constant' if before == after else 'NOT CONSTANT'})"
    )
    print(describe("dashboard computed in-process, uncached", [r[1] for r in runs]))
    from django.core.cache import cache
    from django.utils import translation

    from services.sipabes import dashboard

    with translation.override("id"):  # what a request without Accept-Language gets
        cache.delete(dashboard.cache_key(regency=REGENCY, year=year))
    query = urllib.parse.urlencode({"year": year, "regency": REGENCY})
    page_query = urllib.parse.urlencode({"tahun": year, "kabupaten": REGENCY})
    ok = before == after
    for name, path in [
        ("dashboard API", f"/api/v1/sipabes/dashboard/?{query}"),
        ("dashboard page", f"/sipabes/dasbor/?{page_query}"),
    ]:
        latencies, statuses = [], Counter()
        for _ in range(requests):
            began = time.perf_counter()
            status, _body, _etag = client.request("GET", path)
            latencies.append(time.perf_counter() - began)
            statuses[status] += 1
        print(
            describe(f"{name} over HTTP (first computes, the rest reuse it)", latencies)
            + f"; first {latencies[0] * 1000:.0f} ms; statuses {dict(statuses)}"
        )
        ok = ok and set(statuses) == {200}
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dashboard-requests", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16, help="concurrent API clients")
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        raise SystemExit(
            "Set DATABASE_URL (a PostgreSQL server the bench may create a database on)."
        )
    url, name = bench_database_url(base_url)
    recreate_database(base_url, name)
    os.environ["DATABASE_URL"] = url
    print(f"bench database: {name}")
    server = None
    try:
        migrate()
        ctx = prepare()
        from bench.queue_load import Client, start_server

        # The page links static files: served from the source folders, so the
        # bench needs no collectstatic (the API does not care).
        os.environ.setdefault("STATIC_MANIFEST", "0")
        os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
        server = start_server(args.port)
        client = Client("127.0.0.1", args.port)
        year = datetime.date.today().year
        ok = phase_registrations(client, ctx, args.registrations, args.workers, args.seed)
        ok = phase_dashboard(client, ctx, args.rows, args.dashboard_requests, year) and ok
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(base_url, name)


if __name__ == "__main__":
    sys.exit(main())
