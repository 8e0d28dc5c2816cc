"""Public awareness: who comes to the hall, who returns, who books online, who reads.

What is counted, per month of the period and for the period (WIB):

- **Visits**: queue tickets issued in the hall (``Ticket.date``, the WIB day
  of issue), walk-ins and checked-in bookings alike; a booking that became a
  ticket is one visit, not two.
- **Bookings made online**: bookings created in the period (``created_at``,
  WIB), whatever became of them.
- **Visitors, new and returning**: people told apart by a hash of their
  mobile number as stored (E.164: ``mpp_portal.identity`` normalises every
  number the kiosk, the API and the booking form take) or, for a booking
  without one, of the NIK. The hash is computed inside the query and only
  counted: it never leaves the database and is stored nowhere. A visitor is
  *new* in a month (or the period) when their first ticket or booking in
  the hall's whole history falls in it, *returning* otherwise. Tickets
  without a phone number cannot be told apart: they count as visits, not
  as visitors.
- **Catalogue page views**: views of the public service list and of the
  standar pelayanan pages, counted on the server (``mpp_portal.pageviews``,
  no cookie, no third-party tracker, bots and staff left out).

An agency admin's slice counts the tickets and bookings of the agency's
services, new meaning new to the agency, and the views of its services'
pages. One SQL statement for both periods (after the list of the days the
daily rollup covers): visits come from the rollup, so a year costs little;
telling people apart reads the tickets that carry a phone number.
"""

import datetime

from django.db import connection
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from regency.figures import Chart, Context, Figure, Table, Tile, without_jit
from services import rollup

# A person's key: md5 of the mobile number as stored (E.164, the form
# ``mpp_portal.identity`` normalises every number to), or of the NIK for a
# booking without one. Only grouped on and counted, never selected.
_PERSON = """
    CASE
        WHEN coalesce({phone}, '') <> '' THEN md5('p' || {phone})
        WHEN coalesce({nik}, '') <> '' THEN md5('n' || {nik})
    END
"""

