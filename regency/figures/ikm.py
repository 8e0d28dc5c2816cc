"""IKM (indeks kepuasan masyarakat) per service and for the hall.

Every number comes from services/skm.py (Permenpan RB 14/2017, DOMAIN.md):

- The hall's IKM, grade and minimum sample: ``skm.ikm_summary`` over
  ``skm.scope`` for the period's days (the survey's ``date`` is the WIB day
  of service), and the same for the previous period.
- Per service: ``skm.survey_rows`` (the SKM rollup) gives each service's nine
  sums, ``skm.ikm_from_sums`` and ``skm.grade_for`` turn them into IKM and
  grade; the population (tickets served) per service is summed from the
  queue's daily rollup (TicketDayStat) for the days it covers and counted
  from the tickets for the others, as skm counts the hall's, and
  ``skm.krejcie_morgan`` gives its minimum sample.

On the public page a service with fewer than MIN_RESPONDENTS answers shows
no index (one or two answers could be read back to the person).
"""

import datetime

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from regency.figures import Chart, Context, Figure, Table, Tile
from services import rollup, skm
from services.models import Service, SurveyResponse, Ticket, TicketDayStat

MIN_RESPONDENTS = 3


def _summary(ctx: Context, period):
    responses, served = skm.scope(
        hall=ctx.hall, agency=ctx.agency, date_from=period.start, date_to=period.end
    )
    return skm.ikm_summary(responses, served)


def _served_per_service(ctx: Context):
    """{service id: tickets served in the period}, from the daily rollup for
    the days it covers and from the tickets for the others (two queries and
    the rolled days), as skm's population is counted."""
    period = ctx.period
    days = rollup.rolled_days(period.start, period.end)
    rolled_set = set(days)
    # The days the rollup lacks, by name: the tickets' date index finds them.
    live_days = [
        period.start + datetime.timedelta(days=n)
        for n in range(period.days())
        if period.start + datetime.timedelta(days=n) not in rolled_set
    ]
    tickets = Ticket.objects.filter(
        status=Ticket.Status.DONE, service__agency__hall=ctx.hall, date__in=live_days
    )
    rolled = TicketDayStat.objects.filter(date__in=days, service__agency__hall=ctx.hall)
    if ctx.agency is not None:
        tickets = tickets.filter(service__agency=ctx.agency)
        rolled = rolled.filter(service__agency=ctx.agency)
    served = dict(
        tickets.values("service_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("service_id", "n")
    )
    if days:
        for service_id, n in (
            rolled.values("service_id").annotate(n=Sum("served")).values_list("service_id", "n")
        ):
            served[service_id] = served.get(service_id, 0) + (n or 0)
    return served


def _per_service(ctx: Context):
    period = ctx.period
    responses, _served = skm.scope(
        hall=ctx.hall, agency=ctx.agency, date_from=period.start, date_to=period.end
    )
    # One query over the SKM rollup and the answers of the days it lacks.
    sums = {
        row["key"][0]: row for row in skm.survey_rows(skm.rollup_scope(responses), group="service")
    }
    served = _served_per_service(ctx)
    ids = set(sums) | {pk for pk, n in served.items() if n}
    services = (
        Service.objects.filter(pk__in=ids).select_related("agency").order_by("agency__name", "name")
    )
    rows, reached_count = [], 0
    for service in services:
        row = sums.get(service.pk)
        respondents = row["respondents"] if row else 0
        population = served.get(service.pk) or 0
        minimum = skm.krejcie_morgan(population)
        ikm = grade = None
        if respondents:
            _nrr, ikm = skm.ikm_from_sums(
                respondents, [row[name] or 0 for name in SurveyResponse.SCORE_FIELDS]
            )
            grade = skm.grade_for(ikm)[0]
        if ctx.public and respondents < MIN_RESPONDENTS:
            ikm = grade = None
        reached = respondents > 0 and respondents >= minimum
        reached_count += reached
        rows.append(
            [
                service.name,
                service.agency.name,
                respondents,
                population,
                minimum,
                _("Ya") if reached else _("Belum"),
                ikm,
                grade,
            ]
        )
    return rows, reached_count


def build(ctx: Context) -> Tile:
    now = _summary(ctx, ctx.period)
    before = _summary(ctx, ctx.period.previous())
    rows, reached_count = _per_service(ctx)
    figures = [
        Figure(
            "ikm",
            _("IKM"),
            now["ikm"],
            before["ikm"],
            note=f"{now['grade']} ({now['grade_label']})" if now["grade"] else "",
        ),
        Figure("respondents", _("Responden"), now["respondents"], before["respondents"]),
        Figure(
            "population",
            _("Tiket selesai dilayani (populasi)"),
            now["population"],
            before["population"],
            higher_is_better=None,
        ),
        Figure(
            "min_sample",
            _("Sampel minimum (Krejcie-Morgan)"),
            now["min_sample"],
            before["min_sample"],
            higher_is_better=None,
        ),
        Figure(
            "sample_reached",
            _("Sampel minimum tercapai"),
            1 if now["sample_reached"] else 0,
            1 if before["sample_reached"] else 0,
            note=_("1 = tercapai, 0 = belum"),
        ),
        Figure(
            "services_sample_reached",
            _("Layanan yang sampel minimumnya tercapai"),
            reached_count,
            None,
        ),
    ]
    table = Table(
        columns=[
            _("Layanan"),
            _("Instansi"),
            _("Responden"),
            _("Populasi"),
            _("Sampel minimum"),
            _("Tercapai"),
            _("IKM"),
            _("Mutu"),
        ],
        rows=rows,
        caption=_("IKM per layanan dalam periode"),
    )
    charted = [row for row in rows if row[6] is not None]
    chart = Chart(
        type="bar",
        labels=[row[0] for row in charted],
        datasets=[{"label": str(_("IKM")), "data": [float(row[6]) for row in charted]}],
    )
    definition = _(
        "Survei kepuasan masyarakat (Permenpan RB 14/2017) atas layanan yang diberikan "
        "dalam periode (tanggal layanan, WIB). NRR per unsur = jumlah nilai / jumlah "
        "kuesioner; IKM = jumlah NRR × 1/9 × 25, mutu A (88,31–100), B (76,61–88,30), "
        "C (65,00–76,60), D (25,00–64,99). Populasi: tiket yang selesai dilayani dalam "
        "periode; sampel minimum menurut tabel Krejcie dan Morgan."
    )
    return Tile(
        key="ikm",
        title=_("Indeks kepuasan masyarakat (IKM)"),
        definition=definition,
        figures=figures,
        table=table,
        chart=chart,
        url=reverse("services:ikm"),
        public_url="",
    )
