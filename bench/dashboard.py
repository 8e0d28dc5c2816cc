"""How long the regency's dashboard (/dasbor/) takes, server side.

    python bench/dashboard.py                  # the demo (a year of history) in --demo-db
    python bench/dashboard.py --scale          # bench/scale.py's database (1,000,000 tickets)
    python bench/dashboard.py --scale --db mpp_scale_mine --seed   # seed one first

The demo database (``--demo-db``, default ``mpp_bench_dashboard``) is created
when missing, migrated and loaded with ``seed_demo`` (services/demo_history.py
gives it a year of history). ``--scale`` reads the database bench/scale.py
seeded (``--db``, default ``mpp_scale``; ``python bench/scale.py --reuse``
keeps it); with ``--seed`` a missing one is seeded here with bench/scale.py's
own ``seed`` (its tickets over the last year, answers, complaints) and its
daily rollup, without the rest of that benchmark.

Each page is requested through Django's test client in this process (the
whole view: middleware, every tile's queries, the template), signed in as
the demo's bupati, once to warm up and then ``--times`` times; the median
and the slowest are printed with the number of queries, then each tile's
own time. Targets (issue 16): under 300 ms with a year of demo history,
under 1 s with 1,000,000 tickets.
"""

import argparse
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
os.environ.setdefault("DEBUG", "1")

from bench import scale  # noqa: E402  (the database helpers of the scale bench)

TARGET_MS = {"demo": 300, "scale": 1000}


def pages(year, month):
    return [
        ("month", f"/dasbor/?jenis=month&tahun={year}&ke={month}"),
        ("quarter", f"/dasbor/?jenis=quarter&tahun={year}&ke={(month - 1) // 3 + 1}"),
        ("year", f"/dasbor/?jenis=year&tahun={year}"),
        ("year, public", f"/mpp/{scale.DEMO_HALL}/dasbor/?jenis=year&tahun={year}"),
        ("year, CSV", f"/dasbor/csv/?jenis=year&tahun={year}"),
    ]


def measure(client, path, times, *, cached):
    """(median ms, max ms, queries) of ``path``; ``cached``: the figures cache on."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.REGENCY_DASHBOARD_CACHE_SECONDS = 300 if cached else 0
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        spent.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(spent), max(spent), len(queries.captured_queries)


def tile_times(hall, period, times):
    from regency.figures import TILE_MODULES, Context

    ctx = Context(hall=hall, period=period)
    rows = []
    for name in TILE_MODULES:
        module = importlib.import_module(f"regency.figures.{name}")
        module.build(ctx)
        spent = []
        for _ in range(times):
            started = time.perf_counter()
            module.build(ctx)
            spent.append((time.perf_counter() - started) * 1000)
        rows.append((name, statistics.median(spent)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="the 1M-ticket database")
    parser.add_argument("--db", default="mpp_scale", help="bench/scale.py's database")
    parser.add_argument("--demo-db", default="mpp_bench_dashboard")
    parser.add_argument("--seed", action="store_true", help="seed --db when it has no history")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--times", type=int, default=7)
    parser.add_argument(
        "--tiles-only",
        action="store_true",
        help="only each tile's own time (month and year pages), not the pages",
    )
    args = parser.parse_args()

    name = args.db if args.scale else args.demo_db
    os.environ["DATABASE_URL"] = scale.database_url(name)
    fresh = scale.create_database(name, reuse=True)
    scale.django_setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from mpp_portal.accounts.models import User
    from mpp_portal.organizations.models import Hall
    from mpp_portal.workdays import JAKARTA
    from regency.periods import MONTH, YEAR, Period
    from services.models import Ticket

    if args.scale:
        hall, _token = scale.prepare_demo()
        if not Ticket.objects.filter(tracking_code__startswith="SCALE-").exists():
            if not args.seed:
                sys.exit(f"{name} has no seeded history: run bench/scale.py or add --seed")
            scale.seed(hall, tickets=args.tickets, answers=args.answers, complaints=args.complaints)
            from services.rollup import rollup_closed_days

            rollup_closed_days()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    else:
        call_command("migrate", verbosity=0)
        if fresh or not Hall.objects.filter(slug=scale.DEMO_HALL).exists():
            call_command("seed_demo", verbosity=0)
        hall = Hall.objects.get(slug=scale.DEMO_HALL)

    tickets = Ticket.objects.filter(service__agency__hall=hall).count()
    bupati = User.objects.get(username="bupati")
    client = Client(HTTP_HOST="localhost")
    client.force_login(bupati)
    today = timezone.localdate(timezone=JAKARTA)
    kind = "scale" if args.scale else "demo"
    print(
        f"bench/dashboard.py, database {name} ({kind}): {tickets:,} tickets in "
        f"{hall.name}, {os.cpu_count()} cores; median of {args.times} after a warm-up"
    )
    print(
        f"{'page':<16} {'computed: median':>17} {'max':>6} {'queries':>8}"
        f"  {'cached: median':>15} {'queries':>8}  target"
    )
    worst = 0.0
    for label, path in [] if args.tiles_only else pages(today.year, today.month):
        median, slowest, queries = measure(client, path, args.times, cached=False)
        warm, _max, warm_queries = measure(client, path, args.times, cached=True)
        worst = max(worst, median)
        print(
            f"{label:<16} {median:>14.0f} ms {slowest:>6.0f} {queries:>8}"
            f"  {warm:>12.0f} ms {warm_queries:>8}  < {TARGET_MS[kind]} ms"
        )
    month = tile_times(hall, Period(MONTH, today.year, today.month), args.times)
    year = tile_times(hall, Period(YEAR, today.year), args.times)
    print(f"tiles, median ms: {'month':>8} {'year':>8}")
    for (tile, spent_month), (_tile, spent_year) in zip(month, year, strict=True):
        print(f"  {tile:<14} {spent_month:>8.0f} {spent_year:>8.0f}")
    print(f"  {'all tiles':<14} {sum(t for _n, t in month):>8.0f} {sum(t for _n, t in year):>8.0f}")
    if args.tiles_only:
        return
    verdict = "met" if worst < TARGET_MS[kind] else "NOT met"
    print(
        f"slowest page computed afresh: median {worst:.0f} ms, "
        f"target < {TARGET_MS[kind]} ms {verdict}"
    )


if __name__ == "__main__":
    main()
