"""The satisfaction survey (SKM) and its index (IKM), Permenpan RB 14/2017.

NRR per element = sum of its scores / number of questionnaires.
IKM = sum(NRR_i x 1/9) x 25, rounded to two decimals only at the end: the
often-printed weight 0,111 instead of 1/9 shifts results by about 0,1
(DOMAIN.md). The sums come from one SQL aggregate; the arithmetic on the
nine sums uses exact fractions.
"""

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp_portal.audit import record
from mpp_portal.exceptions import DomainError
from services.models import SurveyResponse, Ticket

# (lowest IKM, grade, label), best first (DOMAIN.md).
GRADES = [
    (Decimal("88.31"), "A", gettext_lazy("Sangat Baik")),
    (Decimal("76.61"), "B", gettext_lazy("Baik")),
    (Decimal("65.00"), "C", gettext_lazy("Kurang Baik")),
    (Decimal("25.00"), "D", gettext_lazy("Tidak Baik")),
]
TWO = Decimal("0.01")
FOUR = Decimal("0.0001")


class SurveyNotAllowed(DomainError):
    code = "survey_not_allowed"


def krejcie_morgan(population: int) -> int:
    """Minimum sample for ``population`` (Krejcie & Morgan 1970).

    s = X²NP(1-P) / (d²(N-1) + X²P(1-P)) with X² = 3.841, P = 0.5, d = 0.05,
    rounded to the nearest whole respondent, which reproduces all 90 entries
    of the published table (rounding up would disagree with 45 of them, e.g.
    500 -> 217, not 218): 100 -> 80, 1.000 -> 278, 1.000.000 -> 384. A
    population between two table rows gets the formula's own value.
    """
    if population <= 0:
        return 0
    chi2, p, d = Fraction(3841, 1000), Fraction(1, 2), Fraction(5, 100)
    sample = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return min(population, math.floor(sample + Fraction(1, 2)))


def grade_for(ikm: Decimal):
    for lowest, grade, label in GRADES:
        if ikm >= lowest:
            return grade, label
    return "D", GRADES[-1][2]


def _round(value: Fraction, places: Decimal) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        places, rounding=ROUND_HALF_UP
    )


def ikm_from_sums(respondents: int, sums: list[int]):
    """Return (nrr list of 9 Decimals, ikm Decimal) from the score sums."""
    if respondents == 0:
        return [Decimal("0.0000")] * 9, Decimal("0.00")
    nrr = [Fraction(total, respondents) for total in sums]
    ikm = sum(value * Fraction(1, 9) for value in nrr) * 25
    return [_round(value, FOUR) for value in nrr], _round(ikm, TWO)


def ikm_summary(responses, served_tickets):
    """Compute the IKM of ``responses`` (a SurveyResponse queryset).

    ``served_tickets`` is the population (finished tickets of the same scope
    and period) for the Krejcie & Morgan minimum sample. Without any answer
    there is no index: ``ikm``, ``grade`` and ``grade_label`` are None (an
    IKM of 0 would read as a verdict; the scale starts at 25).
    """
    found = rollup_scope(responses)
    if found is not None:
        # With the profile: the report's profile_breakdown() reads the same row.
        totals = survey_rows(found, profile=True)[0]
    else:
        totals = responses.aggregate(
            respondents=Count("pk"), **{name: Sum(name) for name in SurveyResponse.SCORE_FIELDS}
        )
    respondents = totals["respondents"]
    sums = [totals[name] or 0 for name in SurveyResponse.SCORE_FIELDS]
    nrr, ikm = ikm_from_sums(respondents, sums)
    population = _population(served_tickets)
    min_sample = krejcie_morgan(population)
    grade, label = grade_for(ikm) if respondents else (None, None)
    return {
        "respondents": respondents,
        "nrr": nrr,
        "ikm": ikm if respondents else None,
        "grade": grade,
        "grade_label": str(label) if respondents else None,
        "population": population,
        "min_sample": min_sample,
        "sample_reached": respondents > 0 and respondents >= min_sample,
    }


# ---------------------------------------------------------------------------
# The answers' sums from the SKM rollup (services.rollup, SurveyDayStat)
# ---------------------------------------------------------------------------
_GROUPS = {
    None: (),
    "month": ("date_trunc('month', f.date)::date",),
    # With the names the report shows (one query, as the GROUP BY it replaces).
    "agency": ("f.agency_id", "a.name", "a.short_name"),
    # The answer's own agency, as the rows' GROUP BY has it.
    "service": ("f.service_id", "f.agency_id", "sv.name", "a.short_name"),
}
_JOINS = {
    "agency": "JOIN organizations_agency a ON a.id = f.agency_id",
    "service": "JOIN services_service sv ON sv.id = f.service_id "
    "JOIN organizations_agency a ON a.id = f.agency_id",
}


def rollup_scope(responses):
    """The scope skm.scope() gave ``responses`` (dict), or None for any other queryset."""
    return getattr(responses, "_ikm_scope", None)


