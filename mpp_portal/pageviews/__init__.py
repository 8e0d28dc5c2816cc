"""Server-side page-view counter for the public catalogue (no third-party tracker).

``count_view(request, kind, hall=..., obj=...)`` adds one to the day's
``PageViewDay`` row with one ``INSERT ... ON CONFLICT DO UPDATE``. Nothing
about the reader is stored: no cookie, no IP address, no user, no
User-Agent. Not counted: requests other than GET (HEAD, a form post),
crawlers and other automated clients (by their User-Agent), and staff
users, who open the pages for their work, not as the public.

Imported while Django loads its apps, so the models are imported inside
the function.
"""

import re

from django.db import connection
from django.utils import timezone

from mpp_portal.workdays import JAKARTA

# Automated clients: search-engine crawlers, link previews, monitors,
# headless browsers and command-line HTTP clients. An empty User-Agent is
# not a browser either.
BOT_RE = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|"
    r"monitor|pingdom|uptime|headless|lighthouse|curl|wget|python-|httpx|"
    r"go-http-client|java/|okhttp|libwww|scrapy|feedfetcher|whatsapp|telegram",
    re.IGNORECASE,
)

_UPSERT = """
    INSERT INTO pageviews_pageviewday (date, hall_id, kind, object_id, count)
    VALUES (%s, %s, %s, %s, 1)
    ON CONFLICT ON CONSTRAINT pageviewday_unique_key
    DO UPDATE SET count = pageviews_pageviewday.count + 1
"""


def is_counted(request) -> bool:
    """Whether ``request`` is a public reader's view worth counting."""
    if request.method != "GET":
        return False
    agent = request.headers.get("User-Agent", "")
    if not agent or BOT_RE.search(agent):
        return False
    user = getattr(request, "user", None)
    staff = user is not None and user.is_authenticated
    return not (staff and (user.is_staff or user.is_superuser or user.is_staff_member))


def count_view(request, kind, *, hall, obj=None) -> bool:
    """Count one view of a page of ``kind`` in ``hall`` (of ``obj``, if any).

    Returns whether it was counted. One statement, atomic in PostgreSQL:
    concurrent views of the same page on the same day all add up.
    """
    if not is_counted(request):
        return False
    today = timezone.localdate(timezone=JAKARTA)
    hall_id = getattr(hall, "pk", hall)
    object_id = getattr(obj, "pk", obj)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [today, hall_id, str(kind), object_id])
    return True