_SQL = """
WITH svc AS (
    SELECT s.id FROM services_service s JOIN organizations_agency a ON a.id = s.agency_id
    WHERE a.hall_id = %(hall)s AND (%(agency)s::bigint IS NULL OR s.agency_id = %(agency)s)
), visits AS (
    -- Tickets issued per day: the daily rollup where it covers the day,
    -- the tickets themselves for the other days (services.rollup).
    SELECT r.date AS d, r.issued AS n FROM services_ticketdaystat r
    WHERE r.date = ANY(%(rolled)s) AND r.service_id IN (SELECT id FROM svc)
    UNION ALL
    -- One index probe per day the rollup does not cover (today, empty days).
    SELECT day.d, (
        SELECT count(*) FROM services_ticket t
        WHERE t.date = day.d AND t.numbered_service_id IN (SELECT id FROM svc)
    )
    FROM unnest(%(live)s::date[]) AS day(d)
), bk AS (
    SELECT (b.created_at AT TIME ZONE 'Asia/Jakarta')::date AS d, {booking_person} AS person
    FROM services_booking b
    WHERE b.service_id IN (SELECT id FROM svc)
      AND b.created_at >= %(first_at)s AND b.created_at < %(end_at)s
), seen AS (
    -- Identifiable contacts of the two periods: tickets with a phone number
    -- and bookings.
    SELECT t.date AS d, {ticket_person} AS person
    FROM services_ticket t
    WHERE t.numbered_service_id IN (SELECT id FROM svc)
      AND t.date >= %(first)s AND t.date <= %(last)s AND t.phone <> ''
    UNION ALL
    SELECT d, person FROM bk WHERE person IS NOT NULL
), earlier AS (
    -- Who of them came or booked before the two periods: one pass over the
    -- older contacts, each only looked up among the people seen.
    SELECT DISTINCT person FROM (
        SELECT {ticket_person} AS person FROM services_ticket t
        WHERE t.numbered_service_id IN (SELECT id FROM svc)
          AND t.date < %(first)s AND t.phone <> ''
        UNION ALL
        SELECT {booking_person} FROM services_booking b
        WHERE b.service_id IN (SELECT id FROM svc) AND b.created_at < %(first_at)s
    ) old
    WHERE person IN (SELECT person FROM seen)
), firsts AS (
    -- The first contact of each person new in the two periods.
    SELECT person, min(d) AS first_d FROM seen
    WHERE person NOT IN (SELECT person FROM earlier)
    GROUP BY person
), marked AS (
    SELECT s.person, f.first_d,
           date_trunc('month', s.d)::date AS m,
           CASE WHEN s.d >= %(start)s THEN 'now' ELSE 'before' END AS p,
           CASE WHEN s.d >= %(start)s THEN %(start)s::date ELSE %(first)s::date END AS p_start
    FROM seen s LEFT JOIN firsts f USING (person)
)
SELECT 'visits', date_trunc('month', d)::date, sum(n), NULL::bigint FROM visits GROUP BY 2
UNION ALL
SELECT 'bookings', date_trunc('month', d)::date, count(*), NULL FROM bk GROUP BY 2
UNION ALL
SELECT 'visitors_m', m, count(DISTINCT person),
       count(DISTINCT person) FILTER (WHERE first_d >= m)
FROM marked GROUP BY m
UNION ALL
SELECT 'visitors_' || p, NULL, count(DISTINCT person),
       count(DISTINCT person) FILTER (WHERE first_d >= p_start)
FROM marked GROUP BY p, p_start
UNION ALL
SELECT 'views', date_trunc('month', v.date)::date, sum(v.count), NULL
FROM pageviews_pageviewday v
WHERE v.date >= %(first)s AND v.date <= %(last)s
  AND (
      (%(agency)s::bigint IS NULL AND v.hall_id = %(hall)s)
      OR (v.kind = 'service' AND v.object_id IN (SELECT id FROM svc))
  )
GROUP BY 2
""".format(
    ticket_person=_PERSON.format(phone="t.phone", nik="NULL::text"),
    booking_person=_PERSON.format(phone="b.phone", nik="b.nik"),
)


def _month_label(month: datetime.date) -> str:
    return formats.date_format(month, "M Y")