def _pk(value):
    return getattr(value, "pk", value)


def survey_rows(found, group=None, *, date_from=None, date_to=None, profile=False) -> list:
    """Respondents and the nine score sums per ``group`` (None, month, agency, service).

    ``found`` is a rollup_scope(); ``date_from``/``date_to`` narrow its
    period further. One query: the rollup rows of the rolled days
    (SurveyRollupDay, current layout) plus the answers of the other days and
    those written after their day's cutoff, so the sums equal those of the
    answers. ``profile``: each row also has ``profile``, the counts in
    services.rollup.SURVEY_PROFILE's order.
    """
    from django.db import connection

    from services import rollup

    # The page asks for the totals twice (index, then profile): once.
    memo = found.setdefault("_memo", {})
    memo_key = (group, date_from, date_to)
    if memo_key in memo and (memo[memo_key][1] or not profile):
        return memo[memo_key][0]
    lows = [d for d in (found["date_from"], date_from) if d is not None]
    highs = [d for d in (found["date_to"], date_to) if d is not None]
    low, high = (max(lows) if lows else None), (min(highs) if highs else None)

    where, params = [], {"layout": rollup.SURVEY_LAYOUT}
    for name in ("hall", "agency", "service"):
        if found[name] is not None:
            where.append(f"{{t}}.{name}_id = %({name})s")
            params[name] = _pk(found[name])
    if low is not None:
        where.append("{t}.date >= %(low)s")
        params["low"] = low
    if high is not None:
        where.append("{t}.date <= %(high)s")
        params["high"] = high

    def cond(alias, extra):
        return " AND ".join([w.format(t=alias) for w in where] + extra) or "TRUE"

    scores = ", ".join(SurveyResponse.SCORE_FIELDS)
    # The rolled days (rd), then the facts: the live answers of the days not
    # rolled (before, between and after the rolled ones: three index ranges),
    # the rollup rows, and the answers written after their day's cutoff (by
    # the created_at index). The subqueries on rd run once (InitPlans).
    first = "coalesce((SELECT min(date) FROM rd), 'infinity'::date)"
    last = "coalesce((SELECT max(date) FROM rd), 'infinity'::date)"
    gaps = (
        f"ARRAY(SELECT d::date FROM generate_series({first}, {last}, '1 day') d "
        "EXCEPT SELECT date FROM rd)"
    )
    branches = [
        f"""SELECT r.date, r.service_id, r.agency_id, 1 AS respondents, {scores},
               {{profile_row}} AS profile
        FROM services_surveyresponse r
        WHERE {cond("r", [f"(r.date < {first} OR r.date > {last} OR r.date = ANY({gaps}))"])}""",
        f"""SELECT s.date, s.service_id, s.agency_id, s.respondents, {scores}, s.profile
        FROM services_surveydaystat s
        WHERE {cond("s", ["s.date = ANY(ARRAY(SELECT date FROM rd))"])}""",
        f"""SELECT r.date, r.service_id, r.agency_id, 1, {scores}, {{profile_row}}
        FROM services_surveyresponse r JOIN rd ON rd.date = r.date AND r.created_at >= rd.cutoff
        WHERE {cond("r", ["r.created_at >= (SELECT min(cutoff) FROM rd)"])}""",
    ]
    rd_where = " AND ".join(
        ["layout = %(layout)s"]
        + (["date >= %(low)s"] if low is not None else [])
        + (["date <= %(high)s"] if high is not None else [])
    )
    profile_row = "ARRAY[]::int[]"
    if profile:
        profile_row = (
            "ARRAY["
            + ", ".join(
                f"(r.{field} = %(p{n})s)::int"
                for n, (field, _v) in enumerate(rollup.SURVEY_PROFILE)
            )
            + "]"
        )
        params.update({f"p{n}": value for n, (_f, value) in enumerate(rollup.SURVEY_PROFILE)})
    keys = _GROUPS[group]
    key = ", ".join(keys)
    # The order of the GROUP BY queries these replace (services.ikm_report).
    order = "a.short_name, sv.name" if group == "service" else key
    sums = ", ".join(f"coalesce(sum(f.{name}), 0)::bigint" for name in SurveyResponse.SCORE_FIELDS)
    profile_sums = ""
    if profile:
        profile_sums = ", " + ", ".join(
            f"coalesce(sum(f.profile[{n}]), 0)::bigint"
            for n in range(1, len(rollup.SURVEY_PROFILE) + 1)
        )
    union = "\n    UNION ALL\n    ".join(b.replace("{profile_row}", profile_row) for b in branches)
    sql = f"""
WITH rd AS MATERIALIZED (
    SELECT date, cutoff FROM services_surveyrollupday WHERE {rd_where}
), f AS (
    {union}
)
SELECT {key + ", " if key else ""}coalesce(sum(f.respondents), 0)::bigint, {sums}{profile_sums}
FROM f {_JOINS.get(group, "")} {f"GROUP BY {key} ORDER BY {order}" if key else ""}
"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        records = cursor.fetchall()
    out = []
    width = len(keys)
    for values in records:
        row = {
            "key": (values[0] if width == 1 else tuple(values[:width])) if key else None,
            "respondents": int(values[width] or 0),
        }
        for n, name in enumerate(SurveyResponse.SCORE_FIELDS, start=width + 1):
            row[name] = int(values[n] or 0)
        if profile:
            row["profile"] = [int(v or 0) for v in values[width + 10 :]]
        out.append(row)
    memo[memo_key] = (out, profile)
    return out


def _population(served_tickets):
    """Count ``served_tickets``: from the daily rollup where it covers the days.

    A queryset made by scope() knows its scope; its closed days are summed
    from services.rollup's rows (a year of tickets is counted from a few
    thousand rows), the other days counted from the tickets.
    """
    found = getattr(served_tickets, "_ikm_scope", None)
    if found is None:
        return served_tickets.count()
    from services.models import TicketDayStat, TicketRollupDay

    rolled = TicketRollupDay.objects.all()
    if found["date_from"] is not None:
        rolled = rolled.filter(date__gte=found["date_from"])
    if found["date_to"] is not None:
        rolled = rolled.filter(date__lte=found["date_to"])
    days = sorted(rolled.values_list("date", flat=True))
    if not days:
        return served_tickets.count()
    rows = TicketDayStat.objects.filter(date__in=days)
    for name, path in (("hall", "service__agency__hall"), ("agency", "service__agency")):
        if found[name] is not None:
            rows = rows.filter(**{path: found[name]})
    if found["service"] is not None:
        rows = rows.filter(service=found["service"])
    from_rollup = rows.aggregate(n=Sum("served"))["n"] or 0
    # The other days by name: before, between and after the rolled ones.
    rolled_set, gaps, day = set(days), [], days[0]
    while day < days[-1]:
        if day not in rolled_set:
            gaps.append(day)
        day += datetime.timedelta(days=1)
    live = served_tickets.filter(Q(date__lt=days[0]) | Q(date__gt=days[-1]) | Q(date__in=gaps))
    return from_rollup + live.count()


def scope(*, hall=None, agency=None, service=None, date_from=None, date_to=None):
    """Return (responses, served tickets) for a scope and period."""
    responses = SurveyResponse.objects.all()
    served = Ticket.objects.filter(status=Ticket.Status.DONE)
    if hall is not None:
        responses = responses.filter(hall=hall)
        served = served.filter(service__agency__hall=hall)
    if agency is not None:
        responses = responses.filter(agency=agency)
        served = served.filter(service__agency=agency)
    if service is not None:
        responses = responses.filter(service=service)
        served = served.filter(service=service)
    if date_from is not None:
        responses = responses.filter(date__gte=date_from)
        served = served.filter(date__gte=date_from)
    if date_to is not None:
        responses = responses.filter(date__lte=date_to)
        served = served.filter(date__lte=date_to)
    # ikm_summary() and services.ikm_report read the daily rollups by these
    # (a further filtered queryset has no such scope: read from the rows).
    found = {
        "hall": hall,
        "agency": agency,
        "service": service,
        "date_from": date_from,
        "date_to": date_to,
    }
    served._ikm_scope = found
    responses._ikm_scope = found
    return responses, served


def survey_submit(
    *,
    ticket,
    scores,
    sex="",
    age_band="",
    education="",
    occupation="",
    suggestion="",
    channel=SurveyResponse.Channel.PHONE,
    request=None,
):
    """Record the one answer of a finished ticket."""
    if len(scores) != 9 or any(
        not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 4
        for score in scores
    ):
        raise ValidationError({"scores": _("Isi sembilan nilai, masing-masing 1 sampai 4.")})
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update().select_related("service__agency").get(pk=ticket.pk)
        )
        if ticket.status != Ticket.Status.DONE:
            raise SurveyNotAllowed(
                _("Survei dapat diisi setelah layanan selesai."), code="ticket_not_done"
            )
        if SurveyResponse.objects.filter(ticket=ticket).exists():
            raise SurveyNotAllowed(
                _("Survei untuk tiket ini sudah diisi. Terima kasih."), code="already_answered"
            )
        response = SurveyResponse(
            ticket=ticket,
            service=ticket.service,
            agency=ticket.service.agency,
            hall_id=ticket.service.agency.hall_id,
            date=ticket.date,
            sex=sex,
            age_band=age_band,
            education=education,
            occupation=occupation,
            suggestion=(suggestion or "").strip(),
            channel=channel,
            **dict(zip(SurveyResponse.SCORE_FIELDS, scores, strict=True)),
        )
        response.full_clean(exclude=["ticket"])
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError:
            raise SurveyNotAllowed(
                _("Survei untuk tiket ini sudah diisi. Terima kasih."), code="already_answered"
            ) from None
        record(actor=None, action="survey.submit", obj=ticket, note=channel)
    return response
