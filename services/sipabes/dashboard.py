"""The SIPABES investment dashboard: public aggregates of one regency and year.

One function, ``dashboard_data(regency=, year=)``, feeds the public page
(/sipabes/dasbor/), its CSV export and ``GET /api/v1/sipabes/dashboard/``,
so the three always show the same figures.

What is counted (the page says it in words):

- The population of a year is the **registrations made in that year**
  (``created_at`` in Asia/Jakarta), rejected ones left out: the traders
  registered. NIB issued counts those of them that hold a NIB
  (``nib_issued`` or ``handed_over``); workers and capital are summed over
  all of them. Months are months of registration. One population keeps the
  totals and every breakdown consistent (a NIB recorded in January for a
  December registration counts in December's year).
- **Capital** is the modal usaha the traders declared (whole rupiah, land
  and buildings excluded). It is set against the regency's
  ``InvestmentTarget`` of the year, with the honest label that it is only
  one part of investment realisation.

Privacy: aggregates only, and no group of fewer than ``MIN_GROUP`` traders.
Small groups are folded into one "Lainnya" row; when that row would itself
hold fewer than ``MIN_GROUP`` traders, the next smallest group joins it, so
no hidden group can be computed back as a total minus the rows shown. The
markets of one kecamatan get the same treatment inside their kecamatan, as
the kecamatan table gives their sum. A year with fewer than ``MIN_GROUP``
traders shows no figure at all.

Every figure comes from SQL aggregates: the number of queries is a constant
(``QUERIES``), whatever the number of registrations.
"""

import datetime
import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mpp_portal.organizations.models import Hall
from mpp_portal.workdays import JAKARTA
from services.sipabes.models import DISTRICT_NAMES, InvestmentTarget, Registration

# No public figure describes fewer traders than this.
MIN_GROUP = 3
# SIPABES was launched on 20 June 2024 (DOMAIN.md): no earlier year has data.
FIRST_YEAR = 2024
# Queries of one dashboard_data() call: the target, the totals with four
# breakdowns (one GROUPING SETS scan), the KBLI sections.
QUERIES = 3
# How long the public figures are reused (cached_dashboard); settings may
# change it with SIPABES_DASHBOARD_CACHE_SECONDS.
CACHE_SECONDS = 300

# KBLI 2020 categories (Peraturan BPS 2/2020), for the section breakdown.
KBLI_SECTIONS = {
    "A": _("Pertanian, kehutanan dan perikanan"),
    "B": _("Pertambangan dan penggalian"),
    "C": _("Industri pengolahan"),
    "D": _("Pengadaan listrik, gas, uap/air panas dan udara dingin"),
    "E": _("Pengelolaan air, air limbah, daur ulang sampah dan remediasi"),
    "F": _("Konstruksi"),
    "G": _("Perdagangan besar dan eceran; reparasi mobil dan sepeda motor"),
    "H": _("Pengangkutan dan pergudangan"),
    "I": _("Penyediaan akomodasi dan makan minum"),
    "J": _("Informasi dan komunikasi"),
    "K": _("Aktivitas keuangan dan asuransi"),
    "L": _("Real estat"),
    "M": _("Aktivitas profesional, ilmiah dan teknis"),
    "N": _("Aktivitas penyewaan, ketenagakerjaan, agen perjalanan dan penunjang usaha"),
    "O": _("Administrasi pemerintahan, pertahanan dan jaminan sosial wajib"),
    "P": _("Pendidikan"),
    "Q": _("Aktivitas kesehatan manusia dan aktivitas sosial"),
    "R": _("Kesenian, hiburan dan rekreasi"),
    "S": _("Aktivitas jasa lainnya"),
    "T": _("Aktivitas rumah tangga sebagai pemberi kerja"),
    "U": _("Aktivitas badan internasional dan ekstra internasional"),
}

MEASURES = ("traders", "nib_issued", "workers", "capital")
CAPITAL_NOTE = _(
    "Modal usaha di sini adalah modal yang dinyatakan pelaku usaha saat mendaftar "
    "melalui SIPABES (tidak termasuk tanah dan bangunan). Ini hanya satu bagian dari "
    "realisasi investasi kabupaten, bukan realisasi investasi seluruhnya: realisasi "
    "investasi dihitung dari laporan kegiatan penanaman modal (LKPM) semua pelaku usaha."
)
PRIVACY_NOTE = _(
    "Hanya angka gabungan, tanpa data pribadi. Kelompok dengan kurang dari 3 pelaku "
    "usaha tidak ditampilkan sendiri: kelompok itu digabung ke baris “Lainnya”, "
    "bersama kelompok kecil berikutnya bila perlu, sehingga angkanya tidak dapat "
    "dihitung balik dari jumlah."
)
POPULATION_NOTE = _(
    "Dihitung atas pendaftaran yang dibuat pada tahun terpilih (WIB), selain yang "
    "ditolak. NIB terbit: pendaftaran itu yang sudah memperoleh NIB. Bulan: bulan "
    "pendaftaran."
)


