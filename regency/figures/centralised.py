"""Services centralised: the hall's catalogue under an active agreement.

The agreements issue keeps the coverage (agreements.selectors.coverage):
which active services of the hall are under an active agreement (PKS,
kesepakatan bersama ...) and which services of the regency are not yet in
the MPP (PendingService). Coverage is a state, not a flow: the figure of a
period is the state at its end. For the period that is running now (or a
future one) that is the live state; for a past period it is the hall's last
CoverageSnapshot on or before the period's last day (none: "–"). The
agency slice has no snapshots, so it shows the live state only.

Queries: the per-agency aggregate (one GROUP BY with an EXISTS per agency
for the agency's agreement), the pending list grouped by agency, and the
snapshot at each period's end (one query each).
"""

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Agreement, AgreementParty, CoverageSnapshot, PendingService
from mpp_portal.workdays import JAKARTA
from regency.figures import Chart, Context, Figure, Table, Tile
from services.models import Service

ACTIVE = Agreement.Status.ACTIVE


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def _live(ctx: Context):
    """Per-agency rows and totals of the live coverage (two queries)."""
    hall = ctx.hall
    services = Service.objects.filter(agency__hall=hall, is_active=True)
    pending = PendingService.objects.filter(hall=hall)
    if ctx.agency is not None:
        services = services.filter(agency=ctx.agency)
        pending = pending.filter(agency=ctx.agency)
    party = AgreementParty.objects.filter(
        agency=OuterRef("agency_id"), agreement__hall=hall, agreement__status=ACTIVE
    )
    rows = list(
        services.values("agency_id", "agency__name")
        .annotate(
            in_mpp=Count("pk", distinct=True),
            covered=Count(
                "pk",
                filter=Q(agreements__status=ACTIVE, agreements__hall=hall),
                distinct=True,
            ),
            party=Exists(party),
        )
        .order_by("agency__name")
    )
    pending_of = dict(
        pending.values("agency_id").annotate(n=Count("pk")).order_by().values_list("agency_id", "n")
    )
    totals = {
        "agencies": len(rows),
        "agencies_covered": sum(1 for row in rows if row["party"]),
        "in_mpp": sum(row["in_mpp"] for row in rows),
        "covered": sum(row["covered"] for row in rows),
        "pending": sum(pending_of.values()),
    }
    return rows, pending_of, totals


def _snapshots(ctx: Context, days):
    """{day: the hall's last snapshot on or before day} (one query per day)."""
    found = {}
    for day in days:
        snapshot = (
            CoverageSnapshot.objects.filter(hall=ctx.hall, date__lte=day).order_by("-date").first()
        )
        if snapshot is not None:
            found[day] = snapshot
    return found


def build(ctx: Context) -> Tile:
    today = ctx.today or timezone.localdate(timezone=JAKARTA)
    period, previous = ctx.period, ctx.period.previous()
    rows, pending_of, live = _live(ctx)
    is_current = period.end >= today
    now = {"in_mpp": None, "covered": None, "pending": None}
    before = dict(now)
    if ctx.agency is None:
        days = [previous.end] if is_current else [period.end, previous.end]
        snaps = _snapshots(ctx, days)
        for target, day in ((before, previous.end), (now, period.end)):
            snap = snaps.get(day)
            if snap is not None and not (target is now and is_current):
                target.update(
                    in_mpp=snap.services_in_mpp,
                    covered=snap.services_covered,
                    pending=snap.services_pending,
                )
    if is_current:
        now = {key: live[key] for key in ("in_mpp", "covered", "pending")}

    def share_centralised(values):
        if values["in_mpp"] is None:
            return None
        return _share(values["in_mpp"], values["in_mpp"] + values["pending"])

    def share_covered(values):
        if values["in_mpp"] is None:
            return None
        return _share(values["covered"], values["in_mpp"])

    figures = [
        Figure("services_in_mpp", _("Layanan di MPP"), now["in_mpp"], before["in_mpp"]),
        Figure(
            "services_covered",
            _("Layanan dengan perjanjian berlaku"),
            now["covered"],
            before["covered"],
        ),
        Figure(
            "share_covered",
            _("Layanan di MPP yang tercakup perjanjian"),
            share_covered(now),
            share_covered(before),
            unit="%",
        ),
        Figure(
            "services_pending",
            _("Layanan kabupaten belum di MPP"),
            now["pending"],
            before["pending"],
            higher_is_better=False,
        ),
        Figure(
            "share_centralised",
            _("Layanan kabupaten yang sudah di MPP"),
            share_centralised(now),
            share_centralised(before),
            unit="%",
        ),
    ]
    if is_current:
        figures.insert(
            0, Figure("agencies_in_mpp", _("Instansi melayani di MPP"), live["agencies"], None)
        )
        figures.insert(
            1,
            Figure(
                "agencies_covered",
                _("Instansi dengan perjanjian berlaku"),
                live["agencies_covered"],
                None,
            ),
        )
    table_rows = [
        [
            row["agency__name"],
            row["in_mpp"],
            row["covered"],
            row["in_mpp"] - row["covered"],
            pending_of.get(row["agency_id"], 0),
            _("Ya") if row["party"] else _("Belum"),
        ]
        for row in rows
    ]
    if pending_of.get(None):
        table_rows.append([_("Instansi belum hadir di MPP"), 0, 0, 0, pending_of[None], _("Belum")])
    table = Table(
        columns=[
            _("Instansi"),
            _("Layanan di MPP"),
            _("Tercakup perjanjian"),
            _("Belum tercakup"),
            _("Belum di MPP"),
            _("Perjanjian berlaku"),
        ],
        rows=table_rows,
        caption=_("Cakupan perjanjian per instansi, keadaan saat ini"),
    )
    chart = Chart(
        type="bar",
        labels=[row[0] for row in table_rows],
        datasets=[
            {"label": str(_("Tercakup perjanjian")), "data": [row[2] for row in table_rows]},
            {"label": str(_("Belum tercakup")), "data": [row[3] for row in table_rows]},
            {"label": str(_("Belum di MPP")), "data": [row[4] for row in table_rows]},
        ],
    )
    definition = _(
        "Keadaan pada akhir periode: untuk periode berjalan keadaan saat ini, untuk "
        "periode lalu rekap cakupan harian terakhir pada atau sebelum hari terakhirnya. "
        "Layanan di MPP: layanan aktif di katalog gedung ini. Tercakup: layanan yang "
        "tercantum dalam sedikitnya satu perjanjian berstatus berlaku. Belum di MPP: "
        "daftar layanan kabupaten yang belum masuk MPP yang disusun admin MPP. "
        "Persentase layanan kabupaten di MPP = layanan di MPP / (layanan di MPP + "
        "belum di MPP). Tabel per instansi menunjukkan keadaan saat ini."
    )
    return Tile(
        key="centralised",
        title=_("Layanan terpusat di MPP"),
        definition=definition,
        figures=figures,
        table=table,
        chart=chart,
        url=reverse("agreements:coverage"),
        public_url=reverse("agreements:public", args=[ctx.hall.slug]),
    )
