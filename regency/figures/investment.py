"""Investment: SIPABES registrations, NIBs and declared capital vs the target.

The population is the one of the SIPABES dashboard
(services.sipabes.dashboard): registrations made at the hall in the period
(``created_at``, WIB), rejected ones left out. NIB issued counts those of
them that hold a NIB (``nib_issued`` or ``handed_over``); capital is the
modal usaha they declared (whole rupiah, land and buildings excluded).
Year to date runs from 1 January of the period's year to the period's end,
set against the regency's InvestmentTarget of that year. The capital is
only one part of the regency's investment realisation (the SIPABES
dashboard's CAPITAL_NOTE says why).

Queries: one aggregate with FILTER for the period, the previous period and
the year to date; one per-month count; the target.

SIPABES is run by the hall for the whole regency: the tile has no per-agency
slice. On the public page a period with fewer than MIN_GROUP traders shows
no figure, as the SIPABES dashboard does.
"""

from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _

from mpp_portal.workdays import JAKARTA
from regency.figures import Chart, Context, Figure, Table, Tile
from regency.periods import YEAR, Period
from services.sipabes.dashboard import CAPITAL_NOTE, MIN_GROUP
from services.sipabes.models import InvestmentTarget, Registration

ISSUED = Q(status__in=[Registration.Status.NIB_ISSUED, Registration.Status.HANDED_OVER])


def _window(start_at, end_at):
    return Q(created_at__gte=start_at, created_at__lt=end_at)


def _measures(name, window):
    return {
        f"traders_{name}": Count("pk", filter=window),
        f"nib_{name}": Count("pk", filter=window & ISSUED),
        f"capital_{name}": Sum("capital", filter=window),
        f"workers_{name}": Sum("workers", filter=window),
    }


def build(ctx: Context) -> Tile:
    period, previous = ctx.period, ctx.period.previous()
    year = Period(YEAR, period.year)
    registrations = Registration.objects.filter(hall=ctx.hall).exclude(
        status=Registration.Status.REJECTED
    )
    first = min(previous.start_at, year.start_at)
    totals = registrations.filter(created_at__gte=first, created_at__lt=period.end_at).aggregate(
        **_measures("now", _window(period.start_at, period.end_at)),
        **_measures("before", _window(previous.start_at, previous.end_at)),
        **_measures("ytd", _window(year.start_at, period.end_at)),
    )
    monthly = {
        row["month"].date(): row
        for row in registrations.filter(
            created_at__gte=period.start_at, created_at__lt=period.end_at
        )
        .annotate(month=TruncMonth("created_at", tzinfo=JAKARTA))
        .values("month")
        .annotate(traders=Count("pk"), nib=Count("pk", filter=ISSUED), capital=Sum("capital"))
        .order_by("month")
    }
    target = (
        InvestmentTarget.objects.filter(regency=ctx.hall.regency, year=period.year)
        .values_list("amount", flat=True)
        .first()
    )

    def value(name, suffix):
        number = totals[f"{name}_{suffix}"] or 0
        traders = totals[f"traders_{suffix}"]
        if ctx.public and 0 < traders < MIN_GROUP:
            return None
        return int(number)

    capital_ytd = value("capital", "ytd")
    share = round(100 * capital_ytd / target, 1) if target and capital_ytd is not None else None
    figures = [
        Figure(
            "registrations",
            _("Pendaftaran pelaku usaha"),
            value("traders", "now"),
            value("traders", "before"),
        ),
        Figure("nib_issued", _("NIB terbit"), value("nib", "now"), value("nib", "before")),
        Figure(
            "capital",
            _("Modal usaha terdaftar"),
            value("capital", "now"),
            value("capital", "before"),
            unit="Rp",
        ),
        Figure("workers", _("Tenaga kerja"), value("workers", "now"), value("workers", "before")),
        Figure("nib_ytd", _("NIB terbit sejak awal tahun"), value("nib", "ytd")),
        Figure("capital_ytd", _("Modal usaha sejak awal tahun"), capital_ytd, unit="Rp"),
        Figure("target", _("Target investasi tahun ini"), target, unit="Rp", higher_is_better=None),
        Figure("target_share", _("Modal usaha terhadap target"), share, unit="%"),
    ]
    rows = []
    for month in period.months():
        row = monthly.get(month, {})
        traders = row.get("traders", 0)
        hidden = ctx.public and 0 < traders < MIN_GROUP
        rows.append(
            [
                f"{MONTHS_3[month.month].title()} {month.year}",
                None if hidden else traders,
                None if hidden else row.get("nib", 0),
                None if hidden else int(row.get("capital") or 0),
            ]
        )
    table = Table(
        columns=[_("Bulan"), _("Pendaftaran"), _("NIB terbit"), _("Modal usaha (Rp)")],
        rows=rows,
        caption=_("Pendaftaran SIPABES per bulan pendaftaran"),
    )
    chart = Chart(
        type="bar",
        labels=[row[0] for row in rows],
        datasets=[
            {"label": str(_("Pendaftaran")), "data": [row[1] for row in rows]},
            {"label": str(_("NIB terbit")), "data": [row[2] for row in rows]},
        ],
    )
    definition = _(
        "Dihitung atas pendaftaran SIPABES yang dibuat di gedung ini dalam periode "
        "(WIB), selain yang ditolak. NIB terbit: pendaftaran itu yang sudah memperoleh "
        "NIB. Modal usaha: modal yang dinyatakan pelaku usaha (tanpa tanah dan "
        "bangunan). Sejak awal tahun: 1 Januari sampai akhir periode, dibandingkan "
        "dengan target investasi kabupaten tahun itu; modal usaha ini hanya sebagian "
        "dari realisasi investasi."
    )
    definition = " ".join([str(definition), str(CAPITAL_NOTE)])
    query = urlencode({"tahun": period.year, "kabupaten": ctx.hall.regency})
    url = reverse("sipabes:dashboard") + "?" + query
    return Tile(
        key="investment",
        title=_("Investasi (SIPABES)"),
        definition=definition,
        figures=figures,
        table=table,
        chart=chart,
        url=url,
        public_url=url,
        hidden_for_agency=True,
    )