def current_year():
    return timezone.localdate(timezone=JAKARTA).year


def year_choices():
    """Return the years the dashboard offers, newest first."""
    return list(range(current_year(), FIRST_YEAR - 1, -1))


def regencies():
    """Return the regencies of the active halls (one query), sorted."""
    return list(
        Hall.objects.filter(is_active=True)
        .order_by("regency")
        .values_list("regency", flat=True)
        .distinct()
    )


def year_bounds(year):
    """Return the first moment of ``year`` and of the next one, in WIB."""
    return (
        datetime.datetime(year, 1, 1, tzinfo=JAKARTA),
        datetime.datetime(year + 1, 1, 1, tzinfo=JAKARTA),
    )


def cohort(*, regency, year):
    """Return the registrations the dashboard of ``regency`` and ``year`` counts."""
    start, end = year_bounds(year)
    return Registration.objects.filter(
        hall__regency=regency, created_at__gte=start, created_at__lt=end
    ).exclude(status=Registration.Status.REJECTED)


def _row(key, label, values, **extra):
    return {
        "key": key,
        "label": str(label),
        "traders": values.get("traders") or 0,
        "nib_issued": values.get("nib_issued") or 0,
        "workers": int(values.get("workers") or 0),
        "capital": int(values.get("capital") or 0),
        **extra,
    }


def _blank(row):
    """Hide every figure of ``row`` (a group too small to show)."""
    return {**row, **dict.fromkeys(MEASURES), "suppressed": True}


def _grow(small, candidates, rows):
    """Add the smallest of ``candidates`` to ``small`` until its sum is 0 or >= MIN_GROUP."""
    total = sum(rows[i]["traders"] for i in small)
    rest = sorted(
        (i for i in candidates if i not in small and rows[i]["traders"] > 0),
        key=lambda i: (rows[i]["traders"], i),
    )
    while 0 < total < MIN_GROUP and rest:
        index = rest.pop(0)
        small.add(index)
        total += rows[index]["traders"]


def protect(rows, *, parent=None):
    """Return ``{"rows": shown, "other": combined-or-None}`` for a breakdown.

    Groups with 1 or 2 traders are combined into one "Lainnya" row (the
    module docstring says why further groups may join it). ``parent`` names a
    key of the rows whose groups another table shows as sums (a market's
    kecamatan): inside each parent the hidden groups are grown the same way.
    Groups with no trader stay (a zero tells nothing about anybody).
    """
    small = {i for i, row in enumerate(rows) if 0 < row["traders"] < MIN_GROUP}
    if parent:
        partitions = {}
        for i, row in enumerate(rows):
            partitions.setdefault(row[parent], []).append(i)
        for members in partitions.values():
            hidden = {i for i in members if i in small}
            _grow(hidden, members, rows)
            small |= hidden
    _grow(small, range(len(rows)), rows)
    shown = [{**row, "suppressed": False} for i, row in enumerate(rows) if i not in small]
    if not small:
        return {"rows": shown, "other": None}
    hidden = [rows[i] for i in small]
    other = _row(
        None,
        _("Lainnya (%(count)s kelompok kecil digabung)") % {"count": len(hidden)},
        {m: sum(row[m] for row in hidden) for m in MEASURES},
        groups=len(hidden),
        suppressed=False,
    )
    if other["traders"] < MIN_GROUP:
        other = _blank(other)
    return {"rows": shown, "other": other}


# GROUPING(month, district, market, scale) of each grouping set: a bit is 1
# when its column is not grouped in that set.
GROUPING_SETS = {15: "total", 7: "month", 11: "district", 13: "market", 14: "scale"}


