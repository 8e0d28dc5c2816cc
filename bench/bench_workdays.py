"""Time 1000 deadline() computations against the real database.

    python bench/bench_workdays.py [--count 1000] [--days 5]

Uses the database the settings point at (DATABASE_URL); run ``manage.py
migrate`` first. Prints the figures; asserts nothing.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp_portal.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402

from mpp_portal.organizations.models import Hall  # noqa: E402
from mpp_portal.workdays import JAKARTA, deadline  # noqa: E402


def run(count, days, hall):
    start = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=JAKARTA)
    # Spread filings over a year, every 2h 17m, so they land at all hours,
    # on weekends and holidays.
    filings = [start + datetime.timedelta(minutes=137 * i) for i in range(count)]
    deadline(filings[0], days, hall)  # warm the holiday cache and the connection
    reset_queries()
    began = time.perf_counter()
    for filed_at in filings:
        deadline(filed_at, days, hall)
    elapsed = time.perf_counter() - began
    return elapsed, len(connection.queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--days", type=int, default=5)
    args = parser.parse_args()
    from django.conf import settings

    settings.DEBUG = True  # count queries
    # The default calendar, then a hall's own office hours (if any hall exists).
    for hall in [None, *Hall.objects.all()[:1]]:
        elapsed, queries = run(args.count, args.days, hall)
        label = f"hall {hall.slug}" if hall else "no hall"
        print(
            f"deadline(n={args.days}) x {args.count} ({label}): {elapsed:.3f} s total, "
            f"{elapsed / args.count * 1000:.3f} ms each, {queries} queries"
        )


if __name__ == "__main__":
    main()