def query(ctx: Context) -> list[tuple]:
    """The statement's rows: (what, month or None, count, new or None).

    Two queries: the days the rollup covers, then the statement.
    """
    period, previous = ctx.period, ctx.period.previous()
    rolled = rollup.rolled_days(previous.start, period.end)
    done = set(rolled)
    days = (
        previous.start + datetime.timedelta(days=n) for n in range(previous.days() + period.days())
    )
    params = {
        "hall": ctx.hall.pk,
        "agency": getattr(ctx.agency, "pk", None),
        "first": previous.start,
        "start": period.start,
        "last": period.end,
        "first_at": previous.start_at,
        "end_at": period.end_at,
        "rolled": rolled,
        "live": [day for day in days if day not in done],
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        return cursor.fetchall()


def build(ctx: Context) -> Tile:
    with without_jit():
        return _build(ctx)


def _build(ctx: Context) -> Tile:
    period, previous = ctx.period, ctx.period.previous()
    per_month = {}  # (what, month) -> count
    new_per_month = {}
    totals = {}  # (what, "now"/"before") -> count
    for what, month, count, new in query(ctx):
        count = int(count or 0)
        if what in ("visitors_now", "visitors_before"):
            key = what.removeprefix("visitors_")
            totals[("visitors", key)] = count
            totals[("new", key)] = int(new or 0)
            continue
        if what == "visitors_m":
            per_month[("visitors", month)] = count
            new_per_month[month] = int(new or 0)
            continue
        per_month[(what, month)] = count
        key = "now" if month >= period.start else "before"
        totals[(what, key)] = totals.get((what, key), 0) + count

    def total(what, key):
        return totals.get((what, key), 0)

    def returning(key):
        return total("visitors", key) - total("new", key)

    figures = [
        Figure(
            "visits",
            _("Kunjungan (tiket antrean)"),
            total("visits", "now"),
            total("visits", "before"),
        ),
        Figure(
            "bookings_online",
            _("Pemesanan daring"),
            total("bookings", "now"),
            total("bookings", "before"),
        ),
        Figure(
            "visitors",
            _("Pengunjung dikenali"),
            total("visitors", "now"),
            total("visitors", "before"),
        ),
        Figure("visitors_new", _("Pengunjung baru"), total("new", "now"), total("new", "before")),
        Figure(
            "visitors_returning", _("Pengunjung kembali"), returning("now"), returning("before")
        ),
        Figure(
            "catalogue_views",
            _("Kunjungan halaman katalog layanan"),
            total("views", "now"),
            total("views", "before"),
        ),
    ]
    months = period.months()
    rows = []
    for month in months:
        visitors = per_month.get(("visitors", month), 0)
        new = new_per_month.get(month, 0)
        rows.append(
            [
                _month_label(month),
                per_month.get(("visits", month), 0),
                per_month.get(("bookings", month), 0),
                visitors,
                new,
                visitors - new,
                per_month.get(("views", month), 0),
            ]
        )
    table = Table(
        columns=[
            _("Bulan"),
            _("Kunjungan"),
            _("Pemesanan daring"),
            _("Pengunjung dikenali"),
            _("Baru"),
            _("Kembali"),
            _("Kunjungan halaman katalog"),
        ],
        rows=rows,
        caption=_("Kunjungan, pemesanan dan pembaca katalog per bulan"),
    )
    chart = Chart(
        type="bar",
        labels=[row[0] for row in rows],
        datasets=[
            {"label": str(_("Kunjungan")), "data": [row[1] for row in rows]},
            {"label": str(_("Pemesanan daring")), "data": [row[2] for row in rows]},
            {"label": str(_("Pengunjung baru")), "data": [row[4] for row in rows]},
            {"label": str(_("Pengunjung kembali")), "data": [row[5] for row in rows]},
            {"label": str(_("Kunjungan halaman katalog")), "data": [row[6] for row in rows]},
        ],
    )
    definition = _(
        "Periode %(period)s, dibandingkan dengan %(previous)s (tanggal WIB). Kunjungan: "
        "tiket antrean yang diambil di gedung, termasuk pemesanan yang sudah check-in "
        "(satu pemesanan yang menjadi tiket dihitung satu kali). Pemesanan daring: "
        "pemesanan jadwal yang dibuat dalam periode. Pengunjung dikenali: orang yang "
        "dibedakan dari sidik (hash) nomor HP atau, bila tidak ada, NIK-nya; sidik "
        "dihitung di dalam basis data, tidak pernah ditampilkan atau disimpan. "
        "Pengunjung baru: tiket atau pemesanan pertamanya di gedung ini jatuh dalam "
        "bulan/periode itu; pengunjung kembali: pernah datang atau memesan sebelumnya. "
        "Tiket tanpa nomor HP dihitung sebagai kunjungan, tidak sebagai pengunjung. "
        "Kunjungan halaman katalog: tampilan daftar layanan dan halaman standar "
        "pelayanan, dihitung di server tanpa cookie, tanpa pelacak pihak ketiga, "
        "tanpa robot dan petugas."
    ) % {"period": period.label, "previous": previous.label}
    if ctx.agency is not None:
        definition += " " + _(
            "Untuk instansi: hanya tiket, pemesanan dan halaman layanan instansi ini; "
            "pengunjung baru berarti baru bagi instansi ini."
        )
    return Tile(
        key="awareness",
        title=_("Kesadaran publik"),
        definition=definition,
        figures=figures,
        table=table,
        chart=chart,
        url=reverse("services:stats"),
        public_url=reverse("services:catalogue"),
    )