def _grouped(queryset):
    """Return the measures of the totals and four breakdowns from one scan.

    ``{"total": {None: m}, "month": {1: m, ...}, "district": {code: m},
    "market": {id: m + market_name, market_district}, "scale": {...}}``.
    One ``GROUPING SETS`` query reads the year's rows once instead of five
    times (a totals query and four GROUP BYs); the ORM cannot express it, so
    the cohort's SQL is wrapped.
    """
    market = Registration._meta.get_field("market").related_model
    qn = connection.ops.quote_name
    base_sql, params = (
        queryset.values("id", "status", "workers", "capital", "scale", "market_id", "created_at")
        .order_by()
        .query.sql_with_params()
    )
    issued = [Registration.Status.NIB_ISSUED, Registration.Status.HANDED_OVER]
    sql = f"""
        SELECT GROUPING(x.month, x.district_code, x.market_id, x.scale),
               x.month, x.district_code, x.market_id, x.scale,
               MIN(x.market_name), MIN(x.district_code),
               COUNT(*), COUNT(*) FILTER (WHERE x.issued),
               COALESCE(SUM(x.workers), 0), COALESCE(SUM(x.capital), 0)
        FROM (
            SELECT r.market_id, r.scale, r.workers, r.capital,
                   r.status IN (%s, %s) AS issued,
                   EXTRACT(MONTH FROM r.created_at AT TIME ZONE %s)::int AS month,
                   m.{qn(market._meta.get_field("district_code").column)} AS district_code,
                   m.{qn(market._meta.get_field("name").column)} AS market_name
            FROM ({base_sql}) AS r
            JOIN {qn(market._meta.db_table)} m ON m.{qn(market._meta.pk.column)} = r.market_id
        ) AS x
        GROUP BY GROUPING SETS ((), (x.month), (x.district_code), (x.market_id), (x.scale))
    """
    result = {name: {} for name in GROUPING_SETS.values()}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*issued, str(JAKARTA), *params])
        for (
            grouping,
            month,
            district,
            market_id,
            scale,
            name,
            market_district,
            *values,
        ) in cursor.fetchall():
            kind = GROUPING_SETS[grouping]
            key = {
                "total": None,
                "month": month,
                "district": district,
                "market": market_id,
                "scale": scale,
            }[kind]
            measures = dict(zip(MEASURES, values, strict=True))
            if kind == "market":
                measures.update(market_name=name, market_district=market_district)
            result[kind][key] = measures
    return result


def _section_rows(queryset):
    """Return per-KBLI-section measures; a registration counts once per section.

    A registration with two codes of one section must not count twice, and
    one with codes of two sections counts in both: the pairs (registration,
    section) are made distinct before summing, which the ORM cannot express
    over a many-to-many join.
    """
    through = Registration.kbli.through
    kbli = Registration.kbli.field.related_model
    qn = connection.ops.quote_name
    base_sql, params = (
        queryset.values("id", "status", "workers", "capital").order_by().query.sql_with_params()
    )
    issued = [Registration.Status.NIB_ISSUED, Registration.Status.HANDED_OVER]
    sql = f"""
        SELECT s.section, COUNT(*), COUNT(*) FILTER (WHERE r.status IN (%s, %s)),
               COALESCE(SUM(r.workers), 0), COALESCE(SUM(r.capital), 0)
        FROM ({base_sql}) AS r
        JOIN (
            SELECT DISTINCT t.{qn(through._meta.get_field("registration").column)} AS rid,
                   k.{qn(kbli._meta.get_field("section").column)} AS section
            FROM {qn(through._meta.db_table)} t
            JOIN {qn(kbli._meta.db_table)} k
              ON k.{qn(kbli._meta.pk.column)} = t.{qn(through._meta.get_field("kbli").column)}
        ) AS s ON s.rid = r.id
        GROUP BY s.section
        ORDER BY s.section
    """
    with connection.cursor() as cursor:
        # The status filter's parameters come first in the SELECT list.
        cursor.execute(sql, [*issued, *params])
        return [
            _row(
                section,
                KBLI_SECTIONS.get(section, section),
                dict(zip(MEASURES, values, strict=True)),
            )
            for section, *values in cursor.fetchall()
        ]


def _percent(part, whole):
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def dashboard_data(*, regency, year):
    """Return the dashboard of ``regency`` for ``year`` (see the module docstring).

    A dict of plain values (the API serialises it as it is): ``totals``,
    ``target`` and the breakdowns ``by_month``, ``by_district``,
    ``by_market``, ``by_kbli_section`` and ``by_scale``, each
    ``{"rows": [...], "other": {...} | None}``. Runs ``QUERIES`` queries.
    """
    queryset = cohort(regency=regency, year=year)
    target = (
        InvestmentTarget.objects.filter(regency=regency, year=year)
        .values_list("amount", flat=True)
        .first()
    )
    groups = _grouped(queryset)
    totals = _row(None, _("Jumlah"), groups["total"].get(None, {}))
    by_month = [
        _row(f"{year}-{number:02d}", MONTHS[number], groups["month"].get(number, {}))
        for number in range(1, 13)
    ]
    by_district = [
        _row(code, DISTRICT_NAMES.get(code, code), values)
        for code, values in sorted(groups["district"].items())
    ]
    by_market = [
        _row(
            market_id,
            values["market_name"],
            values,
            district_code=values["market_district"],
            district_name=DISTRICT_NAMES.get(values["market_district"], values["market_district"]),
        )
        for market_id, values in sorted(
            groups["market"].items(), key=lambda item: (item[1]["market_name"], item[0])
        )
    ]
    by_scale = [
        _row(value, label, groups["scale"].get(value, {}))
        for value, label in Registration.Scale.choices
    ]
    by_section = _section_rows(queryset)

    visible = totals["traders"] >= MIN_GROUP or totals["traders"] == 0
    data = {
        "regency": regency,
        "year": year,
        "computed_at": timezone.now(),
        "min_group_size": MIN_GROUP,
        "suppressed": not visible,
        "totals": {**totals, "suppressed": not visible},
        "target": {
            "amount": target,
            "capital_share_percent": _percent(totals["capital"], target) if visible else None,
        },
        "by_month": protect(by_month),
        "by_district": protect(by_district),
        "by_market": protect(by_market, parent="district_code"),
        "by_kbli_section": protect(by_section),
        "by_scale": protect(by_scale),
    }
    if not visible:
        data["totals"] = _blank(data["totals"])
        for name in BREAKDOWNS:
            data[name] = {"rows": [], "other": None}
    return data


def cached_dashboard(*, regency, year):
    """Return ``dashboard_data()``, computed at most once per ``cache_seconds()``.

    The page, its CSV and the API are public: a burst of visitors must not
    run the aggregates once each (about half a second over 100,000 rows on
    a loaded two-core machine; bench/sipabes_load.py). The figures are then
    up to that many seconds old, which the page says with ``computed_at``,
    except that a registration created, moved or edited drops its regency
    and year at once (``forget_on_commit``, called from services.py).
    Labels are translated, so each language has its own entry; while the
    cache is away (mpp_portal/cache.py) every request computes.
    """
    key = cache_key(regency=regency, year=year)
    data = cache.get(key)
    if data is None:
        data = dashboard_data(regency=regency, year=year)
        cache.set(key, data, cache_seconds())
    return data


def cache_key(*, regency, year, language=None):
    """Return the cache key of the figures of ``regency`` and ``year`` in a language.

    The language defaults to the active one.
    """
    language = language or get_language()
    digest = hashlib.sha256(f"{language}|{regency}|{year}".encode()).hexdigest()[:32]
    return f"sipabes:dashboard:{digest}"


def forget(*, regency, year):
    """Drop the cached figures of ``regency`` and ``year`` in every language."""
    cache.delete_many(
        [cache_key(regency=regency, year=year, language=code) for code, _name in settings.LANGUAGES]
    )


def forget_on_commit(registration):
    """Drop the cached figures ``registration`` counts in, once the change commits.

    Called by every use case that creates, moves or edits a registration
    (services.py), so the officer who just recorded a NIB sees it counted
    at once instead of up to ``cache_seconds()`` later. The population is by
    ``created_at`` in WIB, so that year is the one whose figures changed.
    """
    hall_id = registration.hall_id
    year = timezone.localtime(registration.created_at, JAKARTA).year

    def drop():
        regency = Hall.objects.filter(pk=hall_id).values_list("regency", flat=True).first()
        if regency is not None:
            forget(regency=regency, year=year)

    transaction.on_commit(drop)


def cache_seconds():
    return getattr(settings, "SIPABES_DASHBOARD_CACHE_SECONDS", CACHE_SECONDS)


# Breakdown keys in page order, with their headings.
BREAKDOWNS = {
    "by_month": _("Per bulan"),
    "by_district": _("Per kecamatan"),
    "by_market": _("Per pasar"),
    "by_kbli_section": _("Per kategori KBLI 2020"),
    "by_scale": _("Per skala usaha"),
}


def chart_data(data):
    """Return the series the page's charts draw (static/js/sipabes-dashboard.js)."""
    charts = {}
    for name in BREAKDOWNS:
        rows = list(data[name]["rows"])
        labels = [row["key"] if name == "by_kbli_section" else row["label"] for row in rows]
        other = data[name]["other"]
        if other and not other["suppressed"]:
            # The table says how many groups it combines; an axis has no room.
            rows.append(other)
            labels.append(str(_("Lainnya")))
        charts[name] = {
            "labels": labels,
            **{m: [row[m] for row in rows] for m in MEASURES},
        }
    return charts
